// Maps region layout, version 1. docs/maps.md is the specification;
// guest-sdk/maps.ts holds the same numbers and the same algorithms for the
// guest, and test/maps/vectors.json pins both to identical bytes.

import {
  MAP_ANY, MAP_ARRAY, MAP_COUNTERS, MAP_E2BIG, MAP_EEXIST, MAP_EINVAL, MAP_ENOENT, MAP_ENOSPC, MAP_EXIST, MAP_HASH, MAP_LRU_HASH,
  MAP_NOEXIST, MAP_OK, MAPS_OFFSET, MAPS_SIZE,
} from '../abi.js';

export const MAPS_MAGIC = 0x504d5857; // "WXMP" little-endian
export const MAPS_LAYOUT_VERSION = 1;

// Region header, at the start of the maps region.
export const R_MAGIC = 0x00;
export const R_VERSION = 0x04;
export const R_DIR_CAPACITY = 0x08;
export const R_MAP_COUNT = 0x0c;
export const R_NEXT_FREE = 0x10; // bump allocator: offset from the region start
export const R_SIZE = 0x14;
export const R_GENERATION = 0x18; // bumped by every directory change
export const R_COUNTER_SLOTS = 0x1c;
export const REGION_HEADER_SIZE = 0x100;

export const DIR_OFFSET = REGION_HEADER_SIZE;
export const DIR_CAPACITY = 64;
export const DESC_SIZE = 128;
export const BODIES_OFFSET = DIR_OFFSET + DIR_CAPACITY * DESC_SIZE; // 0x2100
export const BODY_ALIGN = 64;

// Map descriptor fields (offsets inside one directory entry).
export const D_NAME = 0x00;
export const NAME_MAX = 32;
export const D_KIND = 0x20;
export const D_KEY_SIZE = 0x24;
export const D_VALUE_SIZE = 0x28;
export const D_MAX_ENTRIES = 0x2c;
export const D_BASE = 0x30; // absolute memory address of the body
export const D_BYTE_SIZE = 0x34; // bytes allocated for the body
export const D_COUNT = 0x38; // live entries (hash kinds)
export const D_GENERATION = 0x3c; // 1 at creation, +1 on every reset or clear
export const D_SLOT_COUNT = 0x40;
export const D_SLOT_SIZE = 0x44;
export const D_VALUE_OFFSET = 0x48; // value offset inside a slot
export const D_TOMBSTONES = 0x4c;
export const D_CLOCK = 0x50; // LRU use clock
export const D_FLAGS = 0x54;

export const enum MapKind {
  FREE = 0,
  HASH = MAP_HASH,
  LRU_HASH = MAP_LRU_HASH,
  ARRAY = MAP_ARRAY,
  COUNTERS = MAP_COUNTERS,
}
export const KIND_NAMES: Record<number, string> = { [MAP_HASH]: 'hash', [MAP_LRU_HASH]: 'lru_hash', [MAP_ARRAY]: 'array', [MAP_COUNTERS]: 'counters' };

/** u64 counter slots per counters entry: one per worker or queue (queue & 7). */
export const COUNTER_SLOTS = 8;

// Hash slot: {state u32, stamp u32, key (padded to 8), value (padded to 8)}.
export const SLOT_EMPTY = 0;
export const SLOT_TOMBSTONE = 1;
export const SLOT_OCCUPIED_BIT = 0x80000000;
export const SLOT_STATE = 0;
export const SLOT_STAMP = 4;
export const SLOT_KEY = 8;
/** LRU eviction looks at this many slots from the new key's home bucket. */
export const LRU_WINDOW = 8;

// Update flags, as BPF's.
export const ANY = MAP_ANY;
export const NOEXIST = MAP_NOEXIST;
export const EXIST = MAP_EXIST;

// Result codes: negative errno values, as BPF's helpers return them.
export const OK = MAP_OK;
export const ENOENT = MAP_ENOENT;
export const E2BIG = MAP_E2BIG;
export const EEXIST = MAP_EEXIST;
export const EINVAL = MAP_EINVAL;
export const ENOSPC = MAP_ENOSPC;
export const CODE_NAMES: Record<number, string> = {
  [OK]: 'ok', [ENOENT]: 'ENOENT', [E2BIG]: 'E2BIG', [EEXIST]: 'EEXIST', [EINVAL]: 'EINVAL', [ENOSPC]: 'ENOSPC',
};

// Shape limits, checked by declare on both sides of the ABI.
export const KEY_SIZE_MAX = 256;
export const VALUE_SIZE_MAX = 65536;
export const MAX_ENTRIES_MAX = 1 << 22;

export { MAPS_OFFSET, MAPS_SIZE };

export function align8(n: number): number { return (n + 7) & ~7; }

export interface Shape {
  kind: MapKind;
  keySize: number;
  valueSize: number;
  maxEntries: number;
}

export interface Geometry {
  slotCount: number;
  slotSize: number;
  valueOffset: number;
  byteSize: number;
}

/** Why a shape is invalid, or undefined when it is fine. */
export function shapeProblem(s: Shape): string | undefined {
  const { kind, keySize, valueSize, maxEntries } = s;
  if (!Number.isInteger(maxEntries) || maxEntries < 1 || maxEntries > MAX_ENTRIES_MAX) return `maxEntries must be 1 to ${MAX_ENTRIES_MAX}, got ${maxEntries}`;
  switch (kind) {
    case MapKind.HASH:
    case MapKind.LRU_HASH:
      if (!Number.isInteger(keySize) || keySize < 1 || keySize > KEY_SIZE_MAX) return `keySize must be 1 to ${KEY_SIZE_MAX}, got ${keySize}`;
      if (!Number.isInteger(valueSize) || valueSize < 1 || valueSize > VALUE_SIZE_MAX) return `valueSize must be 1 to ${VALUE_SIZE_MAX}, got ${valueSize}`;
      return undefined;
    case MapKind.ARRAY:
      if (keySize !== 4) return `an array map's keySize is 4 (a u32 index), got ${keySize}`;
      if (!Number.isInteger(valueSize) || valueSize < 1 || valueSize > VALUE_SIZE_MAX) return `valueSize must be 1 to ${VALUE_SIZE_MAX}, got ${valueSize}`;
      return undefined;
    case MapKind.COUNTERS:
      if (keySize !== 4 || valueSize !== 8) return `a counters map has keySize 4 and valueSize 8 (u64 per slot), got ${keySize} and ${valueSize}`;
      return undefined;
    default:
      return `unknown map kind ${kind} (1 hash, 2 lru_hash, 3 array, 4 counters)`;
  }
}

/** Bucket count of a hash map: a power of two, load factor at most 3/4 when full. */
export function hashSlotCount(maxEntries: number): number {
  let p = 8;
  while (p * 3 < maxEntries * 4) p *= 2;
  return p;
}

export function geometry(s: Shape): Geometry {
  switch (s.kind) {
    case MapKind.HASH:
    case MapKind.LRU_HASH: {
      const slotCount = hashSlotCount(s.maxEntries);
      const valueOffset = SLOT_KEY + align8(s.keySize);
      const slotSize = valueOffset + align8(s.valueSize);
      return { slotCount, slotSize, valueOffset, byteSize: slotCount * slotSize };
    }
    case MapKind.ARRAY: {
      const slotSize = align8(s.valueSize);
      return { slotCount: s.maxEntries, slotSize, valueOffset: 0, byteSize: s.maxEntries * slotSize };
    }
    default: {
      const slotSize = 8 * COUNTER_SLOTS;
      return { slotCount: s.maxEntries, slotSize, valueOffset: 0, byteSize: s.maxEntries * slotSize };
    }
  }
}

/** FNV-1a 32 over the key bytes, then murmur3's fmix32 so the low bits (the bucket) mix well. */
export function hashKey(u8: Uint8Array, ptr: number, len: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < len; i++) h = Math.imul(h ^ u8[ptr + i], 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
