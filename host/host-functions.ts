// The import allow-list of ABI v1: what a guest may import and with which
// signature. Validation refuses everything else; Sandbox provides exactly these.
// The `wx` functions themselves come from abi/contract.json (HOST_FUNCTIONS).

import { HOST_FUNCTIONS, HOST_NAMESPACE } from './abi.js';
import type { FuncType } from './wasm-reader.js';

export { HOST_NAMESPACE };

export const WX_FUNCTIONS: Readonly<Record<string, FuncType>> = HOST_FUNCTIONS;

export const ENV_ABORT: FuncType = { params: ['i32', 'i32', 'i32', 'i32'], results: [] };

/** Export name of the fuel counter metering adds; a guest may not use it. */
export const FUEL_GLOBAL_EXPORT = '__wx_fuel';
/**
 * Export name of the entry metering adds: `(n, fuel) -> wx_batch(n)` with the
 * counter set to `fuel` first, so the host refills and calls in one wasm call
 * (setting a WebAssembly.Global from JS costs about as much as the call).
 */
export const METERED_BATCH_EXPORT = '__wx_batch';
/** Export names starting with this are reserved for the host's instrumentation. */
export const RESERVED_EXPORT_PREFIX = '__wx';

export function signature(t: FuncType): string {
  return `(${t.params.join(', ')}) -> ${t.results.length ? t.results.join(', ') : 'void'}`;
}

export function sameSignature(a: FuncType, b: FuncType): boolean {
  return a.params.length === b.params.length && a.results.length === b.results.length
    && a.params.every((p, i) => p === b.params[i]) && a.results.every((p, i) => p === b.results[i]);
}
