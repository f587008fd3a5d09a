// The packet builders moved into the package's testing kit
// (pipeline/testing/packets.ts, `wasmxdp/testing`); tests keep importing them here.
export * from '../../pipeline/testing/packets.js';
