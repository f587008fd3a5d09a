// A small reader for the parts of a wasm binary that deploy-time validation
// needs: types, imports, functions, memories, globals, exports, start and data
// segments, and the shape of the code (body sizes, locals, block nesting) that
// the module limits bound before binaryen sees the module. It runs after WebAssembly.validate, so it can assume a well-formed
// module and only has to describe it; it still bounds-checks every read, and a
// construct it does not model (GC type groups, memory64) makes it throw
// WasmReadError for the validator to turn into a refusal.

export type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128' | 'funcref' | 'externref';

export interface FuncType { readonly params: readonly ValType[]; readonly results: readonly ValType[] }
export interface Limits { initial: number; maximum: number | null; shared: boolean; is64: boolean }

/** A constant expression, as far as validation cares. */
export type ConstExpr =
  | { kind: 'i32.const'; value: number }
  | { kind: 'other'; text: string };

export type ImportDesc =
  | { kind: 'func'; typeIndex: number }
  | { kind: 'table' }
  | { kind: 'memory'; limits: Limits }
  | { kind: 'global'; type: ValType; mutable: boolean }
  | { kind: 'tag' };

export interface Import { module: string; name: string; desc: ImportDesc }
export interface Global { type: ValType; mutable: boolean; init: ConstExpr }
export type ExportKind = 'func' | 'table' | 'memory' | 'global' | 'tag';
export interface Export { name: string; kind: ExportKind; index: number }
export type DataSegment =
  | { mode: 'passive'; size: number }
  | { mode: 'active'; memory: number; offset: ConstExpr; size: number };

/** The largest of each code measure and the function (index among defined functions) that has it. */
export interface CodeShape {
  /** Function bodies in the code section. */
  bodies: number;
  maxBodyBytes: number; maxBodyAt: number;
  maxLocals: number; maxLocalsAt: number;
  totalLocals: number;
  /** Deepest nesting of block/loop/if/try in one body (the body itself not counted). */
  maxDepth: number; maxDepthAt: number;
}

export interface WasmInfo {
  types: FuncType[];
  imports: Import[];
  /** Type index of every function the module defines (not imported ones). */
  functions: number[];
  memories: Limits[];
  globals: Global[];
  exports: Export[];
  start: number | null;
  data: DataSegment[];
  code: CodeShape;
}

export class WasmReadError extends Error {}

const VALTYPES: Record<number, ValType> = {
  0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'funcref', 0x6f: 'externref',
};
const EXPORT_KINDS: ExportKind[] = ['func', 'table', 'memory', 'global', 'tag'];

class Reader {
  pos: number;
  constructor(readonly b: Uint8Array, start: number, readonly end: number) { this.pos = start; }

  byte(): number {
    if (this.pos >= this.end) throw new WasmReadError(`unexpected end of section at byte ${this.pos}`);
    return this.b[this.pos++];
  }

  u32(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const x = this.byte();
      result += (x & 0x7f) * 2 ** shift;
      if ((x & 0x80) === 0) {
        if (result > 0xffffffff) throw new WasmReadError(`LEB128 u32 too large at byte ${this.pos}`);
        return result;
      }
    }
    throw new WasmReadError(`LEB128 u32 longer than 5 bytes at byte ${this.pos}`);
  }

  /** Signed LEB128 up to `bits` bits, as a JS number (exact for i32). */
  sleb(bits: number): number {
    let result = 0;
    let shift = 0;
    let x: number;
    do {
      x = this.byte();
      result += (x & 0x7f) * 2 ** shift;
      shift += 7;
      if (shift > bits + 7) throw new WasmReadError(`LEB128 s${bits} too long at byte ${this.pos}`);
    } while (x & 0x80);
    if (shift < 64 && x & 0x40) result -= 2 ** shift;
    return result;
  }

  skip(n: number): void {
    if (n > this.end - this.pos) throw new WasmReadError(`unexpected end of section at byte ${this.pos}`);
    this.pos += n;
  }

  name(): string {
    const n = this.u32();
    const start = this.pos;
    this.skip(n);
    return new TextDecoder('utf-8', { fatal: false }).decode(this.b.subarray(start, start + n));
  }

  valtype(): ValType {
    const t = this.byte();
    const v = VALTYPES[t];
    if (!v) throw new WasmReadError(`value type 0x${t.toString(16)} is not supported (GC or typed references)`);
    return v;
  }

  limits(): Limits {
    const flags = this.byte();
    if (flags & ~0x07) throw new WasmReadError(`unknown limits flags 0x${flags.toString(16)}`);
    const is64 = (flags & 4) !== 0;
    const initial = is64 ? this.sleb(64) : this.u32();
    const maximum = flags & 1 ? (is64 ? this.sleb(64) : this.u32()) : null;
    return { initial, maximum, shared: (flags & 2) !== 0, is64 };
  }

  /** Reads a constant expression up to and including its `end`. */
  constExpr(): ConstExpr {
    const start = this.pos;
    const op = this.byte();
    if (op === 0x41) {
      const value = this.sleb(32);
      if (this.b[this.pos] === 0x0b) { this.pos++; return { kind: 'i32.const', value }; }
    }
    // Anything else (global.get, extended-const arithmetic, other types): skip
    // to the `end`, describing the opcodes for error messages.
    this.pos = start;
    const ops: string[] = [];
    for (;;) {
      const o = this.byte();
      if (o === 0x0b) break;
      switch (o) {
        case 0x41: ops.push(`i32.const ${this.sleb(32)}`); break;
        case 0x42: this.sleb(64); ops.push('i64.const'); break;
        case 0x43: this.skip(4); ops.push('f32.const'); break;
        case 0x44: this.skip(8); ops.push('f64.const'); break;
        case 0x23: ops.push(`global.get ${this.u32()}`); break;
        case 0xd0: this.sleb(33); ops.push('ref.null'); break;
        case 0xd2: ops.push(`ref.func ${this.u32()}`); break;
        case 0x6a: ops.push('i32.add'); break;
        case 0x6b: ops.push('i32.sub'); break;
        case 0x6c: ops.push('i32.mul'); break;
        case 0x7c: ops.push('i64.add'); break;
        case 0x7d: ops.push('i64.sub'); break;
        case 0x7e: ops.push('i64.mul'); break;
        case 0xfd: this.u32(); this.skip(16); ops.push('v128.const'); break;
        default: throw new WasmReadError(`unsupported opcode 0x${o.toString(16)} in a constant expression`);
      }
    }
    return { kind: 'other', text: ops.join(' ') };
  }
}

export function readWasm(bytes: Uint8Array): WasmInfo {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new WasmReadError('not a wasm binary (no \\0asm magic)');
  }
  const info: WasmInfo = {
    types: [], imports: [], functions: [], memories: [], globals: [], exports: [], start: null, data: [],
    code: { bodies: 0, maxBodyBytes: 0, maxBodyAt: -1, maxLocals: 0, maxLocalsAt: -1, totalLocals: 0, maxDepth: 0, maxDepthAt: -1 },
  };
  const top = new Reader(bytes, 8, bytes.length);
  while (top.pos < bytes.length) {
    const id = top.byte();
    const size = top.u32();
    const start = top.pos;
    top.skip(size);
    const r = new Reader(bytes, start, start + size);
    switch (id) {
      case 1: readTypes(r, info); break;
      case 2: readImports(r, info); break;
      case 3: for (let n = r.u32(); n > 0; n--) info.functions.push(r.u32()); break;
      case 5: for (let n = r.u32(); n > 0; n--) info.memories.push(r.limits()); break;
      case 6: for (let n = r.u32(); n > 0; n--) { const type = r.valtype(); const mutable = r.byte() === 1; info.globals.push({ type, mutable, init: r.constExpr() }); } break;
      case 7: readExports(r, info); break;
      case 8: info.start = r.u32(); break;
      case 10: readCode(r, info.code); break;
      case 11: readData(r, info); break;
      default: break; // custom, table, element, datacount, tag: nothing to check here
    }
  }
  return info;
}

function readTypes(r: Reader, info: WasmInfo): void {
  for (let n = r.u32(); n > 0; n--) {
    const form = r.byte();
    if (form !== 0x60) throw new WasmReadError(`type form 0x${form.toString(16)} is not supported (GC type groups)`);
    const params: ValType[] = [];
    for (let k = r.u32(); k > 0; k--) params.push(r.valtype());
    const results: ValType[] = [];
    for (let k = r.u32(); k > 0; k--) results.push(r.valtype());
    info.types.push({ params, results });
  }
}

function readImports(r: Reader, info: WasmInfo): void {
  for (let n = r.u32(); n > 0; n--) {
    const module = r.name();
    const name = r.name();
    const kind = r.byte();
    let desc: ImportDesc;
    switch (kind) {
      case 0: desc = { kind: 'func', typeIndex: r.u32() }; break;
      case 1: r.valtype(); r.limits(); desc = { kind: 'table' }; break;
      case 2: desc = { kind: 'memory', limits: r.limits() }; break;
      case 3: { const type = r.valtype(); desc = { kind: 'global', type, mutable: r.byte() === 1 }; break; }
      case 4: r.byte(); r.u32(); desc = { kind: 'tag' }; break;
      default: throw new WasmReadError(`unknown import kind ${kind} for ${module}.${name}`);
    }
    info.imports.push({ module, name, desc });
  }
}

function readExports(r: Reader, info: WasmInfo): void {
  for (let n = r.u32(); n > 0; n--) {
    const name = r.name();
    const k = r.byte();
    const kind = EXPORT_KINDS[k];
    if (!kind) throw new WasmReadError(`unknown export kind ${k} for ${name}`);
    info.exports.push({ name, kind, index: r.u32() });
  }
}

function readData(r: Reader, info: WasmInfo): void {
  for (let n = r.u32(); n > 0; n--) {
    const flags = r.u32();
    if (flags === 1) {
      const size = r.u32();
      r.skip(size);
      info.data.push({ mode: 'passive', size });
      continue;
    }
    if (flags !== 0 && flags !== 2) throw new WasmReadError(`unknown data segment flags ${flags}`);
    const memory = flags === 2 ? r.u32() : 0;
    const offset = r.constExpr();
    const size = r.u32();
    r.skip(size);
    info.data.push({ mode: 'active', memory, offset, size });
  }
}

function readCode(r: Reader, shape: CodeShape): void {
  const n = r.u32();
  shape.bodies = n;
  for (let i = 0; i < n; i++) {
    const size = r.u32();
    const start = r.pos;
    r.skip(size);
    if (size > shape.maxBodyBytes) { shape.maxBodyBytes = size; shape.maxBodyAt = i; }
    const body = new Reader(r.b, start, start + size);
    let locals = 0;
    for (let k = body.u32(); k > 0; k--) { locals += body.u32(); body.valtype(); }
    shape.totalLocals += locals;
    if (locals > shape.maxLocals) { shape.maxLocals = locals; shape.maxLocalsAt = i; }
    const depth = maxNesting(body);
    if (depth > shape.maxDepth) { shape.maxDepth = depth; shape.maxDepthAt = i; }
  }
}

/**
 * Deepest block nesting of an expression, decoding just enough of every
 * instruction to skip its immediates (the module passed WebAssembly.validate,
 * so an opcode this does not know is a proposal wasmxdp does not run).
 */
function maxNesting(r: Reader): number {
  let depth = 0;
  let max = 0;
  while (r.pos < r.end) {
    const op = r.byte();
    switch (op) {
      case 0x02: case 0x03: case 0x04: case 0x06: // block loop if try
        blockType(r);
        if (++depth > max) max = depth;
        break;
      case 0x1f: { // try_table
        blockType(r);
        for (let c = r.u32(); c > 0; c--) { const kind = r.byte(); if (kind < 2) r.u32(); r.u32(); }
        if (++depth > max) max = depth;
        break;
      }
      case 0x0b: depth--; break; // end (the body's own end takes depth to -1)
      case 0x00: case 0x01: case 0x05: case 0x0a: case 0x0f: case 0x19: case 0x1a: case 0x1b:
      case 0xd1: case 0xd3: case 0xd4:
        break;
      case 0x07: case 0x08: case 0x09: case 0x0c: case 0x0d: case 0x10: case 0x12: case 0x14: case 0x15:
      case 0x18: case 0x20: case 0x21: case 0x22: case 0x23: case 0x24: case 0x25: case 0x26:
      case 0x3f: case 0x40: case 0xd2: case 0xd5: case 0xd6:
        r.u32();
        break;
      case 0x0e: for (let k = r.u32(); k >= 0; k--) r.u32(); break; // br_table: labels + default
      case 0x11: case 0x13: r.u32(); r.u32(); break; // call_indirect, return_call_indirect
      case 0x1c: for (let k = r.u32(); k > 0; k--) r.valtype(); break; // select t*
      case 0x41: r.sleb(32); break;
      case 0x42: r.sleb(64); break;
      case 0x43: r.skip(4); break;
      case 0x44: r.skip(8); break;
      case 0xd0: r.sleb(33); break; // ref.null heap type
      case 0xfc: prefixFC(r); break;
      case 0xfd: prefixSIMD(r); break;
      case 0xfe: prefixAtomic(r); break;
      default:
        if (op >= 0x28 && op <= 0x3e) { memarg(r); break; }
        if (op >= 0x45 && op <= 0xc4) break; // numeric, no immediates
        throw new WasmReadError(`opcode 0x${op.toString(16)} at byte ${r.pos - 1} is not supported`);
    }
  }
  return max;
}

function blockType(r: Reader): void {
  const t = r.b[r.pos];
  if (t === 0x40 || VALTYPES[t] !== undefined) { r.pos++; return; }
  r.sleb(33); // a type index
}

function memarg(r: Reader): void {
  const align = r.u32();
  if (align & 0x40) r.u32(); // memory index (multi-memory)
  r.u32();
}

function prefixFC(r: Reader): void {
  const sub = r.u32();
  if (sub <= 7) return; // saturating truncations
  switch (sub) {
    case 8: case 10: case 12: case 14: r.u32(); r.u32(); return; // memory.init/copy, table.init/copy
    case 9: case 11: case 13: case 15: case 16: case 17: r.u32(); return;
    default: throw new WasmReadError(`opcode 0xfc ${sub} is not supported`);
  }
}

function prefixSIMD(r: Reader): void {
  const sub = r.u32();
  if (sub <= 11 || sub === 92 || sub === 93) { memarg(r); return; } // loads, stores, load_zero
  if (sub === 12 || sub === 13) { r.skip(16); return; } // v128.const, i8x16.shuffle
  if (sub >= 21 && sub <= 34) { r.byte(); return; } // extract/replace lane
  if (sub >= 84 && sub <= 91) { memarg(r); r.byte(); return; } // load/store lane
  if (sub <= 0x113) return; // arithmetic and relaxed SIMD: no immediates
  throw new WasmReadError(`opcode 0xfd ${sub} is not supported`);
}

function prefixAtomic(r: Reader): void {
  const sub = r.u32();
  if (sub === 3) { r.byte(); return; } // atomic.fence
  if (sub <= 0x4e) { memarg(r); return; }
  throw new WasmReadError(`opcode 0xfe ${sub} is not supported`);
}
