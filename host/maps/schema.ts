// Typed keys and values for the control plane: a field schema such as
// `{ src: 'ipv4', port: 'be16' }` lays fields out packed, in order, and the
// rest of the key or value is zero. Numbers are little-endian (what a guest's
// store<u32> writes) unless the type says network order (be16, be32, be64).

import { WasmxdpError } from '../errors.js';
import type { MapHandle } from './map.js';

export type FieldType =
  | 'u8' | 'u16' | 'u32' | 'u64' | 'i32' | 'i64' | 'be16' | 'be32' | 'be64'
  | 'ipv4' | 'ipv6' | 'ip' | 'mac' | `bytes${number}`;
export type FieldSchema = Readonly<Record<string, FieldType>>;
export type FieldValue = number | bigint | string;
export type Fields = Record<string, FieldValue>;

const INT: Record<string, { size: number; le: boolean; signed?: boolean }> = {
  u8: { size: 1, le: true }, u16: { size: 2, le: true }, u32: { size: 4, le: true }, u64: { size: 8, le: true },
  i32: { size: 4, le: true, signed: true }, i64: { size: 8, le: true, signed: true },
  be16: { size: 2, le: false }, be32: { size: 4, le: false }, be64: { size: 8, le: false },
};

export function fieldSize(t: FieldType): number {
  if (INT[t]) return INT[t].size;
  switch (t) {
    case 'ipv4': return 4;
    case 'ipv6': case 'ip': return 16;
    case 'mac': return 6;
  }
  const m = /^bytes(\d+)$/.exec(t);
  if (m && Number(m[1]) > 0) return Number(m[1]);
  throw new WasmxdpError('E_MAP', `unknown field type '${t}': use u8 u16 u32 u64 i32 i64 be16 be32 be64 ipv4 ipv6 ip mac or bytesN`);
}

export function schemaSize(s: FieldSchema): number {
  return Object.values(s).reduce((n, t) => n + fieldSize(t), 0);
}

export function fromHex(s: string): Uint8Array {
  const h = s.replace(/^0x/i, '').replace(/[\s:_-]/g, '');
  if (h.length % 2 !== 0 || /[^0-9a-f]/i.test(h)) throw new WasmxdpError('E_MAP', `'${s}' is not hex bytes (e.g. 0a000001)`);
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

function parseIpv4(v: string): Uint8Array {
  const p = v.split('.');
  if (p.length !== 4 || p.some((x) => !/^\d{1,3}$/.test(x) || Number(x) > 255)) throw new WasmxdpError('E_MAP', `'${v}' is not an IPv4 address`);
  return Uint8Array.from(p.map(Number));
}

function parseIpv6(v: string): Uint8Array {
  const bad = () => new WasmxdpError('E_MAP', `'${v}' is not an IPv6 address`);
  let s = v;
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) { const b = parseIpv4(v4[2]); s = `${v4[1]}${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`; }
  const halves = s.split('::');
  if (halves.length > 2) throw bad();
  const words = (x: string) => (x === '' ? [] : x.split(':').map((w) => { if (!/^[0-9a-f]{1,4}$/i.test(w)) throw bad(); return parseInt(w, 16); }));
  const head = words(halves[0]);
  const rest = halves.length === 2 ? words(halves[1]) : [];
  const all = halves.length === 2 ? [...head, ...new Array(8 - head.length - rest.length).fill(0), ...rest] : [...head, ...rest];
  if (all.length !== 8 || (halves.length === 2 && head.length + rest.length > 7)) throw bad();
  const out = new Uint8Array(16);
  all.forEach((w, i) => { out[2 * i] = w >> 8; out[2 * i + 1] = w & 0xff; });
  return out;
}

function formatIpv6(b: Uint8Array): string {
  const w = Array.from({ length: 8 }, (_, i) => (b[2 * i] << 8) | b[2 * i + 1]);
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (w[i] !== 0) { i++; continue; }
    let j = i; while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(':');
  return best < 0 ? hex(w) : `${hex(w.slice(0, best))}::${hex(w.slice(best + bestLen))}`;
}

const V4_MAPPED = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/** 'ip' fields hold IPv6 addresses as is and IPv4 ones as ::ffff:a.b.c.d. */
export function ipKey(v: string): Uint8Array {
  if (v.includes(':')) return parseIpv6(v);
  const out = new Uint8Array(16);
  out.set(V4_MAPPED);
  out.set(parseIpv4(v), 12);
  return out;
}

function encodeField(name: string, t: FieldType, v: FieldValue, out: Uint8Array, at: number): void {
  const int = INT[t];
  if (int) {
    let n: bigint;
    try { n = typeof v === 'bigint' ? v : BigInt(typeof v === 'number' ? v : v.trim()); } catch { throw new WasmxdpError('E_MAP', `field '${name}' (${t}): '${v}' is not an integer`); }
    const bits = BigInt(int.size * 8);
    const min = int.signed ? -(1n << (bits - 1n)) : 0n;
    const max = int.signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
    if (n < min || n > max) throw new WasmxdpError('E_MAP', `field '${name}' (${t}): ${v} is out of range ${min}..${max}`);
    const u = BigInt.asUintN(int.size * 8, n);
    for (let i = 0; i < int.size; i++) {
      const byte = Number((u >> BigInt(8 * i)) & 0xffn);
      out[at + (int.le ? i : int.size - 1 - i)] = byte;
    }
    return;
  }
  const s = typeof v === 'string' ? v.trim() : String(v);
  let bytes: Uint8Array;
  switch (t) {
    case 'ipv4': bytes = parseIpv4(s); break;
    case 'ipv6': bytes = parseIpv6(s); break;
    case 'ip': bytes = ipKey(s); break;
    case 'mac': {
      const p = s.split(/[:-]/);
      if (p.length !== 6 || p.some((x) => !/^[0-9a-f]{1,2}$/i.test(x))) throw new WasmxdpError('E_MAP', `field '${name}': '${s}' is not a MAC address`);
      bytes = Uint8Array.from(p.map((x) => parseInt(x, 16)));
      break;
    }
    default:
      bytes = fromHex(s);
      if (bytes.length !== fieldSize(t)) throw new WasmxdpError('E_MAP', `field '${name}' (${t}): got ${bytes.length} bytes`);
  }
  out.set(bytes, at);
}

function decodeField(t: FieldType, b: Uint8Array, at: number): FieldValue {
  const int = INT[t];
  if (int) {
    let u = 0n;
    for (let i = 0; i < int.size; i++) u |= BigInt(b[at + (int.le ? i : int.size - 1 - i)]) << BigInt(8 * i);
    const n = int.signed ? BigInt.asIntN(int.size * 8, u) : u;
    return int.size <= 4 ? Number(n) : n;
  }
  const f = b.subarray(at, at + fieldSize(t));
  switch (t) {
    case 'ipv4': return Array.from(f).join('.');
    case 'ipv6': return formatIpv6(f);
    case 'ip': return V4_MAPPED.every((x, i) => f[i] === x) ? Array.from(f.subarray(12)).join('.') : formatIpv6(f);
    case 'mac': return Array.from(f, (x) => x.toString(16).padStart(2, '0')).join(':');
    default: return toHex(f);
  }
}

/** Encodes `fields` into `size` bytes (zero beyond the schema); every schema field is required. */
export function encodeFields(schema: FieldSchema, fields: Fields, size = schemaSize(schema)): Uint8Array {
  const need = schemaSize(schema);
  if (need > size) throw new WasmxdpError('E_MAP', `the schema needs ${need} bytes, the map has ${size}`);
  for (const k of Object.keys(fields)) if (!(k in schema)) throw new WasmxdpError('E_MAP', `unknown field '${k}'; the schema has ${Object.keys(schema).join(', ')}`);
  const out = new Uint8Array(size);
  let at = 0;
  for (const [name, t] of Object.entries(schema)) {
    const v = fields[name];
    if (v === undefined) throw new WasmxdpError('E_MAP', `field '${name}' (${t}) is missing`);
    encodeField(name, t, v, out, at);
    at += fieldSize(t);
  }
  return out;
}

export function decodeFields(schema: FieldSchema, bytes: Uint8Array): Fields {
  const out: Fields = {};
  let at = 0;
  for (const [name, t] of Object.entries(schema)) {
    out[name] = decodeField(t, bytes, at);
    at += fieldSize(t);
  }
  return out;
}

/** Parses `name=value,name=value` (the CLI's typed form) into fields. */
export function parseFieldList(text: string): Fields {
  const out: Fields = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new WasmxdpError('E_MAP', `'${part}' is not name=value`);
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

/** A MapHandle speaking fields instead of bytes. */
export class TypedMap {
  constructor(readonly map: MapHandle, readonly keySchema: FieldSchema, readonly valueSchema: FieldSchema) {
    const i = map.info;
    if (schemaSize(keySchema) > i.keySize) throw new WasmxdpError('E_MAP', `map '${i.name}': the key schema needs ${schemaSize(keySchema)} bytes, keys are ${i.keySize}`);
    if (schemaSize(valueSchema) > i.valueSize) throw new WasmxdpError('E_MAP', `map '${i.name}': the value schema needs ${schemaSize(valueSchema)} bytes, values are ${i.valueSize}`);
  }

  key(fields: Fields): Uint8Array { return encodeFields(this.keySchema, fields, this.map.info.keySize); }
  value(fields: Fields): Uint8Array { return encodeFields(this.valueSchema, fields, this.map.info.valueSize); }

  lookup(key: Fields): Fields | undefined {
    const v = this.map.lookup(this.key(key));
    return v && decodeFields(this.valueSchema, v);
  }

  update(key: Fields, value: Fields, flags: 'any' | 'noexist' | 'exist' = 'any'): void {
    this.map.update(this.key(key), this.value(value), flags);
  }

  delete(key: Fields): boolean { return this.map.delete(this.key(key)); }

  *entries(): Generator<[Fields, Fields]> {
    for (const [k, v] of this.map.entries()) yield [decodeFields(this.keySchema, k), decodeFields(this.valueSchema, v)];
  }
}

/**
 * A key or value as the CLI takes it: hex bytes (`0a000001`), or with a
 * schema, `name=value,...` fields. Hex must be exactly `size` bytes.
 */
export function parseBytesArg(text: string, size: number, schema?: FieldSchema): Uint8Array {
  if (text.includes('=')) {
    if (!schema) throw new WasmxdpError('E_MAP', `'${text}' gives fields, but no field schema is known for this map; give hex bytes instead`);
    return encodeFields(schema, parseFieldList(text), size);
  }
  const b = fromHex(text);
  if (b.length !== size) throw new WasmxdpError('E_MAP', `'${text}' is ${b.length} bytes, the map needs ${size}`);
  return b;
}
