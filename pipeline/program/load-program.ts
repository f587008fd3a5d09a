// Turns what a user names on the command line (an AssemblyScript or C source,
// an example's directory, or a built .wasm) into module bytes ready for a Sandbox.

import fs from 'node:fs';
import path from 'node:path';
import { compileHandlerCached, resolveHandlerSource } from '../../host/compile.js';
import { WasmxdpError } from '../../host/errors.js';

export interface ProgramBytes {
  /** A short name for logs and status: the example's folder or the file's base name. */
  name: string;
  bytes: Uint8Array;
  /** The source the bytes were compiled from, when they were. */
  source?: string;
}

export function programName(spec: string): string {
  const abs = path.resolve(spec);
  const base = path.basename(abs).replace(/\.(wasm|ts|c)$/, '');
  return base === 'handler' || base === 'index' ? path.basename(path.dirname(abs)) : base;
}

export async function loadProgramBytes(spec: string): Promise<ProgramBytes> {
  if (spec.endsWith('.wasm')) {
    let bytes: Uint8Array;
    try { bytes = new Uint8Array(fs.readFileSync(spec)); } catch (e) {
      throw new WasmxdpError('E_IO', `cannot read ${spec}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    return { name: programName(spec), bytes };
  }
  const source = resolveHandlerSource(spec);
  return { name: programName(spec), bytes: await compileHandlerCached(source), source };
}
