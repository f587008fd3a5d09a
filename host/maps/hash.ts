// Open-addressing hash table over a map body, host side. The algorithm (linear
// probing, tombstones, LRU window eviction) is docs/maps.md's and must stay
// step for step the same as guest-sdk/maps.ts: both write the same bytes.

import {
  ANY, D_CLOCK, D_COUNT, D_TOMBSTONES, E2BIG, EEXIST, EINVAL, ENOENT, EXIST, LRU_WINDOW, NOEXIST, OK,
  MapKind, SLOT_EMPTY, SLOT_KEY, SLOT_OCCUPIED_BIT, SLOT_STAMP, SLOT_STATE, SLOT_TOMBSTONE, hashKey,
} from './layout.js';

export interface Table {
  u8: Uint8Array;
  dv: DataView;
  desc: number;
  base: number;
  slotCount: number;
  slotSize: number;
  valueOffset: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  kind: MapKind;
  lru: boolean;
}

const slotAddr = (t: Table, i: number) => t.base + i * t.slotSize;
const state = (t: Table, i: number) => t.dv.getUint32(slotAddr(t, i) + SLOT_STATE, true);
const getD = (t: Table, f: number) => t.dv.getUint32(t.desc + f, true);
const setD = (t: Table, f: number, v: number) => t.dv.setUint32(t.desc + f, v >>> 0, true);

function keyEquals(t: Table, i: number, key: Uint8Array): boolean {
  const a = slotAddr(t, i) + SLOT_KEY;
  for (let j = 0; j < t.keySize; j++) if (t.u8[a + j] !== key[j]) return false;
  return true;
}

function hashOf(key: Uint8Array, len: number): number { return hashKey(key, 0, len); }

/** Slot index holding `key`, or -1. */
export function find(t: Table, key: Uint8Array): number {
  const h = hashOf(key, t.keySize);
  const tag = (h | SLOT_OCCUPIED_BIT) >>> 0;
  const mask = t.slotCount - 1;
  let i = h & mask;
  for (let n = 0; n < t.slotCount; n++) {
    const s = state(t, i);
    if (s === SLOT_EMPTY) return -1;
    if (s === tag && keyEquals(t, i, key)) return i;
    i = (i + 1) & mask;
  }
  return -1;
}

function touch(t: Table, i: number): void {
  const clock = (getD(t, D_CLOCK) + 1) >>> 0;
  setD(t, D_CLOCK, clock);
  t.dv.setUint32(slotAddr(t, i) + SLOT_STAMP, clock, true);
}

/** Address of the value of `key`, or 0. `use` marks the entry used (LRU), as a guest lookup does. */
export function lookup(t: Table, key: Uint8Array, use: boolean): number {
  const i = find(t, key);
  if (i < 0) return 0;
  if (t.lru && use) touch(t, i);
  return slotAddr(t, i) + t.valueOffset;
}

export function update(t: Table, key: Uint8Array, value: Uint8Array, flags: number): number {
  if (flags !== ANY && flags !== NOEXIST && flags !== EXIST) return EINVAL;
  const h = hashOf(key, t.keySize);
  const tag = (h | SLOT_OCCUPIED_BIT) >>> 0;
  const mask = t.slotCount - 1;
  const home = h & mask;
  const f = find(t, key);
  if (f >= 0) {
    if (flags === NOEXIST) return EEXIST;
    t.u8.set(value.subarray(0, t.valueSize), slotAddr(t, f) + t.valueOffset);
    if (t.lru) touch(t, f);
    return OK;
  }
  if (flags === EXIST) return ENOENT;
  if (getD(t, D_COUNT) >= t.maxEntries) {
    if (!t.lru) return E2BIG;
    evict(t, home);
  }
  // First tombstone on the probe path, else the empty slot that ends it.
  let dest = -1;
  let i = home;
  for (let n = 0; n < t.slotCount; n++) {
    const s = state(t, i);
    if (s === SLOT_TOMBSTONE) { dest = i; break; }
    if (s === SLOT_EMPTY) { dest = i; break; }
    i = (i + 1) & mask;
  }
  if (dest < 0) return E2BIG; // unreachable while count < maxEntries < slotCount
  const a = slotAddr(t, dest);
  if (state(t, dest) === SLOT_TOMBSTONE) setD(t, D_TOMBSTONES, getD(t, D_TOMBSTONES) - 1);
  t.dv.setUint32(a + SLOT_STATE, tag, true);
  t.u8.set(key.subarray(0, t.keySize), a + SLOT_KEY);
  t.u8.set(value.subarray(0, t.valueSize), a + t.valueOffset);
  if (t.lru) touch(t, dest);
  setD(t, D_COUNT, getD(t, D_COUNT) + 1);
  return OK;
}

export function remove(t: Table, key: Uint8Array): number {
  const i = find(t, key);
  if (i < 0) return ENOENT;
  removeAt(t, i);
  return OK;
}

/**
 * Frees slot i. Zeroed so no stale key or value is read back; a tombstone
 * keeps later keys of the probe chain reachable, unless the next slot is
 * empty: then this slot and the tombstones just before it end the chain.
 */
function removeAt(t: Table, i: number): void {
  const mask = t.slotCount - 1;
  const a = slotAddr(t, i);
  t.u8.fill(0, a, a + t.slotSize);
  if (state(t, (i + 1) & mask) === SLOT_EMPTY) {
    let tombs = getD(t, D_TOMBSTONES);
    let j = (i - 1) & mask;
    while (j !== i && state(t, j) === SLOT_TOMBSTONE) {
      t.dv.setUint32(slotAddr(t, j) + SLOT_STATE, SLOT_EMPTY, true);
      tombs--;
      j = (j - 1) & mask;
    }
    setD(t, D_TOMBSTONES, tombs);
  } else {
    t.dv.setUint32(a + SLOT_STATE, SLOT_TOMBSTONE, true);
    setD(t, D_TOMBSTONES, getD(t, D_TOMBSTONES) + 1);
  }
  setD(t, D_COUNT, getD(t, D_COUNT) - 1);
}

/** Removes the least recently used entry of the LRU_WINDOW slots from `home` (further if none is occupied there). */
function evict(t: Table, home: number): void {
  const mask = t.slotCount - 1;
  const clock = getD(t, D_CLOCK);
  let victim = -1;
  let oldest = 0;
  let i = home;
  for (let n = 0; n < t.slotCount; n++) {
    const s = state(t, i);
    if (s >= SLOT_OCCUPIED_BIT) {
      const age = (clock - t.dv.getUint32(slotAddr(t, i) + SLOT_STAMP, true)) >>> 0;
      if (victim < 0 || age > oldest) { victim = i; oldest = age; }
    }
    if (n + 1 >= LRU_WINDOW && victim >= 0) break;
    i = (i + 1) & mask;
  }
  if (victim >= 0) removeAt(t, victim);
}

export function* slots(t: Table): Generator<number> {
  for (let i = 0; i < t.slotCount; i++) if (state(t, i) >= SLOT_OCCUPIED_BIT) yield slotAddr(t, i);
}

export function clear(t: Table): void {
  t.u8.fill(0, t.base, t.base + t.slotCount * t.slotSize);
  setD(t, D_COUNT, 0);
  setD(t, D_TOMBSTONES, 0);
  setD(t, D_CLOCK, 0);
}
