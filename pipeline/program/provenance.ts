// What `wasmxdp build` stamps into every module it writes: the standard wasm
// `producers` custom section (jco's metadata tools), so `wasmxdp inspect` (or
// any wasm tool) can tell what built a module, and the guest ABI's WIT world
// (host/world.ts), so a host can tell whether it can run it.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ABI_VERSION } from '../../host/abi.js';
import { PROJECT_ROOT } from '../../host/compile.js';
import { embedWorld } from '../../host/world.js';

export type ProducerFields = Array<[string, Array<[string, string]>]>;

function packageVersion(dir: string): string {
  try { return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version ?? '?'; } catch { return '?'; }
}

export const WASMXDP_VERSION = packageVersion(PROJECT_ROOT);

export async function stampProvenance(bin: Uint8Array, sourceFile: string): Promise<Uint8Array> {
  const { metadataAdd } = await import('@bytecodealliance/jco');
  const source = crypto.createHash('sha256').update(fs.readFileSync(sourceFile)).digest('hex');
  const [language, compiler, version] = sourceFile.endsWith('.c')
    ? ['C', 'clang', /version (\S+)/.exec(spawnSync('clang', ['--version'], { encoding: 'utf8' }).stdout ?? '')?.[1] ?? '?']
    : ['AssemblyScript', 'asc', packageVersion(path.join(PROJECT_ROOT, 'node_modules', 'assemblyscript'))];
  const fields: ProducerFields = [
    ['language', [[language, version]]],
    ['processed-by', [['wasmxdp', WASMXDP_VERSION], [compiler, version]]],
    ['sdk', [['wasmxdp-guest-sdk', `abi-${ABI_VERSION}`], ['source-sha256', source], ['source', path.basename(sourceFile)]]],
  ];
  return embedWorld(await metadataAdd(bin, fields));
}

/** Producers fields of a module, merged across all its producers sections. */
export async function readProvenance(bin: Uint8Array): Promise<ProducerFields> {
  const { metadataShow } = await import('@bytecodealliance/jco');
  const out: ProducerFields = [];
  for (const m of await metadataShow(bin)) out.push(...(m.producers as ProducerFields));
  return out;
}
