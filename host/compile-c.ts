// Compiles a C handler (`wx_verdict handle(wx_packet *pkt)`, guest-sdk/c) into
// a wasmxdp guest module: clang --target=wasm32 and wasm-ld link it with the
// SDK's batch entry under the ABI v1 memory layout (imported fixed memory,
// data and stack above MEMORY_BASE), then binaryen adds the wx_abi_version
// export, an i32 global C has no way to declare.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ABI_VERSION, MAX_HEAP_PAGES, MEMORY_BASE, MEMORY_BASE_PAGES, PAGE_SIZE } from './abi.js';
import { WasmxdpError } from './errors.js';

export interface CToolchain {
  ok: boolean;
  /** What is missing, as Debian packages, when not ok. */
  missing: string[];
}

let toolchain: CToolchain | null = null;

/** Whether clang can target wasm32 and wasm-ld (Debian `lld`) is there. */
export function cToolchain(): CToolchain {
  if (toolchain) return toolchain;
  const missing: string[] = [];
  const clang = spawnSync('clang', ['--print-targets'], { encoding: 'utf8' });
  if (clang.status !== 0) missing.push('clang');
  else if (!/\bwasm32\b/.test(clang.stdout)) missing.push('clang with the WebAssembly target');
  if (spawnSync('wasm-ld', ['--version'], { encoding: 'utf8' }).status !== 0) missing.push('lld (wasm-ld)');
  return (toolchain = { ok: missing.length === 0, missing });
}

export function cFlags(sdkDir: string, abiInclude: string, opts: { optimizeLevel?: number }): string[] {
  return [
    '--target=wasm32', `-O${opts.optimizeLevel ?? 2}`, '-ffreestanding', '-nostdlib', '-Wall', '-Wextra',
    `-I${sdkDir}`, `-I${abiInclude}`,
    '-Wl,--no-entry', '-Wl,--import-memory',
    `-Wl,--initial-memory=${(MEMORY_BASE_PAGES + 1) * PAGE_SIZE}`,
    `-Wl,--max-memory=${(MEMORY_BASE_PAGES + MAX_HEAP_PAGES) * PAGE_SIZE}`,
    `-Wl,--global-base=${MEMORY_BASE}`,
    // Data and stack share the first heap page: handlers do not recurse.
    '-Wl,-z,stack-size=16384',
    '-Wl,--strip-debug',
  ];
}

async function addAbiVersionExport(bin: Uint8Array): Promise<Uint8Array> {
  const binaryen = (await import('binaryen')).default;
  const mod = binaryen.readBinary(bin);
  try {
    mod.addGlobal('wx_abi_version', binaryen.i32, false, mod.i32.const(ABI_VERSION));
    mod.addGlobalExport('wx_abi_version', 'wx_abi_version');
    return mod.emitBinary();
  } finally {
    mod.dispose();
  }
}

export async function compileCHandler(file: string, sdkDir: string, abiInclude: string, opts: { optimizeLevel?: number } = {}): Promise<Uint8Array> {
  const tc = cToolchain();
  if (!tc.ok) {
    throw new WasmxdpError('E_COMPILE', `cannot compile ${file}: C handlers need ${tc.missing.join(' and ')} (Debian: apt-get install clang lld)`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-cc-'));
  try {
    const out = path.join(dir, 'out.wasm');
    const r = spawnSync('clang', [...cFlags(sdkDir, abiInclude, opts), file, path.join(sdkDir, 'wasmxdp_entry.c'), '-o', out], { encoding: 'utf8' });
    if (r.status !== 0) {
      throw new WasmxdpError('E_COMPILE', `cannot compile ${path.relative(process.cwd(), file) || file}:\n${(r.stderr || r.error?.message || '').trim()}`);
    }
    return await addAbiVersionExport(new Uint8Array(fs.readFileSync(out)));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
