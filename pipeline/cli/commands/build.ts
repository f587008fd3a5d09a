import fs from 'node:fs';
import path from 'node:path';
import { compileHandler, resolveHandlerSource } from '../../../host/compile.js';
import { WasmxdpError } from '../../../host/errors.js';
import { stampProvenance } from '../../program/provenance.js';
import { parseCommand, str } from '../args.js';

export const BUILD_HELP = `Usage: wasmxdp build <handler.ts | handler.c | example-dir> [-o out.wasm] [--json]

Compiles a handler into a wasmxdp guest module for ABI v1: AssemblyScript
(export function handle(pkt: Packet): Verdict) with asc, or C
(wx_verdict handle(wx_packet *pkt), guest-sdk/c) with clang --target=wasm32 and
wasm-ld (Debian: clang lld). The module carries provenance metadata and the
ABI's WIT world (wit/wasmxdp.wit), which 'wasmxdp inspect' prints.

Options:
  -o, --out <file>   where to write the module (default: <handler-name>.wasm in the current directory)
  --json             print {"output", "bytes"} as JSON
  -h, --help         this help`;

export async function buildCommand(argv: string[], print: (s: string) => void): Promise<number> {
  const p = parseCommand('build', argv, { out: { type: 'string', short: 'o' }, json: { type: 'boolean' } }, { min: 1, max: 1 });
  if (p.values.help) { print(BUILD_HELP); return 0; }
  const source = resolveHandlerSource(p.positionals[0]);
  const base = path.basename(source, path.extname(source));
  const name = base === 'handler' || base === 'index' ? path.basename(path.dirname(source)) : base;
  const out = str(p, 'out') ?? `${name}.wasm`;
  const bytes = await stampProvenance(await compileHandler(source), source);
  try {
    fs.writeFileSync(out, bytes);
  } catch (e) {
    throw new WasmxdpError('E_IO', `cannot write ${out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  print(p.values.json ? JSON.stringify({ output: out, bytes: bytes.length }) : `wrote ${out} (${bytes.length} bytes)`);
  return 0;
}
