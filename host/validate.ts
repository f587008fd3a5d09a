// Deploy-time validation of a guest module against the module contract of ABI
// v1 (docs/abi.md). Everything is decided from the binary alone, before any
// instantiation, so a refused module never runs a single instruction. Each
// refusal is a WasmxdpError whose message names the cause and the fix.

import { ABI_VERSION, CONTROL_SIZE, MAPS_OFFSET, MEMORY_BASE, PAGE_SIZE } from './abi.js';
import { WasmxdpError } from './errors.js';
import {
  ENV_ABORT, HOST_NAMESPACE, RESERVED_EXPORT_PREFIX, WX_FUNCTIONS, sameSignature, signature,
} from './host-functions.js';
import { ModuleLimits, checkModuleLimits } from './module-limits.js';
import { ConstExpr, FuncType, WasmInfo, WasmReadError, readWasm } from './wasm-reader.js';

export const DEFAULT_MAX_MODULE_BYTES = 4 * 1024 * 1024;

export interface ValidateLimits {
  /** Largest accepted module in bytes (default 4 MiB). */
  maxModuleBytes?: number;
  /** Pages of the host memory the module will be instantiated on. */
  memoryPages: number;
  /** Whether the host memory is shared (a SharedArrayBuffer); default false. */
  sharedMemory?: boolean;
  /** Bounds on functions, locals, nesting and body size (default DEFAULT_MODULE_LIMITS). */
  moduleLimits?: Partial<ModuleLimits>;
}

const WX_BATCH: FuncType = { params: ['i32'], results: ['i32'] };

/** Validates `bytes`; returns what was read, or throws a WasmxdpError naming the cause. */
export function validateModule(bytes: Uint8Array, limits: ValidateLimits): WasmInfo {
  const max = limits.maxModuleBytes ?? DEFAULT_MAX_MODULE_BYTES;
  if (bytes.length > max) {
    throw new WasmxdpError('E_MODULE_TOO_LARGE', `the module is ${bytes.length} bytes, over the limit of ${max} bytes; shrink it (asc -O3 --shrinkLevel 2) or raise maxModuleBytes`);
  }
  // The module's shape is bounded first, on our own linear parse: V8's
  // validator and binaryen both take long on a module built to be expensive.
  let info: WasmInfo | null = null;
  let readError: WasmReadError | null = null;
  try {
    info = readWasm(bytes);
  } catch (e) {
    if (!(e instanceof WasmReadError)) throw e;
    readError = e;
  }
  if (info) checkModuleLimits(info, limits.moduleLimits);
  if (!WebAssembly.validate(bytes as Uint8Array<ArrayBuffer>)) {
    let why = 'WebAssembly.validate refused it';
    try { new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>); } catch (e) { why = (e as Error).message; }
    throw new WasmxdpError('E_INVALID_WASM', `not a valid WebAssembly module: ${why}`);
  }
  if (readError || !info) throw new WasmxdpError('E_INVALID_WASM', `the module uses a construct wasmxdp does not accept: ${readError?.message}`);
  checkImports(info, limits);
  checkExports(info);
  checkData(info, limits.memoryPages);
  return info;
}

function checkImports(info: WasmInfo, limits: ValidateLimits): void {
  let memoryImported = false;
  for (const im of info.imports) {
    const what = `${im.module}.${im.name}`;
    const d = im.desc;
    if (d.kind === 'table') {
      // A table filled by someone else could hold functions the meter never
      // instrumented: calls through it would run uncharged.
      throw refuse(`import ${what} is a table; a handler may not import tables (functions in them would run outside the CPU budget); define the table in the module`);
    }
    if (im.module === 'env' && im.name === 'memory') {
      if (d.kind !== 'memory') throw refuse(`${what} must be a memory import, it is a ${d.kind}`);
      checkMemoryLimits(d.limits, limits);
      memoryImported = true;
      continue;
    }
    if (im.module === 'env' && im.name === 'abort') {
      if (d.kind !== 'func') throw refuse(`${what} must be a function, it is a ${d.kind}`);
      checkSignature(what, info.types[d.typeIndex], ENV_ABORT);
      continue;
    }
    if (im.module === HOST_NAMESPACE) {
      const want = WX_FUNCTIONS[im.name];
      if (!Object.prototype.hasOwnProperty.call(WX_FUNCTIONS, im.name) || !want) {
        throw refuse(`${what} is not a host function of ABI v${ABI_VERSION} (known: ${Object.keys(WX_FUNCTIONS).map((n) => `${HOST_NAMESPACE}.${n}`).join(', ')}); update the guest SDK or the host`);
      }
      if (d.kind !== 'func') throw refuse(`${what} must be a function, it is a ${d.kind}`);
      checkSignature(what, info.types[d.typeIndex], want);
      continue;
    }
    const hint = im.module.startsWith('wasi') ? ' (WASI is not available to packet handlers: no files, clocks or stdout; use wx.log)' : '';
    throw refuse(`import ${what} (${d.kind}) is not allowed${hint}; a handler may import only env.memory, env.abort and ${HOST_NAMESPACE}.* host functions`);
  }
  if (info.memories.length > 0) {
    throw new WasmxdpError('E_MEMORY_LAYOUT', `the module defines its own memory; it must import the host's memory as env.memory (asc --importMemory)`);
  }
  if (!memoryImported) {
    throw new WasmxdpError('E_MEMORY_LAYOUT', `the module does not import env.memory; build it with asc --importMemory (wasmxdp build does)`);
  }
}

function checkMemoryLimits(l: { initial: number; maximum: number | null; shared: boolean; is64: boolean }, limits: ValidateLimits): void {
  const host = limits.memoryPages;
  if (l.is64) throw new WasmxdpError('E_MEMORY_LAYOUT', 'env.memory is declared as a 64-bit memory; the host memory is 32-bit');
  if (l.initial > host) {
    throw new WasmxdpError('E_MEMORY_LAYOUT', `env.memory needs at least ${l.initial} pages but the host memory has ${host} (heapPages too small for this module); raise heapPages or build with a smaller --initialMemory`);
  }
  if (l.maximum !== null && l.maximum < host) {
    throw new WasmxdpError('E_MEMORY_LAYOUT', `env.memory allows at most ${l.maximum} pages but the host memory has ${host}; lower heapPages or build with a larger --maximumMemory`);
  }
  const shared = limits.sharedMemory ?? false;
  if (l.shared !== shared) {
    throw new WasmxdpError('E_MEMORY_LAYOUT', `env.memory is declared ${l.shared ? 'shared' : 'unshared'} but the host memory is ${shared ? 'shared' : 'not shared'}; build without --sharedMemory`);
  }
}

function checkSignature(what: string, got: FuncType | undefined, want: FuncType): void {
  if (!got || !sameSignature(got, want)) {
    throw refuse(`${what} is imported with signature ${got ? signature(got) : '(unknown type)'}, the host provides ${signature(want)}`);
  }
}

function refuse(message: string): WasmxdpError {
  return new WasmxdpError('E_IMPORT_REFUSED', message);
}

function checkExports(info: WasmInfo): void {
  const byName = new Map(info.exports.map((e) => [e.name, e]));
  for (const e of info.exports) {
    if (e.name.startsWith(RESERVED_EXPORT_PREFIX)) {
      throw new WasmxdpError('E_INVALID_WASM', `export ${e.name} uses the prefix ${RESERVED_EXPORT_PREFIX}, reserved for the host's instrumentation; rename it`);
    }
  }
  const batch = byName.get('wx_batch');
  if (!batch) throw new WasmxdpError('E_EXPORT_MISSING', `the module does not export wx_batch(n: i32): i32; build handlers with 'wasmxdp build'`);
  if (batch.kind !== 'func') throw new WasmxdpError('E_EXPORT_MISSING', `wx_batch is exported as a ${batch.kind}, it must be a function (i32) -> i32`);
  const batchType = funcType(info, batch.index);
  if (!batchType || !sameSignature(batchType, WX_BATCH)) {
    throw new WasmxdpError('E_EXPORT_MISSING', `wx_batch has signature ${batchType ? signature(batchType) : '(unknown)'}, it must be ${signature(WX_BATCH)}`);
  }

  const ver = byName.get('wx_abi_version');
  if (!ver) throw new WasmxdpError('E_EXPORT_MISSING', `the module does not export the global wx_abi_version; build handlers with 'wasmxdp build'`);
  if (ver.kind !== 'global') throw new WasmxdpError('E_EXPORT_MISSING', `wx_abi_version is exported as a ${ver.kind}, it must be an immutable i32 global`);
  const importedGlobals = info.imports.filter((i) => i.desc.kind === 'global').length;
  const g = info.globals[ver.index - importedGlobals];
  if (!g) throw new WasmxdpError('E_EXPORT_MISSING', 'wx_abi_version must be a global the module defines, not an import');
  if (g.type !== 'i32' || g.mutable) {
    throw new WasmxdpError('E_EXPORT_MISSING', `wx_abi_version is a ${g.mutable ? 'mutable ' : ''}${g.type} global, it must be an immutable i32`);
  }
  if (g.init.kind !== 'i32.const') {
    throw new WasmxdpError('E_ABI_VERSION', `wx_abi_version must be initialised by a constant, not '${g.init.text}'`);
  }
  if (g.init.value !== ABI_VERSION) {
    throw new WasmxdpError('E_ABI_VERSION', `the module speaks ABI version ${g.init.value}, this host speaks ABI ${ABI_VERSION}; rebuild it with this wasmxdp`);
  }
}

function funcType(info: WasmInfo, index: number): FuncType | undefined {
  const imported = info.imports.filter((i) => i.desc.kind === 'func');
  if (index < imported.length) {
    const d = imported[index].desc;
    return d.kind === 'func' ? info.types[d.typeIndex] : undefined;
  }
  const t = info.functions[index - imported.length];
  return t === undefined ? undefined : info.types[t];
}

/** Names the region of ABI v1 an address falls in, for refusal messages. */
function regionOf(addr: number): string {
  if (addr < CONTROL_SIZE) return 'the control block';
  if (addr < MAPS_OFFSET) return 'the frame area';
  if (addr < MEMORY_BASE) return 'the maps region';
  return 'guest data';
}

// Data segments are re-applied on every instantiation, i.e. after every trap and
// on every hot swap: one landing below MEMORY_BASE would overwrite descriptors,
// frames in flight or map contents of a running port.
function checkData(info: WasmInfo, memoryPages: number): void {
  const memEnd = memoryPages * PAGE_SIZE;
  info.data.forEach((seg, i) => {
    if (seg.mode !== 'active') return;
    const off: ConstExpr = seg.offset;
    if (off.kind !== 'i32.const') {
      throw new WasmxdpError('E_MEMORY_LAYOUT', `data segment ${i} has a non-constant offset '${off.text}'; only i32.const offsets can be checked against the memory layout`);
    }
    const start = off.value >>> 0;
    const end = start + seg.size;
    if (start < MEMORY_BASE) {
      throw new WasmxdpError('E_MEMORY_LAYOUT', `data segment ${i} (${seg.size} bytes at 0x${start.toString(16)}) lands in ${regionOf(start)}, below MEMORY_BASE 0x${MEMORY_BASE.toString(16)}; build with asc --memoryBase ${MEMORY_BASE} (wasmxdp build does)`);
    }
    if (end > memEnd) {
      throw new WasmxdpError('E_MEMORY_LAYOUT', `data segment ${i} (${seg.size} bytes at 0x${start.toString(16)}) ends at 0x${end.toString(16)}, beyond the memory (0x${memEnd.toString(16)} bytes with these heapPages); raise heapPages or shrink the static data`);
    }
  });
}
