// wasmxdp guest SDK: what a handler imports as "wasmxdp".
export * from "./verdict";
export { Packet } from "./packet";
