// The deploy entry point: validate a guest module against the contract, meter
// it, and compile it. The pipeline and the CLI call this instead of
// `new WebAssembly.Module`; the result goes to `new Sandbox(loaded, opts)`.
// loadModule does it all on the calling thread; the daemon uses
// loadModuleIsolated (isolated-load.ts), which does the first two steps in a
// worker thread under a time and memory budget.

import { DEFAULT_HEAP_PAGES, MAX_HEAP_PAGES, memoryPages } from './abi.js';
import { WasmxdpError } from './errors.js';
import { meter } from './fuel.js';
import type { ModuleLimits } from './module-limits.js';
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
  /** Bounds on functions, locals, nesting and body size (default DEFAULT_MODULE_LIMITS). */
  moduleLimits?: Partial<ModuleLimits>;
}

/** A module validated and (unless metering is off) instrumented, not yet compiled. */
export interface PreparedModule {
  readonly info: WasmInfo;
  /** The bytes to compile: the metered module, or the original one. */
  readonly code: Uint8Array;
  readonly metered: boolean;
  readonly heapPages: number;
  readonly size: number;
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

/** Validation and metering: the expensive, guest-controlled part of a deploy. */
export function prepareModule(bytes: Uint8Array, limits: LoadLimits = {}, checkpoint?: () => void): PreparedModule {
  const heapPages = limits.heapPages ?? DEFAULT_HEAP_PAGES;
  checkHeapPages(heapPages, limits.maxHeapPages);
  const info = validateModule(bytes, {
    maxModuleBytes: limits.maxModuleBytes,
    memoryPages: memoryPages(heapPages),
    sharedMemory: limits.sharedMemory,
    moduleLimits: limits.moduleLimits,
  });
  checkWorld(bytes);
  const metered = limits.metering ?? true;
  const code = metered ? meter(bytes, { startFuel: limits.startFuel, checkpoint }) : bytes;
  return { info, code, metered, heapPages, size: bytes.length };
}

function compiled(p: PreparedModule, module: WebAssembly.Module): LoadedModule {
  return { module, metered: p.metered, heapPages: p.heapPages, info: p.info, size: p.size };
}

function compileError(p: PreparedModule, e: unknown): WasmxdpError {
  return new WasmxdpError('E_INVALID_WASM', `the ${p.metered ? 'metered ' : ''}module does not compile: ${(e as Error).message}`, { cause: e });
}

/** Compiles a prepared module on the calling thread. */
export function compilePrepared(p: PreparedModule): LoadedModule {
  try {
    return compiled(p, new WebAssembly.Module(p.code as Uint8Array<ArrayBuffer>));
  } catch (e) {
    throw compileError(p, e);
  }
}

/** Compiles a prepared module off the calling thread (V8 compiles asynchronously). */
export async function compilePreparedAsync(p: PreparedModule): Promise<LoadedModule> {
  try {
    return compiled(p, await WebAssembly.compile(p.code as Uint8Array<ArrayBuffer>));
  } catch (e) {
    throw compileError(p, e);
  }
}

export function loadModule(bytes: Uint8Array, limits: LoadLimits = {}): LoadedModule {
  return compilePrepared(prepareModule(bytes, limits));
}
