import fs from 'node:fs';
import { WasmxdpError } from '../../../host/errors.js';
import { readWasm, WasmInfo } from '../../../host/wasm-reader.js';
import { embeddedWorld, formatWorld, hostWorld, signature, worldDifferences, type World } from '../../../host/world.js';
import { readProvenance } from '../../program/provenance.js';
import { parseCommand } from '../args.js';

export const INSPECT_HELP = `Usage: wasmxdp inspect <module.wasm> [--json]

Shows what a guest module is without running it: its ABI version, its WIT
world (embedded by 'wasmxdp build'; wit/wasmxdp.wit) and whether this host can
serve it, imports, exports, memory declaration, size and provenance (the
producers metadata 'wasmxdp build' stamps).

Options:
  --json       print it as JSON
  -h, --help   this help`;

function abiVersion(info: WasmInfo): number | null {
  const exp = info.exports.find((e) => e.name === 'wx_abi_version' && e.kind === 'global');
  if (!exp) return null;
  const imported = info.imports.filter((i) => i.desc.kind === 'global').length;
  const g = info.globals[exp.index - imported];
  return g && g.init.kind === 'i32.const' ? g.init.value : null;
}

function describeImport(i: WasmInfo['imports'][number], info: WasmInfo): string {
  const d = i.desc;
  if (d.kind === 'func') {
    const t = info.types[d.typeIndex];
    return `${i.module}.${i.name}: func (${t?.params.join(', ') ?? '?'}) -> (${t?.results.join(', ') ?? '?'})`;
  }
  if (d.kind === 'memory') return `${i.module}.${i.name}: memory ${d.limits.initial}..${d.limits.maximum ?? 'unbounded'} pages${d.limits.shared ? ' shared' : ''}`;
  return `${i.module}.${i.name}: ${d.kind}`;
}

function worldJson(w: World) {
  return {
    name: w.name,
    imports: Object.fromEntries([...w.imports].map(([iface, fns]) => [iface, Object.fromEntries([...fns.values()].map((f) => [f.name, signature(f)]))])),
    exports: Object.fromEntries([...w.exports.values()].map((f) => [f.name, signature(f)])),
  };
}

export async function inspectCommand(argv: string[], print: (s: string) => void): Promise<number> {
  const p = parseCommand('inspect', argv, { json: { type: 'boolean' } }, { min: 1, max: 1 });
  if (p.values.help) { print(INSPECT_HELP); return 0; }
  const file = p.positionals[0];
  let bytes: Uint8Array;
  try { bytes = new Uint8Array(fs.readFileSync(file)); } catch (e) {
    throw new WasmxdpError('E_IO', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (!WebAssembly.validate(bytes as BufferSource)) {
    const hint = file.endsWith('.ts') ? `it is a handler's source: build it first (wasmxdp build ${file}), or run the source directly (wasmxdp run ${file} ...)`
      : `build it first from a handler's source (wasmxdp build <handler.ts>)`;
    throw new WasmxdpError('E_INVALID_WASM', `${file} is not a valid WebAssembly module: ${hint}`);
  }
  const info = readWasm(bytes);
  const provenance = await readProvenance(bytes);
  const world = embeddedWorld(bytes);
  const differences = world ? worldDifferences(world, hostWorld()) : [];
  const report = {
    file,
    bytes: bytes.length,
    abiVersion: abiVersion(info),
    world: world ? worldJson(world) : null,
    worldText: world ? formatWorld(world) : null,
    compatible: differences.length === 0,
    differences,
    imports: info.imports.map((i) => describeImport(i, info)),
    exports: info.exports.map((e) => `${e.name}: ${e.kind}`),
    functions: info.functions.length,
    provenance: Object.fromEntries(provenance.map(([field, values]) => [field, Object.fromEntries(values)])),
  };
  if (p.values.json) { print(JSON.stringify(report)); return 0; }
  const lines = [
    `${file}: ${report.bytes} bytes, ${report.functions} functions`,
    `ABI version: ${report.abiVersion ?? 'none (not a wasmxdp guest)'}`,
    ...(world
      ? [`WIT world (${differences.length ? `NOT served by this host: ${differences.join('; ')}` : 'this host serves it'}):`, ...formatWorld(world).split('\n').map((s) => '  ' + s)]
      : ['WIT world: none embedded (built without wasmxdp build); checked by validation alone']),
    'imports:', ...report.imports.map((s) => '  ' + s),
    'exports:', ...report.exports.map((s) => '  ' + s),
    'provenance:',
    ...(provenance.length ? provenance.map(([f, vs]) => `  ${f}: ${vs.map(([n, v]) => `${n} ${v}`).join(', ')}`) : ['  (none)']),
  ];
  print(lines.join('\n'));
  return 0;
}
