// Every error wasmxdp raises on purpose is a WasmxdpError with a stable code, so
// callers (CLI, control plane, tests) can branch on `code` and show `message`.

export type ErrorCode =
  | 'E_USAGE'
  | 'E_CONFIG'
  | 'E_COMPILE'
  | 'E_INVALID_WASM'
  | 'E_IMPORT_REFUSED'
  | 'E_EXPORT_MISSING'
  | 'E_ABI_VERSION'
  | 'E_WORLD_MISMATCH'
  | 'E_MEMORY_LAYOUT'
  | 'E_MODULE_TOO_LARGE'
  | 'E_MODULE_LIMIT'
  | 'E_METER_BUDGET'
  | 'E_INSTANTIATE'
  | 'E_CAPTURE_FORMAT'
  | 'E_IO'
  | 'E_NATIVE_UNAVAILABLE'
  | 'E_PERMISSION'
  | 'E_NO_SUCH_IFACE'
  | 'E_XDP_BUSY'
  | 'E_MEMLOCK'
  | 'E_DRIVER_MODE'
  | 'E_SOCKET'
  | 'E_MAP'
  | 'E_DEPLOY'
  | 'E_PROTOCOL'
  | 'E_NOT_FOUND'
  | 'E_WORKER_TERMINATED'
  | 'E_BUSY'
  | 'E_TIMEOUT'
  | 'E_FLEET_CONFLICT'
  | 'E_FLEET_UNAVAILABLE'
  | 'E_FLEET_HALTED'

  | 'E_QUOTA';

export class WasmxdpError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WasmxdpError';
    this.code = code;
  }
}

export function isWasmxdpError(e: unknown): e is WasmxdpError {
  return e instanceof WasmxdpError;
}
