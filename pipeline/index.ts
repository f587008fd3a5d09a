// The package's embedding API (`import ... from "wasmxdp"`): compile or load a
// handler, run it in a Sandbox over frames (OfflineRunner) or live
// AF_XDP ports, read and write captures, talk to a running `wasmxdp serve`.
// Everything else under dist/ is internal and may change.

export {
  Action, ACTION_NAMES, type ActionName, ABI_VERSION, BATCH_CAPACITY, DEFAULT_FRAME_SIZE, DEFAULT_HEAP_PAGES,
  FRAME_SIZES, MAX_HEAP_PAGES, MEMORY_BASE, memoryPages,
} from '../host/abi.js';
export { WasmxdpError, isWasmxdpError, type ErrorCode } from '../host/errors.js';
export { compileHandler, compileHandlerCached, resolveHandlerSource, type CompileOptions } from '../host/compile.js';
export { loadModule, type LoadLimits, type LoadedModule } from '../host/load.js';
export { Sandbox, FAIL_VERDICTS, DEFAULT_FUEL_PER_PACKET, type SandboxOptions, type FailVerdict } from '../host/sandbox.js';
export { Batch } from '../host/batch.js';
export type { ProgramStatsSnapshot } from '../host/stats.js';
export { MapHandle, type UpdateFlag } from '../host/maps/map.js';
export { OfflineRunner, DEFAULT_HEADROOM, type OfflineFrame, type OfflineVerdict, type OfflineSummary, type VerdictSink } from './offline/offline-runner.js';
export { loadProgramBytes, type ProgramBytes } from './program/load-program.js';
export { createSandbox, type ProgramOptions } from './program/create-sandbox.js';
export * from './capture/index.js';
export { ControlClient, requestOnce } from './control/client.js';
export {
  XskPortSet, nativeAvailable, loadNative, BUILD_HINT,
  type PortSetOptions, type PortOptions, type XdpSocketStats, type PortCounters, type XdpMode,
} from '../native/index.js';
