// Map operations of the control plane, applied by the worker that owns the
// memory, between batches (docs/maps.md, concurrency). Keys and values come
// as text (hex, `field=value,...` with a schema, an index for array and
// counters keys, a decimal number for counters values) or raw bytes; results
// are plain data (u64s as decimal strings) that survive msgpack and JSON.

import { WasmxdpError } from '../errors.js';
import { MapKind } from './layout.js';
import type { MapHandle } from './map.js';
import type { MapInfo, MapsRegion } from './region.js';
import { decodeFields, FieldSchema, fieldSize, parseBytesArg, toHex } from './schema.js';

/** A map a module declares, as a swap request or a tenant quota sees it. */
export interface MapShapeSpec {
  name: string;
  kind: 'hash' | 'lru_hash' | 'array' | 'counters';
  keySize: number;
  valueSize: number;
  maxEntries: number;
}

export type MapOpName = 'list' | 'get' | 'set' | 'delete' | 'dump';

export interface MapOpRequest {
  type: 'map';
  id: number;
  op: MapOpName;
  map?: string;
  /** Hex bytes, `field=value,...` with keySchema, or a decimal index for array/counters maps; or raw bytes. */
  key?: string | Uint8Array;
  value?: string | Uint8Array;
  keySchema?: Record<string, string>;
  valueSchema?: Record<string, string>;
  /** dump: at most this many entries. */
  limit?: number;
}

export const DEFAULT_DUMP_LIMIT = 100_000;

export interface MapSummary {
  name: string;
  kind: string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  /** Live entries (hash kinds), max entries (array, counters). */
  count: number;
  generation: number;
  /** Set when the guest overwrote the descriptor: why it cannot be used (reset or roll back to recreate the map). */
  corrupt?: string;
}

export interface MapEntry {
  key: string;
  /** Hex of the value (counters: the 8 slots as stored). */
  value: string;
  keyFields?: Record<string, unknown>;
  valueFields?: Record<string, unknown>;
  /** Counters: sum of the slots, and each slot, as decimal strings. */
  total?: string;
  slots?: string[];
}

const isIndexed = (i: MapInfo) => i.kind === MapKind.ARRAY || i.kind === MapKind.COUNTERS;

function summary(i: MapInfo): MapSummary {
  return { name: i.name, kind: i.kindName, keySize: i.keySize, valueSize: i.valueSize, maxEntries: i.maxEntries, count: isIndexed(i) ? i.maxEntries : i.count, generation: i.generation };
}

function schemaOf(s: Record<string, string> | undefined, what: string, size: number): FieldSchema | undefined {
  if (!s) return undefined;
  let total = 0;
  for (const [k, t] of Object.entries(s)) {
    try { total += fieldSize(t as never); } catch (e) { throw new WasmxdpError('E_MAP', `${what} field '${k}': ${(e as Error).message}`); }
  }
  if (total > size) throw new WasmxdpError('E_MAP', `the ${what} fields need ${total} bytes, the map's ${what}s are ${size}`);
  return s as FieldSchema;
}

function parseKey(info: MapInfo, key: string | Uint8Array | undefined, schema: FieldSchema | undefined): Uint8Array {
  if (key === undefined) throw new WasmxdpError('E_MAP', `map '${info.name}': give a key`);
  if (key instanceof Uint8Array) return key;
  // Array and counters keys are indexes; hex needs its 0x so that '10' means ten.
  if (isIndexed(info) && /^\d+$/.test(key.trim())) {
    const n = Number(key.trim());
    if (!Number.isSafeInteger(n) || n >= info.maxEntries) throw new WasmxdpError('E_MAP', `map '${info.name}': index ${key} is outside 0..${info.maxEntries - 1}`);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n, true);
    return b;
  }
  return parseBytesArg(key, info.keySize, schema);
}

function parseValue(info: MapInfo, value: string | Uint8Array | undefined, schema: FieldSchema | undefined): Uint8Array {
  if (value === undefined) throw new WasmxdpError('E_MAP', `map '${info.name}': give a value`);
  if (value instanceof Uint8Array) return value;
  if (info.kind === MapKind.COUNTERS && /^\d+$/.test(value.trim())) {
    const n = BigInt(value.trim());
    if (n >= 1n << 64n) throw new WasmxdpError('E_MAP', `map '${info.name}': counter value ${value} does not fit a u64`);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, n, true);
    return b;
  }
  return parseBytesArg(value, info.valueSize, schema);
}

function entry(m: MapHandle, info: MapInfo, key: Uint8Array, value: Uint8Array, ks?: FieldSchema, vs?: FieldSchema): MapEntry {
  const e: MapEntry = { key: toHex(key), value: toHex(value) };
  if (ks) e.keyFields = stringify(decodeFields(ks, key));
  if (info.kind === MapKind.COUNTERS) {
    const c = m.counter(new DataView(key.buffer, key.byteOffset).getUint32(0, true));
    e.total = c.total.toString();
    e.slots = c.slots.map(String);
  } else if (vs) {
    e.valueFields = stringify(decodeFields(vs, value));
  }
  return e;
}

// u64 fields decode to bigint, which neither JSON nor every msgpack reader takes.
function stringify(f: Record<string, unknown>): Record<string, unknown> {
  for (const k of Object.keys(f)) if (typeof f[k] === 'bigint') f[k] = String(f[k]);
  return f;
}

export function applyMapOp(region: MapsRegion, req: MapOpRequest): unknown {
  // A corrupt descriptor is listed as such rather than failing the listing: the user has to see it to fix it.
  if (req.op === 'list') return region.scan().map((c) => (c.problem === undefined ? summary(c.info) : { ...summary(c.info), corrupt: c.problem }));
  if (!req.map) throw new WasmxdpError('E_MAP', 'give a map name');
  const m = region.get(req.map);
  const info = m.info;
  const ks = schemaOf(req.keySchema, 'key', info.keySize);
  const vs = schemaOf(req.valueSchema, 'value', info.valueSize);
  switch (req.op) {
    case 'get': {
      const key = parseKey(info, req.key, ks);
      const v = m.lookup(key);
      if (!v) throw new WasmxdpError('E_NOT_FOUND', `map '${info.name}' has no key ${toHex(key)}`);
      return entry(m, info, key, v, ks, vs);
    }
    case 'set': {
      const key = parseKey(info, req.key, ks);
      m.update(key, parseValue(info, req.value, vs));
      return entry(m, info, key, m.lookup(key)!, ks, vs);
    }
    case 'delete': {
      const key = parseKey(info, req.key, ks);
      if (isIndexed(info)) throw new WasmxdpError('E_MAP', `map '${info.name}' is a ${info.kindName} map: its entries cannot be deleted; set them to 0 instead`);
      return { deleted: m.delete(key) };
    }
    case 'dump': {
      const limit = req.limit ?? DEFAULT_DUMP_LIMIT;
      const entries: MapEntry[] = [];
      let truncated = false;
      for (const [k, v] of m.entries()) {
        // Every index of an array exists: only the ones holding something are shown.
        if (isIndexed(info) && v.every((b) => b === 0)) continue;
        if (entries.length >= limit) { truncated = true; break; }
        entries.push(entry(m, info, k, v, ks, vs));
      }
      return { map: summary(info), entries, truncated };
    }
  }
  throw new WasmxdpError('E_PROTOCOL', `unknown map operation '${String((req as { op: unknown }).op)}'`);
}
