// Provenance stamped into every module `wasmxdp build` writes: the standard
// wasm `producers` custom section, written and read with jco's metadata tools,
// so `wasmxdp inspect` (or any wasm tool) can tell what built a module.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../host/compile.js';

export type ProducerFields = Array<[string, Array<[string, string]>]>;

function packageVersion(dir: string): string {
  try { return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version ?? '?'; } catch { return '?'; }
}

export const WASMXDP_VERSION = packageVersion(PROJECT_ROOT);

export async function stampProvenance(bin: Uint8Array, sourceFile: string): Promise<Uint8Array> {
  const { metadataAdd } = await import('@bytecodealliance/jco');
  const source = crypto.createHash('sha256').update(fs.readFileSync(sourceFile)).digest('hex');
  const asc = packageVersion(path.join(PROJECT_ROOT, 'node_modules', 'assemblyscript'));
  const fields: ProducerFields = [
    ['language', [['AssemblyScript', asc]]],
    ['processed-by', [['wasmxdp', WASMXDP_VERSION], ['asc', asc]]],
    ['sdk', [['wasmxdp-guest-sdk', 'abi-1'], ['source-sha256', source], ['source', path.basename(sourceFile)]]],
  ];
  return metadataAdd(bin, fields);
}

/** Producers fields of a module, merged across all its producers sections. */
export async function readProvenance(bin: Uint8Array): Promise<ProducerFields> {
  const { metadataShow } = await import('@bytecodealliance/jco');
  const out: ProducerFields = [];
  for (const m of await metadataShow(bin)) out.push(...(m.producers as ProducerFields));
  return out;
}
