// Compiles a handler into a wasmxdp guest module: AssemblyScript here, C in
// host/compile-c.ts.
//
// The author writes `export function handle(pkt: Packet): Verdict`. The asc
// flags of ABI v1 (imported fixed memory, data above MEMORY_BASE, stub
// runtime) live in the top-level asconfig.json, the one place they are
// written; its transform (asc-transform.js) resolves "wasmxdp" to
// the SDK and adds the entry that exports `wx_batch`. So this module runs
// what `npx asc <handler.ts> --config asconfig.json --target release` runs.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ABI_VERSION, MAX_HEAP_PAGES, MEMORY_BASE, MEMORY_BASE_PAGES } from './abi.js';
import { compileCHandler } from './compile-c.js';
import { WasmxdpError } from './errors.js';

const here = path.dirname(fileURLToPath(import.meta.url));
// host/compile.ts and dist/host/compile.js both sit two levels below the root
// when compiled, one level when run from source.
export const PROJECT_ROOT = findRoot(here);
export const SDK_DIR = path.join(PROJECT_ROOT, 'guest-sdk');
export const C_SDK_DIR = path.join(SDK_DIR, 'c');
/** The generated contract header (npm run gen:abi) the C SDK includes. */
export const ABI_INCLUDE_DIR = path.join(PROJECT_ROOT, 'abi', 'include');
export const ASCONFIG = path.join(PROJECT_ROOT, 'asconfig.json');

function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'guest-sdk'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('wasmxdp: cannot find the project root above ' + start);
    dir = up;
  }
}

export interface CompileOptions {
  /** Optimisation level 0-3 (default: the asconfig target's). */
  optimizeLevel?: number;
  /** Keep asserts (default true: a failed assert traps with a message). */
  assertions?: boolean;
  /** asconfig.json target (default "release"). */
  target?: 'release' | 'debug';
}

/**
 * asconfig.json's memory options, checked against the host's ABI constants:
 * the config is where asc gets them, host/abi.ts is where the host does, and
 * a module built with other numbers would be refused at load.
 */
export function checkAsconfig(file = ASCONFIG): void {
  const o = JSON.parse(fs.readFileSync(file, 'utf8')).options ?? {};
  const want: Record<string, unknown> = {
    importMemory: true,
    noExportMemory: true,
    runtime: 'stub',
    memoryBase: MEMORY_BASE,
    initialMemory: MEMORY_BASE_PAGES + 1,
    maximumMemory: MEMORY_BASE_PAGES + MAX_HEAP_PAGES,
  };
  const wrong = Object.entries(want).filter(([k, v]) => o[k] !== v).map(([k, v]) => `${k} is ${JSON.stringify(o[k])}, the ABI needs ${JSON.stringify(v)}`);
  if (wrong.length) throw new WasmxdpError('E_COMPILE', `${file} does not match ABI v1 (host/abi.ts): ${wrong.join('; ')}`);
}

/** Resolves what `wasmxdp run|build <handler>` was given to a handler source file (AssemblyScript or C). */
export function resolveHandlerSource(p: string): string {
  const abs = path.resolve(p);
  if (fs.existsSync(abs) && fs.statSync(abs).isDirectory()) {
    for (const name of ['handler.ts', 'index.ts', 'assembly/index.ts', 'handler.c']) {
      const f = path.join(abs, name);
      if (fs.existsSync(f)) return f;
    }
    throw new WasmxdpError('E_IO', `${p} is a directory without handler.ts, index.ts or handler.c: point at the handler source file`);
  }
  if (!fs.existsSync(abs)) throw new WasmxdpError('E_IO', `${p}: no such file`);
  return abs;
}

export async function compileHandler(handlerFile: string, opts: CompileOptions = {}): Promise<Uint8Array> {
  const file = resolveHandlerSource(handlerFile);
  if (file.endsWith('.c')) return compileCHandler(file, C_SDK_DIR, ABI_INCLUDE_DIR, opts);
  checkAsconfig();
  const asc = (await import('assemblyscript/asc')).default;
  const outputs = new Map<string, Uint8Array | string>();
  const errors: string[] = [];
  const args = [
    path.basename(file),
    '--baseDir', path.dirname(file),
    '--config', ASCONFIG,
    '--target', opts.target ?? 'release',
    '--outFile', 'out.wasm',
    '--noColors',
  ];
  if (opts.optimizeLevel !== undefined) args.push('--optimizeLevel', String(opts.optimizeLevel));
  if (opts.assertions === false) args.push('--noAssert');
  const result = await asc.main(args, {
    writeFile(filename: string, contents: Uint8Array | string) { outputs.set(filename, contents); },
    stdout: { write() { return true; } } as never,
    stderr: { write(s: string | Uint8Array) { errors.push(String(s)); return true; } } as never,
  } as never);
  const bin = outputs.get('out.wasm');
  if (result.error || !(bin instanceof Uint8Array)) {
    const text = errors.join('').replace(/\x1b\[[0-9;]*m/g, '').replace(/^FAILURE /m, '').trim();
    throw new WasmxdpError('E_COMPILE', `cannot compile ${path.relative(process.cwd(), file) || file}:\n${text || String(result.error)}`);
  }
  return bin;
}

/** Every source file (.ts, .c, .h) below `dir` (sorted), for cache keys. */
function sourcesBelow(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) { if (e.name !== 'node_modules' && e.name !== 'build') out.push(...sourcesBelow(p)); }
    else if (/\.(ts|c|h)$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

/**
 * compileHandler with an on-disk cache keyed by the handler's folder, the SDK
 * sources and the options, so tests and repeated `run`s skip asc (~1 s).
 */
export async function compileHandlerCached(handlerFile: string, opts: CompileOptions = {}): Promise<Uint8Array> {
  const crypto = await import('node:crypto');
  const file = resolveHandlerSource(handlerFile);
  const h = crypto.createHash('sha256');
  h.update(JSON.stringify({ file, opts, v: 3 }));
  for (const f of [...sourcesBelow(path.dirname(file)), ...sourcesBelow(SDK_DIR), ...sourcesBelow(ABI_INCLUDE_DIR), ASCONFIG, path.join(PROJECT_ROOT, 'asc-transform.js')]) {
    h.update(f);
    h.update(fs.readFileSync(f));
  }
  const dir = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'wasmxdp');
  const cached = path.join(dir, h.digest('hex').slice(0, 32) + '.wasm');
  if (fs.existsSync(cached)) return new Uint8Array(fs.readFileSync(cached));
  const bin = await compileHandler(file, opts);
  const tmp = `${cached}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(tmp, bin);
    fs.renameSync(tmp, cached);
  } catch {
    // A read-only install (a global package as another user): compile every time.
    fs.rmSync(tmp, { force: true });
  }
  return bin;
}
