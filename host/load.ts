// The deploy entry point: validate a guest module against the contract, meter
// it, and compile it. The pipeline and the CLI call this instead of
// `new WebAssembly.Module`; the result goes to `new Sandbox(loaded, opts)`.

import { DEFAULT_HEAP_PAGES, MAX_HEAP_PAGES, memoryPages } from './abi.js';
import { WasmxdpError } from './errors.js';
import { meter } from './fuel.js';
import { validateModule } from './validate.js';
import { checkWorld } from './world.js';
import type { WasmInfo } from './wasm-reader.js';

export interface LoadLimits {
  /** Largest accepted module in bytes (default 4 MiB). */
  maxModuleBytes?: number;
  /** Heap pages of the sandbox the module will run in (default 16). */
  heapPages?: number;
  /** Operator's ceiling for heapPages (default MAX_HEAP_PAGES = 1024). */
  maxHeapPages?: number;
  /** Instrument with a CPU budget (default true). Off only for trusted code and benchmarks. */
  metering?: boolean;
  /** Fuel for the start function at each instantiation (default 10M units). */
  startFuel?: number;
  /** The host memory is a SharedArrayBuffer-backed memory (default false). */
  sharedMemory?: boolean;
}

export interface LoadedModule {
  readonly module: WebAssembly.Module;
  readonly metered: boolean;
  readonly heapPages: number;
  /** What validation read from the original binary. */
  readonly info: WasmInfo;
  /** Size of the module as deployed (before metering). */
  readonly size: number;
}

export function checkHeapPages(heapPages: number, maxHeapPages: number = MAX_HEAP_PAGES): void {
  const ceiling = Math.min(maxHeapPages, MAX_HEAP_PAGES);
  if (!Number.isInteger(heapPages) || heapPages < 1 || heapPages > ceiling) {
    throw new WasmxdpError('E_CONFIG', `heapPages must be an integer from 1 to ${ceiling} (operator limit), got ${heapPages}`);
  }
}

export function loadModule(bytes: Uint8Array, limits: LoadLimits = {}): LoadedModule {
  const heapPages = limits.heapPages ?? DEFAULT_HEAP_PAGES;
  checkHeapPages(heapPages, limits.maxHeapPages);
  const info = validateModule(bytes, {
    maxModuleBytes: limits.maxModuleBytes,
    memoryPages: memoryPages(heapPages),
    sharedMemory: limits.sharedMemory,
  });
  checkWorld(bytes);
  const metered = limits.metering ?? true;
  const code = metered ? meter(bytes, { startFuel: limits.startFuel }) : bytes;
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(code as Uint8Array<ArrayBuffer>);
  } catch (e) {
    throw new WasmxdpError('E_INVALID_WASM', `the ${metered ? 'metered ' : ''}module does not compile: ${(e as Error).message}`, { cause: e });
  }
  return { module, metered, heapPages, info, size: bytes.length };
}
