// `wasmxdp/testing`: what a handler's unit tests need. Packet builders with
// valid checksums by default (and every field overridable to build malformed
// frames), reference parsers to assert on, a runner that gives verdicts and
// output frames, and capture file helpers.

export * from './packets.js';
export {
  runHandler, runFrames, loadBatch, HEADROOM,
  type RunHandlerResult, type RunHandlerOptions, type RunFramesOptions, type HandlerVerdict, type FrameInput,
} from './run-handler.js';
export { readFrames, writeFrames } from './captures.js';
export { Action, ACTION_NAMES, type ActionName } from '../../host/abi.js';
