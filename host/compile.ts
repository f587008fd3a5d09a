// Compiles a handler into a wasmxdp guest module: AssemblyScript here, C in
// host/compile-c.ts.
//
// The author writes `export function handle(pkt: Packet): Verdict`; this module
// generates the entry file that exports the ABI (`wx_abi_version`, `wx_batch`)
// and calls `handle` directly for each descriptor, then runs asc with the
// memory layout of ABI v1 (imported fixed memory, data above MEMORY_BASE).

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
const ENTRY_NAME = '__wx_entry.ts';

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
  /** Optimisation level 0-3 (default 3). */
  optimizeLevel?: number;
  /** Keep asserts (default true: a failed assert traps with a message). */
  assertions?: boolean;
}

export function entrySource(handlerFile: string): string {
  const mod = './' + path.basename(handlerFile).replace(/\.ts$/, '');
  return [
    `import { handle } from "${mod}";`,
    `import { packetAt, finish } from "wasmxdp/entry";`,
    `export const wx_abi_version: i32 = ${ABI_VERSION};`,
    `export function wx_batch(n: i32): i32 {`,
    `  for (let i: u32 = 0; i < <u32>n; i++) {`,
    `    const pkt = packetAt(i);`,
    `    finish(i, pkt, handle(pkt));`,
    `  }`,
    `  return n;`,
    `}`,
    '',
  ].join('\n');
}

/** Resolves what `wasmxdp run|build <handler>` was given to a handler source file (AssemblyScript or C). */
export function resolveHandlerSource(p: string): string {
  const abs = path.resolve(p);
  if (fs.existsSync(abs) && fs.statSync(abs).isDirectory()) {
    for (const name of ['handler.ts', 'index.ts', 'assembly/index.ts', 'handler.c']) {
      const f = path.join(abs, name);
      if (fs.existsSync(f)) return f;
    }
    throw new WasmxdpError('E_USAGE', `${p} is a directory without handler.ts, index.ts or handler.c: point at the handler source file`);
  }
  if (!fs.existsSync(abs)) throw new WasmxdpError('E_USAGE', `${p}: no such file`);
  return abs;
}

export async function compileHandler(handlerFile: string, opts: CompileOptions = {}): Promise<Uint8Array> {
  const file = resolveHandlerSource(handlerFile);
  if (file.endsWith('.c')) return compileCHandler(file, C_SDK_DIR, ABI_INCLUDE_DIR, opts);
  const asc = (await import('assemblyscript/asc')).default;
  const dir = path.dirname(file);
  const outputs = new Map<string, Uint8Array | string>();
  const errors: string[] = [];
  const args = [
    ENTRY_NAME,
    '--baseDir', dir,
    '--outFile', 'out.wasm',
    '--importMemory', '--noExportMemory',
    '--initialMemory', String(MEMORY_BASE_PAGES + 1),
    '--maximumMemory', String(MEMORY_BASE_PAGES + MAX_HEAP_PAGES),
    '--memoryBase', String(MEMORY_BASE),
    '--runtime', 'stub',
    '--optimizeLevel', String(opts.optimizeLevel ?? 3),
    '--shrinkLevel', '0',
    '--converge',
  ];
  if (opts.assertions === false) args.push('--noAssert');
  const result = await asc.main(args, {
    readFile(filename: string, baseDir: string) {
      const abs = path.resolve(baseDir, filename);
      if (abs === path.join(dir, ENTRY_NAME)) return entrySource(file);
      const m = abs.match(/node_modules[\\/]wasmxdp[\\/](.*)$/);
      const real = m ? path.join(SDK_DIR, m[1]) : abs;
      try { return fs.readFileSync(real, 'utf8'); } catch { return null; }
    },
    writeFile(filename: string, contents: Uint8Array | string) { outputs.set(filename, contents); },
    listFiles() { return []; },
    stdout: { write() { return true; } } as never,
    stderr: { write(s: string | Uint8Array) { errors.push(String(s)); return true; } } as never,
  } as never);
  const bin = outputs.get('out.wasm');
  if (result.error || !(bin instanceof Uint8Array)) {
    const text = errors.join('').replace(/\x1b\[[0-9;]*m/g, '').trim();
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
  h.update(JSON.stringify({ file, opts, v: 1 }));
  for (const f of [...sourcesBelow(path.dirname(file)), ...sourcesBelow(SDK_DIR), ...sourcesBelow(ABI_INCLUDE_DIR)]) {
    h.update(f);
    h.update(fs.readFileSync(f));
  }
  const dir = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'wasmxdp');
  const cached = path.join(dir, h.digest('hex').slice(0, 32) + '.wasm');
  if (fs.existsSync(cached)) return new Uint8Array(fs.readFileSync(cached));
  const bin = await compileHandler(file, opts);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${cached}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, bin);
  fs.renameSync(tmp, cached);
  return bin;
}
