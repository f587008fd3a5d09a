// The WIT world of the guest ABI (wit/wasmxdp.wit, generated from
// abi/contract.json) inside modules: `wasmxdp build` embeds it with jco's
// componentEmbed (a `component-type` custom section, as wit-bindgen writes
// it), `wasmxdp inspect` prints it, and loadModule refuses a module whose
// embedded world asks for host functions this host does not provide, or does
// not export what the host calls. A module without an embedded world (plain
// asc, clang, hand-written) is checked by validation alone.
//
// jco decodes the section into component-type text (`print`); the small
// reader below turns that into imports and exports to compare.

import fs from 'node:fs';
import path from 'node:path';
import { WasmxdpError } from './errors.js';
import { PROJECT_ROOT } from './compile.js';

interface WasmTools {
  print(binary: Uint8Array): string;
  componentEmbed(opts: { binary?: Uint8Array; witSource?: string; world?: string; dummy?: boolean }): Uint8Array;
}

// jco's wasm-tools component alone (its package entry also loads the
// transpiler: ~180 ms instead of ~40 ms); instantiated once per process.
const jcoEntry = import.meta.resolve('@bytecodealliance/jco');
const wasmTools = await import(new URL('../obj/wasm-tools.js', jcoEntry).href) as { $init: Promise<void>; tools: WasmTools };
await wasmTools.$init;
const tools = wasmTools.tools;

export const WIT_FILE = path.join(PROJECT_ROOT, 'wit/wasmxdp.wit');
export const WORLD_NAME = 'handler';
const SECTION_PREFIX = 'component-type';

export interface WorldFunc { name: string; params: [string, string][]; result: string | null }
export interface World {
  /** Fully qualified, e.g. wasmxdp:guest/handler@1.0.0. */
  name: string;
  /** Imported interfaces (fully qualified) and their functions; world-level function imports under ''. */
  imports: Map<string, Map<string, WorldFunc>>;
  exports: Map<string, WorldFunc>;
}

// ------------------------------------------------------------ custom sections

function leb(b: Uint8Array, pos: number): [number, number] {
  let r = 0, shift = 0, x: number;
  do {
    if (pos >= b.length) throw new Error('truncated LEB128');
    x = b[pos++];
    r += (x & 0x7f) * 2 ** shift;
    shift += 7;
  } while (x & 0x80);
  return [r, pos];
}

/** Payloads of the custom sections of a (valid) module whose name starts with `prefix`. */
export function customSections(bin: Uint8Array, prefix: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  let pos = 8;
  while (pos < bin.length) {
    const id = bin[pos++];
    const [size, start] = leb(bin, pos);
    const end = start + size;
    if (id === 0) {
      const [nameLen, nameStart] = leb(bin, start);
      const name = new TextDecoder().decode(bin.subarray(nameStart, nameStart + nameLen));
      if (name.startsWith(prefix)) out.push(bin.subarray(nameStart + nameLen, end));
    }
    pos = end;
  }
  return out;
}

// ------------------------------------------------------------ component-type text -> World

type Node = string | { str: string } | Node[];

function parseSexpr(text: string): Node {
  let i = 0;
  const skip = () => {
    for (;;) {
      while (i < text.length && /\s/.test(text[i])) i++;
      if (text.startsWith('(;', i)) { i = text.indexOf(';)', i) + 2; continue; }
      if (text.startsWith(';;', i)) { i = text.indexOf('\n', i); if (i < 0) i = text.length; continue; }
      return;
    }
  };
  const node = (): Node => {
    skip();
    if (text[i] === '(') {
      i++;
      const list: Node[] = [];
      for (skip(); text[i] !== ')'; skip()) {
        if (i >= text.length) throw new Error('unbalanced component-type text');
        list.push(node());
      }
      i++;
      return list;
    }
    if (text[i] === '"') {
      let s = '';
      for (i++; text[i] !== '"'; i++) s += text[i] === '\\' ? text[++i] : text[i];
      i++;
      return { str: s };
    }
    const start = i;
    while (i < text.length && !/[\s()]/.test(text[i])) i++;
    return text.slice(start, i);
  };
  return node();
}

const isList = (n: Node | undefined, head?: string): n is Node[] => Array.isArray(n) && (head === undefined || n[0] === head);
const strOf = (n: Node | undefined): string => (n && typeof n === 'object' && !Array.isArray(n) ? n.str : '');
const render = (n: Node): string => (typeof n === 'string' ? n : Array.isArray(n) ? `(${n.map(render).join(' ')})` : JSON.stringify(n.str));

function typeRef(desc: Node[], types: Node[]): Node | undefined {
  const ref = desc.find((n) => isList(n, 'type')) as Node[] | undefined;
  return ref ? types[Number(ref[1])] : undefined;
}

function funcOf(name: string, f: Node | undefined): WorldFunc {
  if (!isList(f, 'func')) return { name, params: [], result: `? ${f ? render(f) : 'unknown type'}` };
  const params: [string, string][] = [];
  let result: string | null = null;
  for (const part of f.slice(1)) {
    if (isList(part, 'param')) params.push([strOf(part[1]), render(part[2])]);
    else if (isList(part, 'result')) result = render(part[part.length - 1]);
  }
  return { name, params, result };
}

/** Items of a component or instance type: `(type ...)` declarations are indexed in order. */
function walk(items: Node[], visit: (kind: 'import' | 'export', name: string, desc: Node[], types: Node[]) => void): void {
  const types: Node[] = [];
  for (const item of items) {
    if (isList(item, 'type')) types.push(item[item.length - 1]);
    else if ((isList(item, 'import') || isList(item, 'export')) && isList(item[2])) visit(item[0] as 'import' | 'export', strOf(item[1]), item[2], types);
  }
}

function instanceFuncs(inst: Node | undefined): Map<string, WorldFunc> {
  const fns = new Map<string, WorldFunc>();
  if (isList(inst, 'instance')) {
    walk(inst.slice(1), (kind, name, desc, types) => {
      if (kind === 'export' && desc[0] === 'func') fns.set(name, funcOf(name, typeRef(desc, types)));
    });
  }
  return fns;
}

/** The world encoded in a component-type section payload (as wit-component writes it). */
export function decodeWorld(payload: Uint8Array): World {
  const root = parseSexpr(tools.print(payload));
  const encoded = isList(root, 'component') ? root.slice(1).find((n) => isList(n, 'type')) as Node[] | undefined : undefined;
  const wrapper = encoded?.find((n) => isList(n, 'component')) as Node[] | undefined;
  let world: World | null = null;
  if (wrapper) {
    walk(wrapper.slice(1), (kind, name, desc, types) => {
      const body = kind === 'export' && desc[0] === 'component' ? typeRef(desc, types) : undefined;
      if (!isList(body, 'component')) return;
      const w: World = { name, imports: new Map(), exports: new Map() };
      walk(body.slice(1), (k, n, d, ts) => {
        if (k === 'import' && d[0] === 'instance') w.imports.set(n, instanceFuncs(typeRef(d, ts)));
        else if (k === 'import' && d[0] === 'func') {
          if (!w.imports.has('')) w.imports.set('', new Map());
          w.imports.get('')!.set(n, funcOf(n, typeRef(d, ts)));
        } else if (k === 'export' && d[0] === 'func') w.exports.set(n, funcOf(n, typeRef(d, ts)));
      });
      world = w;
    });
  }
  if (!world) throw new WasmxdpError('E_WORLD_MISMATCH', 'the module\'s component-type section holds no world');
  return world;
}

/** The world embedded in a module, or null when it has none. */
export function embeddedWorld(bin: Uint8Array): World | null {
  const sections = customSections(bin, SECTION_PREFIX);
  if (sections.length === 0) return null;
  try {
    return decodeWorld(sections[sections.length - 1]);
  } catch (e) {
    if (e instanceof WasmxdpError) throw e;
    throw new WasmxdpError('E_WORLD_MISMATCH', `the module's embedded WIT world cannot be read: ${(e as Error).message}`);
  }
}

// ------------------------------------------------------------ the host's world

let hostWorldCache: World | null = null;
const witSource = () => fs.readFileSync(WIT_FILE, 'utf8');

/** The world this host implements: wit/wasmxdp.wit, decoded the same way as a module's. */
export function hostWorld(): World {
  if (!hostWorldCache) {
    const dummy = tools.componentEmbed({ dummy: true, witSource: witSource(), world: WORLD_NAME });
    hostWorldCache = embeddedWorld(dummy);
  }
  return hostWorldCache!;
}

/** `bin` with the host's WIT world embedded (what `wasmxdp build` ships), or the world `world` of WIT text `wit`. */
export function embedWorld(bin: Uint8Array, wit = witSource(), world = WORLD_NAME): Uint8Array {
  return tools.componentEmbed({ binary: bin, witSource: wit, world });
}

// ------------------------------------------------------------ compatibility

export function signature(f: WorldFunc): string {
  return `func(${f.params.map(([n, t]) => `${n}: ${t}`).join(', ')})${f.result ? ` -> ${f.result}` : ''}`;
}

const shape = (f: WorldFunc) => `${f.params.map(([, t]) => t).join(',')}->${f.result ?? ''}`;
const packageOf = (name: string) => name.replace(/\/.*$/, '');
const majorOf = (name: string) => /@(\d+)\./.exec(name)?.[1] ?? '';

/**
 * Why a module with world `m` cannot run on a host implementing `h`, or []:
 * every function it imports must be provided with the same types, and every
 * function the host calls must be exported with the same types. Extra exports
 * are fine.
 */
export function worldDifferences(m: World, h: World): string[] {
  const out: string[] = [];
  if (packageOf(m.name.split('@')[0]) !== packageOf(h.name.split('@')[0]) || majorOf(m.name) !== majorOf(h.name)) {
    out.push(`the module targets world ${m.name}, this host implements ${h.name}`);
    return out;
  }
  for (const [iface, fns] of m.imports) {
    const have = h.imports.get(iface);
    const label = iface || 'the world';
    if (!have) { out.push(`it imports ${iface ? `interface ${iface}` : 'world-level functions'}, which this host does not provide (it provides ${[...h.imports.keys()].join(', ')})`); continue; }
    for (const [name, f] of fns) {
      const g = have.get(name);
      if (!g) out.push(`it imports ${label}.${name}, which this host does not provide`);
      else if (shape(f) !== shape(g)) out.push(`it imports ${label}.${name} as ${signature(f)}, this host provides ${signature(g)}`);
    }
  }
  for (const [name, g] of h.exports) {
    const f = m.exports.get(name);
    if (!f) out.push(`it does not export ${name} (${signature(g)})`);
    else if (shape(f) !== shape(g)) out.push(`it exports ${name} as ${signature(f)}, this host calls ${signature(g)}`);
  }
  return out;
}

/** Refuses (E_WORLD_MISMATCH) a module whose embedded world this host cannot serve; a module without one passes. */
export function checkWorld(bin: Uint8Array): World | null {
  const w = embeddedWorld(bin);
  if (!w) return null;
  const diff = worldDifferences(w, hostWorld());
  if (diff.length) throw new WasmxdpError('E_WORLD_MISMATCH', `the module's embedded WIT world does not match this host: ${diff.join('; ')}; rebuild it with this wasmxdp (wasmxdp build)`);
  return w;
}

/** The world as WIT-like text, for `wasmxdp inspect`. */
export function formatWorld(w: World): string {
  const lines = [`world ${w.name} {`];
  for (const [iface, fns] of w.imports) {
    if (!iface) { for (const f of fns.values()) lines.push(`  import ${f.name}: ${signature(f)};`); continue; }
    lines.push(`  import ${iface}: interface {`);
    for (const f of fns.values()) lines.push(`    ${f.name}: ${signature(f)};`);
    lines.push('  }');
  }
  for (const f of w.exports.values()) lines.push(`  export ${f.name}: ${signature(f)};`);
  lines.push('}');
  return lines.join('\n');
}
