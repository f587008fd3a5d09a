// Maps region layout, version 1. docs/maps.md is the specification; the
// numbers come from abi/contract.json (generated/maps.ts), guest-sdk/maps.ts
// runs the same algorithms for the guest, and test/maps/vectors.json pins both
// to identical bytes.

import {
  MAP_ANY, MAP_ARRAY, MAP_COUNTERS, MAP_E2BIG, MAP_EEXIST, MAP_EINVAL, MAP_ENOENT, MAP_ENOSPC, MAP_EXIST, MAP_HASH, MAP_LRU_HASH,
  MAP_NOEXIST, MAP_OK, MAPS_OFFSET, MAPS_SIZE,
} from '../abi.js';
import {
  COUNTER_SLOTS, DIR_CAPACITY, KEY_SIZE_MAX, MAP_DESC_SIZE, MAX_ENTRIES_MAX, REGION_HEADER_SIZE, SLOT_KEY, VALUE_SIZE_MAX,
} from '../generated/maps.js';

// The layout's numbers: abi/contract.json "mapsLayout", shared with the guest.
export {
  BODY_ALIGN, COUNTER_SLOTS, D_BASE, D_BYTE_SIZE, D_CLOCK, D_COUNT, D_FLAGS, D_GENERATION, D_KEY_SIZE, D_KIND, D_MAX_ENTRIES,
  D_NAME, D_SLOT_COUNT, D_SLOT_SIZE, D_TOMBSTONES, D_VALUE_OFFSET, D_VALUE_SIZE, DIR_CAPACITY, KEY_SIZE_MAX, LRU_WINDOW,
  MAPS_LAYOUT_VERSION, MAPS_MAGIC, MAX_ENTRIES_MAX, MAP_DESC_SIZE as DESC_SIZE, NAME_MAX, R_COUNTER_SLOTS, R_DIR_CAPACITY,
  R_GENERATION, R_MAGIC, R_MAP_COUNT, R_NEXT_FREE, R_SIZE, R_VERSION, REGION_HEADER_SIZE, SLOT_EMPTY, SLOT_KEY,
  SLOT_OCCUPIED_BIT, SLOT_STAMP, SLOT_STATE, SLOT_TOMBSTONE, VALUE_SIZE_MAX,
} from '../generated/maps.js';

export const DIR_OFFSET = REGION_HEADER_SIZE;
export const BODIES_OFFSET = DIR_OFFSET + DIR_CAPACITY * MAP_DESC_SIZE; // 0x2100

export const enum MapKind {
  FREE = 0,
  HASH = MAP_HASH,
  LRU_HASH = MAP_LRU_HASH,
  ARRAY = MAP_ARRAY,
  COUNTERS = MAP_COUNTERS,
}
export const KIND_NAMES: Record<number, string> = { [MAP_HASH]: 'hash', [MAP_LRU_HASH]: 'lru_hash', [MAP_ARRAY]: 'array', [MAP_COUNTERS]: 'counters' };

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
