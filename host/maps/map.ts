// One map of a MapsRegion, for the control plane: lookups, updates, deletes,
// iteration and clearing over raw key/value bytes. Safe between batches only:
// the guest of this memory is not running then (docs/maps.md, concurrency).

import { WasmxdpError } from '../errors.js';
import * as hash from './hash.js';
import {
  ANY, CODE_NAMES, COUNTER_SLOTS, D_COUNT, D_GENERATION, D_SLOT_COUNT, D_SLOT_SIZE, D_VALUE_OFFSET, E2BIG, EEXIST, EINVAL, ENOENT, EXIST, MapKind, NOEXIST, OK,
} from './layout.js';
import type { MapInfo, MapsRegion } from './region.js';
import { FieldSchema, TypedMap } from './schema.js';

export type UpdateFlag = 'any' | 'noexist' | 'exist';
const FLAG: Record<UpdateFlag, number> = { any: ANY, noexist: NOEXIST, exist: EXIST };

export class MapHandle {
  constructor(readonly region: MapsRegion, readonly desc: number) {}

  /** Descriptor fields, validated. */
  get info(): MapInfo { return this.region.info(this.desc); }
  get name(): string { return this.info.name; }
  get count(): number {
    const i = this.info;
    return i.kind === MapKind.HASH || i.kind === MapKind.LRU_HASH ? i.count : i.maxEntries;
  }

  private table(): hash.Table {
    const i = this.info;
    const dv = this.region.dv;
    return {
      u8: this.region.u8, dv, desc: this.desc, base: i.base,
      slotCount: dv.getUint32(this.desc + D_SLOT_COUNT, true),
      slotSize: dv.getUint32(this.desc + D_SLOT_SIZE, true),
      valueOffset: dv.getUint32(this.desc + D_VALUE_OFFSET, true),
      keySize: i.keySize, valueSize: i.valueSize, maxEntries: i.maxEntries, kind: i.kind,
      lru: i.kind === MapKind.LRU_HASH,
    };
  }

  private isHash(t: hash.Table): boolean { return t.kind === MapKind.HASH || t.kind === MapKind.LRU_HASH; }

  private checkKey(key: Uint8Array, t: hash.Table): void {
    if (key.length !== t.keySize) throw new WasmxdpError('E_MAP', `map '${this.name}': keys are ${t.keySize} bytes, got ${key.length}`);
  }

  private checkValue(value: Uint8Array, t: hash.Table): void {
    if (value.length !== t.valueSize) throw new WasmxdpError('E_MAP', `map '${this.name}': values are ${t.valueSize} bytes, got ${value.length}`);
  }

  /** Array and counters maps are indexed by a u32 little-endian key. */
  private index(key: Uint8Array, t: hash.Table): number {
    const i = (key[0] | (key[1] << 8) | (key[2] << 16) | (key[3] << 24)) >>> 0;
    return i < t.maxEntries ? i : -1;
  }

  /**
   * Absolute address of the value of `key` in memory, or 0. `use` marks an LRU
   * entry used, as a guest lookup does; the control plane's reads leave it be.
   */
  valueAddr(key: Uint8Array, use = false): number {
    const t = this.table();
    this.checkKey(key, t);
    if (this.isHash(t)) return hash.lookup(t, key, use);
    const i = this.index(key, t);
    return i < 0 ? 0 : t.base + i * t.slotSize;
  }

  /** A copy of the value of `key` (counters: all slots, COUNTER_SLOTS x u64), or undefined. */
  lookup(key: Uint8Array, use = false): Uint8Array | undefined {
    const a = this.valueAddr(key, use);
    if (a === 0) return undefined;
    const k = this.info.kind;
    const n = k === MapKind.COUNTERS ? 8 * COUNTER_SLOTS : this.info.valueSize;
    return this.region.u8.slice(a, a + n);
  }

  /** update() returning the ABI's code (0, or ENOENT/EEXIST/E2BIG/EINVAL, negative). */
  tryUpdate(key: Uint8Array, value: Uint8Array, flags: UpdateFlag | number = 'any'): number {
    const f = typeof flags === 'number' ? flags : FLAG[flags];
    const t = this.table();
    this.checkKey(key, t);
    this.checkValue(value, t);
    if (this.isHash(t)) return hash.update(t, key, value, f);
    if (f === NOEXIST) return EINVAL; // every index of an array exists, as in BPF
    if (f !== ANY && f !== EXIST) return EINVAL;
    const i = this.index(key, t);
    if (i < 0) return EINVAL;
    const a = t.base + i * t.slotSize;
    if (this.info.kind === MapKind.COUNTERS) {
      // A counters update sets slot 0 to the value and the other slots to 0.
      this.region.u8.fill(0, a, a + t.slotSize);
    }
    this.region.u8.set(value, a);
    return OK;
  }

  update(key: Uint8Array, value: Uint8Array, flags: UpdateFlag | number = 'any'): void {
    const code = this.tryUpdate(key, value, flags);
    if (code < 0) throw new WasmxdpError('E_MAP', `map '${this.name}': update failed: ${explain(code, this.info)}`);
  }

  /** delete() returning the ABI's code; arrays cannot delete (EINVAL), as in BPF: clear() them. */
  tryDelete(key: Uint8Array): number {
    const t = this.table();
    this.checkKey(key, t);
    if (!this.isHash(t)) return EINVAL;
    return hash.remove(t, key);
  }

  /** Removes `key`; false when it was absent. */
  delete(key: Uint8Array): boolean {
    const code = this.tryDelete(key);
    if (code === ENOENT) return false;
    if (code < 0) throw new WasmxdpError('E_MAP', `map '${this.name}': delete failed: ${explain(code, this.info)}`);
    return true;
  }

  /** [key, value] copies: hash kinds in slot order, arrays and counters by index (every index). */
  *entries(): Generator<[Uint8Array, Uint8Array]> {
    const t = this.table();
    const u8 = this.region.u8;
    if (this.isHash(t)) {
      for (const a of hash.slots(t)) {
        yield [u8.slice(a + 8, a + 8 + t.keySize), u8.slice(a + t.valueOffset, a + t.valueOffset + t.valueSize)];
      }
      return;
    }
    const n = this.info.kind === MapKind.COUNTERS ? t.slotSize : t.valueSize;
    for (let i = 0; i < t.maxEntries; i++) {
      const k = new Uint8Array(4);
      new DataView(k.buffer).setUint32(0, i, true);
      const a = t.base + i * t.slotSize;
      yield [k, u8.slice(a, a + n)];
    }
  }

  /** Empties a hash map, zeroes an array or counters map; bumps the generation. */
  clear(): void {
    const t = this.table();
    if (this.isHash(t)) hash.clear(t);
    else this.region.u8.fill(0, t.base, t.base + t.maxEntries * t.slotSize);
    const dv = this.region.dv;
    dv.setUint32(this.desc + D_GENERATION, (dv.getUint32(this.desc + D_GENERATION, true) + 1) >>> 0, true);
    if (!this.isHash(t)) dv.setUint32(this.desc + D_COUNT, 0, true);
  }

  /** Counters: the per-slot values of entry `index` and their sum. */
  counter(index: number): { total: bigint; slots: bigint[] } {
    const t = this.table();
    if (this.info.kind !== MapKind.COUNTERS) throw new WasmxdpError('E_MAP', `map '${this.name}' is a ${this.info.kindName} map, not counters`);
    if (!Number.isInteger(index) || index < 0 || index >= t.maxEntries) throw new WasmxdpError('E_MAP', `map '${this.name}': index ${index} is outside 0..${t.maxEntries - 1}`);
    const dv = this.region.dv;
    const slots: bigint[] = [];
    let total = 0n;
    for (let s = 0; s < COUNTER_SLOTS; s++) {
      const v = dv.getBigUint64(t.base + index * t.slotSize + 8 * s, true);
      slots.push(v);
      total += v;
    }
    return { total: BigInt.asUintN(64, total), slots };
  }

  /** The same map with keys and values encoded from and decoded to named fields. */
  typed(key: FieldSchema, value: FieldSchema): TypedMap {
    return new TypedMap(this, key, value);
  }
}

export function explain(code: number, info: MapInfo): string {
  switch (code) {
    case ENOENT: return 'no such key (ENOENT)';
    case EEXIST: return 'the key exists and noexist was asked (EEXIST)';
    case E2BIG: return `the map is full (${info.maxEntries} entries, E2BIG): delete entries, or declare it as lru_hash or larger`;
    case EINVAL: return `invalid for a ${info.kindName} map: bad flags, or an index outside 0..${info.maxEntries - 1}, or delete on an array (EINVAL)`;
    default: return CODE_NAMES[code] ?? `code ${code}`;
  }
}
