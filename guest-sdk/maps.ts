// Maps, guest side. A handler declares its maps once at start-up (top-level
// statements); the host finds or allocates them in the maps region
// (docs/maps.md) and from then on every lookup, update and delete is plain
// memory access: no host call, no allocation. host/maps/hash.ts runs the same
// algorithm for the control plane, byte for byte.
//
//   const flows = HashMap.declare("flows", 16, 8, 4096);
//   export function handle(pkt: Packet): Verdict {
//     const v = flows.lookup(keyPtr);            // pointer to the value, or 0
//     if (v) store<u64>(v, load<u64>(v) + 1);    // update in place
//     ...

// Kinds, update flags (as BPF's) and results (0 or a negative errno, as BPF's
// helpers return them) come from abi/contract.json.
import {
  MAP_ANY, MAP_ARRAY, MAP_COUNTERS, MAP_E2BIG, MAP_EEXIST, MAP_EINVAL, MAP_ENOENT, MAP_ENOSPC, MAP_EXIST, MAP_HASH,
  MAP_LRU_HASH, MAP_NOEXIST, MAP_OK,
} from "./generated/abi";

export {
  MAP_ANY, MAP_ARRAY, MAP_COUNTERS, MAP_E2BIG, MAP_EEXIST, MAP_EINVAL, MAP_ENOENT, MAP_ENOSPC, MAP_EXIST, MAP_HASH,
  MAP_LRU_HASH, MAP_NOEXIST, MAP_OK,
};

// Descriptor fields and hash slots {state u32, stamp u32, key, value}: the
// region layout of abi/contract.json, shared with host/maps.
import {
  COUNTER_SLOTS, D_BASE, D_CLOCK, D_COUNT, D_KEY_SIZE, D_KIND, D_MAX_ENTRIES, D_SLOT_COUNT, D_SLOT_SIZE, D_TOMBSTONES,
  D_VALUE_OFFSET, D_VALUE_SIZE, LRU_WINDOW, SLOT_EMPTY, SLOT_KEY, SLOT_OCCUPIED_BIT as SLOT_OCCUPIED, SLOT_STAMP,
  SLOT_TOMBSTONE,
} from "./generated/maps";

/** u64 slots per counters entry (one per worker or queue). */
export { COUNTER_SLOTS };

// @ts-ignore: decorator
@external("wx", "map_declare")
declare function hostMapDeclare(namePtr: usize, nameLen: usize, kind: u32, keySize: u32, valueSize: u32, maxEntries: u32): i32;

/** The raw import: the descriptor address of the map, or a negative MAP_E* code. */
export function declareMapRaw(namePtr: usize, nameLen: usize, kind: u32, keySize: u32, valueSize: u32, maxEntries: u32): i32 {
  return hostMapDeclare(namePtr, nameLen, kind, keySize, valueSize, maxEntries);
}

/** Declares a map and returns its descriptor address; a failure stops the module's start with the reason. */
export function declareMap(name: string, kind: u32, keySize: u32, valueSize: u32, maxEntries: u32): usize {
  const utf8 = String.UTF8.encode(name);
  const r = hostMapDeclare(changetype<usize>(utf8), <usize>utf8.byteLength, kind, keySize, valueSize, maxEntries);
  if (r < 0) {
    let why = "error " + r.toString();
    if (r == MAP_EEXIST) why = "a map of this name exists with another kind, key size, value size or max entries; deploy with reset to reallocate it";
    else if (r == MAP_ENOSPC) why = "the maps region or directory is full; lower maxEntries or the sizes";
    else if (r == MAP_EINVAL) why = "invalid name (1-32 bytes) or sizes; see docs/maps.md";
    abort("map '" + name + "': " + why);
  }
  return <usize>r;
}

/** FNV-1a 32 over the key, then murmur3's fmix32 (docs/maps.md). */
export function mapHash(key: usize, len: u32): u32 {
  let h: u32 = 0x811c9dc5;
  for (let i: usize = 0; i < <usize>len; i++) h = (h ^ <u32>load<u8>(key + i)) * 0x01000193;
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  h ^= h >> 16;
  return h;
}

function keyEquals(a: usize, b: usize, n: usize): bool {
  let i: usize = 0;
  for (; i + 8 <= n; i += 8) if (load<u64>(a + i) != load<u64>(b + i)) return false;
  for (; i < n; i++) if (load<u8>(a + i) != load<u8>(b + i)) return false;
  return true;
}

// Scratch for the u32/u64-key conveniences: static, so they allocate nothing.
const scratch: usize = memory.data(8, 8);

/** Open-addressing hash table over a map body; HashMap and LruHashMap differ in `lru` only. */
export class HashCore {
  readonly desc: usize;
  readonly base: usize;
  readonly mask: u32;
  readonly slotCount: u32;
  readonly slotSize: usize;
  readonly valueOffset: usize;
  readonly keySize: u32;
  readonly valueSize: u32;
  readonly maxEntries: u32;
  readonly lru: bool;

  constructor(desc: usize) {
    this.desc = desc;
    this.base = <usize>load<u32>(desc + D_BASE);
    this.slotCount = load<u32>(desc + D_SLOT_COUNT);
    this.mask = this.slotCount - 1;
    this.slotSize = <usize>load<u32>(desc + D_SLOT_SIZE);
    this.valueOffset = <usize>load<u32>(desc + D_VALUE_OFFSET);
    this.keySize = load<u32>(desc + D_KEY_SIZE);
    this.valueSize = load<u32>(desc + D_VALUE_SIZE);
    this.maxEntries = load<u32>(desc + D_MAX_ENTRIES);
    this.lru = load<u32>(desc + D_KIND) == MAP_LRU_HASH;
  }

  /** Live entries. */
  get count(): u32 { return load<u32>(this.desc + D_COUNT); }

  // @ts-ignore: decorator
  @inline private slot(i: u32): usize { return this.base + <usize>i * this.slotSize; }

  private find(key: usize, h: u32): i32 {
    const tag = h | SLOT_OCCUPIED;
    let i = h & this.mask;
    for (let n: u32 = 0; n < this.slotCount; n++) {
      const a = this.slot(i);
      const s = load<u32>(a);
      if (s == SLOT_EMPTY) return -1;
      if (s == tag && keyEquals(a + SLOT_KEY, key, <usize>this.keySize)) return <i32>i;
      i = (i + 1) & this.mask;
    }
    return -1;
  }

  private touch(a: usize): void {
    const clock = load<u32>(this.desc + D_CLOCK) + 1;
    store<u32>(this.desc + D_CLOCK, clock);
    store<u32>(a + SLOT_STAMP, clock);
  }

  /** Pointer to the value of the key at `key` (keySize bytes), or 0. Marks an LRU entry used. */
  lookup(key: usize): usize {
    const i = this.find(key, mapHash(key, this.keySize));
    if (i < 0) return 0;
    const a = this.slot(<u32>i);
    if (this.lru) this.touch(a);
    return a + this.valueOffset;
  }

  /** Inserts or replaces; MAP_NOEXIST / MAP_EXIST as BPF's. A full HashMap returns MAP_E2BIG; an LruHashMap evicts. */
  update(key: usize, value: usize, flags: u32 = MAP_ANY): i32 {
    if (flags > MAP_EXIST) return MAP_EINVAL;
    const h = mapHash(key, this.keySize);
    const f = this.find(key, h);
    if (f >= 0) {
      if (flags == MAP_NOEXIST) return MAP_EEXIST;
      const a = this.slot(<u32>f);
      memory.copy(a + this.valueOffset, value, <usize>this.valueSize);
      if (this.lru) this.touch(a);
      return MAP_OK;
    }
    if (flags == MAP_EXIST) return MAP_ENOENT;
    const home = h & this.mask;
    if (load<u32>(this.desc + D_COUNT) >= this.maxEntries) {
      if (!this.lru) return MAP_E2BIG;
      this.evict(home);
    }
    let dest: i32 = -1;
    let i = home;
    for (let n: u32 = 0; n < this.slotCount; n++) {
      const s = load<u32>(this.slot(i));
      if (s == SLOT_TOMBSTONE || s == SLOT_EMPTY) { dest = <i32>i; break; }
      i = (i + 1) & this.mask;
    }
    if (dest < 0) return MAP_E2BIG;
    const a = this.slot(<u32>dest);
    if (load<u32>(a) == SLOT_TOMBSTONE) store<u32>(this.desc + D_TOMBSTONES, load<u32>(this.desc + D_TOMBSTONES) - 1);
    store<u32>(a, h | SLOT_OCCUPIED);
    memory.copy(a + SLOT_KEY, key, <usize>this.keySize);
    memory.copy(a + this.valueOffset, value, <usize>this.valueSize);
    if (this.lru) this.touch(a);
    store<u32>(this.desc + D_COUNT, load<u32>(this.desc + D_COUNT) + 1);
    return MAP_OK;
  }

  /** Removes the key; MAP_ENOENT when absent. Other entries' value pointers stay valid. */
  delete(key: usize): i32 {
    const i = this.find(key, mapHash(key, this.keySize));
    if (i < 0) return MAP_ENOENT;
    this.removeAt(<u32>i);
    return MAP_OK;
  }

  private removeAt(i: u32): void {
    const a = this.slot(i);
    memory.fill(a, 0, this.slotSize);
    if (load<u32>(this.slot((i + 1) & this.mask)) == SLOT_EMPTY) {
      let tombs = load<u32>(this.desc + D_TOMBSTONES);
      let j = (i - 1) & this.mask;
      while (j != i && load<u32>(this.slot(j)) == SLOT_TOMBSTONE) {
        store<u32>(this.slot(j), SLOT_EMPTY);
        tombs--;
        j = (j - 1) & this.mask;
      }
      store<u32>(this.desc + D_TOMBSTONES, tombs);
    } else {
      store<u32>(a, SLOT_TOMBSTONE);
      store<u32>(this.desc + D_TOMBSTONES, load<u32>(this.desc + D_TOMBSTONES) + 1);
    }
    store<u32>(this.desc + D_COUNT, load<u32>(this.desc + D_COUNT) - 1);
  }

  private evict(home: u32): void {
    const clock = load<u32>(this.desc + D_CLOCK);
    let victim: i32 = -1;
    let oldest: u32 = 0;
    let i = home;
    for (let n: u32 = 0; n < this.slotCount; n++) {
      const a = this.slot(i);
      if (load<u32>(a) >= SLOT_OCCUPIED) {
        const age = clock - load<u32>(a + SLOT_STAMP);
        if (victim < 0 || age > oldest) { victim = <i32>i; oldest = age; }
      }
      if (n + 1 >= LRU_WINDOW && victim >= 0) break;
      i = (i + 1) & this.mask;
    }
    if (victim >= 0) this.removeAt(<u32>victim);
  }

  // u32 / u64 keys (little-endian, as store<T> writes them) through a static scratch buffer.
  lookupU32(key: u32): usize { store<u32>(scratch, key); return this.lookup(scratch); }
  updateU32(key: u32, value: usize, flags: u32 = MAP_ANY): i32 { store<u32>(scratch, key); return this.update(scratch, value, flags); }
  deleteU32(key: u32): i32 { store<u32>(scratch, key); return this.delete(scratch); }
  lookupU64(key: u64): usize { store<u64>(scratch, key); return this.lookup(scratch); }
  updateU64(key: u64, value: usize, flags: u32 = MAP_ANY): i32 { store<u64>(scratch, key); return this.update(scratch, value, flags); }
  deleteU64(key: u64): i32 { store<u64>(scratch, key); return this.delete(scratch); }
}

/** Hash map: update fails with MAP_E2BIG when maxEntries entries are live. */
export class HashMap extends HashCore {
  static declare(name: string, keySize: u32, valueSize: u32, maxEntries: u32): HashMap {
    return new HashMap(declareMap(name, MAP_HASH, keySize, valueSize, maxEntries));
  }
}

/** LRU hash map: when full, update evicts the least recently used entry near the new key's bucket. */
export class LruHashMap extends HashCore {
  static declare(name: string, keySize: u32, valueSize: u32, maxEntries: u32): LruHashMap {
    return new LruHashMap(declareMap(name, MAP_LRU_HASH, keySize, valueSize, maxEntries));
  }
}

/** Fixed array of values indexed 0 .. maxEntries-1, zero until written. */
export class ArrayMap {
  readonly desc: usize;
  readonly base: usize;
  readonly stride: usize;
  readonly valueSize: u32;
  readonly maxEntries: u32;

  constructor(desc: usize) {
    this.desc = desc;
    this.base = <usize>load<u32>(desc + D_BASE);
    this.stride = <usize>load<u32>(desc + D_SLOT_SIZE);
    this.valueSize = load<u32>(desc + D_VALUE_SIZE);
    this.maxEntries = load<u32>(desc + D_MAX_ENTRIES);
  }

  static declare(name: string, valueSize: u32, maxEntries: u32): ArrayMap {
    return new ArrayMap(declareMap(name, MAP_ARRAY, 4, valueSize, maxEntries));
  }

  /** Pointer to value `index`, or 0 when out of range. */
  // @ts-ignore: decorator
  @inline at(index: u32): usize {
    return index < this.maxEntries ? this.base + <usize>index * this.stride : 0;
  }

  /** BPF-style lookup with a u32 key at `key`. */
  lookup(key: usize): usize { return this.at(load<u32>(key)); }

  /** Copies valueSize bytes into `index`; MAP_EINVAL out of range or with MAP_NOEXIST (every index exists). */
  set(index: u32, value: usize, flags: u32 = MAP_ANY): i32 {
    if (flags == MAP_NOEXIST || flags > MAP_EXIST || index >= this.maxEntries) return MAP_EINVAL;
    memory.copy(this.base + <usize>index * this.stride, value, <usize>this.valueSize);
    return MAP_OK;
  }

  update(key: usize, value: usize, flags: u32 = MAP_ANY): i32 { return this.set(load<u32>(key), value, flags); }
}

/**
 * Per-CPU-style counters: each entry holds COUNTER_SLOTS u64s, one per worker
 * or queue, that the host sums. Pass the packet's queue as `slot` when several
 * queues share one memory.
 */
export class CounterMap {
  readonly desc: usize;
  readonly base: usize;
  readonly maxEntries: u32;

  constructor(desc: usize) {
    this.desc = desc;
    this.base = <usize>load<u32>(desc + D_BASE);
    this.maxEntries = load<u32>(desc + D_MAX_ENTRIES);
  }

  static declare(name: string, maxEntries: u32): CounterMap {
    return new CounterMap(declareMap(name, MAP_COUNTERS, 4, 8, maxEntries));
  }

  /** Adds n to entry `index` in `slot` (masked to COUNTER_SLOTS); false when index is out of range. */
  // @ts-ignore: decorator
  @inline add(index: u32, n: u64 = 1, slot: u32 = 0): bool {
    if (index >= this.maxEntries) return false;
    const a = this.base + ((<usize>index * <usize>COUNTER_SLOTS + <usize>(slot & (COUNTER_SLOTS - 1))) << 3);
    store<u64>(a, load<u64>(a) + n);
    return true;
  }

  /** Sum of the slots of entry `index` (0 when out of range). */
  get(index: u32): u64 {
    if (index >= this.maxEntries) return 0;
    const a = this.base + ((<usize>index * <usize>COUNTER_SLOTS) << 3);
    let s: u64 = 0;
    for (let i: usize = 0; i < <usize>COUNTER_SLOTS; i++) s += load<u64>(a + (i << 3));
    return s;
  }
}
