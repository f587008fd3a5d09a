// The maps region of one sandbox memory: a directory of map descriptors and a
// bump allocator for map bodies (docs/maps.md). Maps are found by name, so a
// re-instantiated or hot-swapped guest declaring the same map gets the same
// body back with its contents.

import { WasmxdpError } from '../errors.js';
import {
  BODIES_OFFSET, BODY_ALIGN, D_BASE, D_BYTE_SIZE, D_COUNT, D_GENERATION, D_KEY_SIZE, D_KIND,
  D_MAX_ENTRIES, D_NAME, D_SLOT_COUNT, D_SLOT_SIZE, D_TOMBSTONES, D_VALUE_OFFSET, D_VALUE_SIZE, DESC_SIZE,
  DIR_CAPACITY, DIR_OFFSET, EEXIST, EINVAL, ENOSPC, COUNTER_SLOTS, KIND_NAMES, MAPS_LAYOUT_VERSION, MAPS_MAGIC,
  MAPS_OFFSET, MAPS_SIZE, MapKind, NAME_MAX, R_COUNTER_SLOTS, R_DIR_CAPACITY, R_GENERATION, R_MAGIC,
  R_MAP_COUNT, R_NEXT_FREE, R_SIZE, R_VERSION, Shape, geometry, shapeProblem,
} from './layout.js';
import { MapHandle } from './map.js';

export type KindName = 'hash' | 'lru_hash' | 'array' | 'counters';
export const KIND_BY_NAME: Record<KindName, MapKind> = { hash: MapKind.HASH, lru_hash: MapKind.LRU_HASH, array: MapKind.ARRAY, counters: MapKind.COUNTERS };

export interface DeclareOptions {
  /** When the map exists: clear it, and reallocate it if its shape differs. */
  reset?: boolean;
}

export interface MapInfo extends Shape {
  name: string;
  kindName: string;
  /** Absolute address of the descriptor (what wx.map_declare returns). */
  desc: number;
  base: number;
  byteSize: number;
  count: number;
  generation: number;
}

/** Outcome of a declare as the guest import sees it: a descriptor address or a negative code. */
export interface DeclareResult { code: number; desc: number; message?: string }

const regions = new WeakMap<WebAssembly.Memory, MapsRegion>();
const utf8 = new TextEncoder();
const utf8d = new TextDecoder();

export class MapsRegion {
  private readonly memory?: WebAssembly.Memory;
  private _u8: Uint8Array;
  private _dv: DataView;

  /** The one MapsRegion of a sandbox memory (formatted on first use). */
  static of(memory: WebAssembly.Memory): MapsRegion {
    let r = regions.get(memory);
    if (!r) { r = new MapsRegion(memory); regions.set(memory, r); }
    return r;
  }

  /**
   * Over a sandbox memory, or over plain bytes laid out like one (at least
   * MAPS_OFFSET + MAPS_SIZE long: addresses in the region are absolute).
   */
  constructor(source: WebAssembly.Memory | Uint8Array) {
    if (source instanceof Uint8Array) {
      this._u8 = source;
    } else {
      this.memory = source;
      this._u8 = new Uint8Array(source.buffer);
    }
    if (this._u8.length < MAPS_OFFSET + MAPS_SIZE) {
      throw new WasmxdpError('E_MAP', `the memory (${this._u8.length} bytes) ends before the maps region (${MAPS_OFFSET} + ${MAPS_SIZE}); create it with the ABI v1 layout`);
    }
    this._dv = new DataView(this._u8.buffer, this._u8.byteOffset, this._u8.byteLength);
    if (this.dv.getUint32(MAPS_OFFSET + R_MAGIC, true) !== MAPS_MAGIC || this.dv.getUint32(MAPS_OFFSET + R_VERSION, true) !== MAPS_LAYOUT_VERSION) this.format();
  }

  get u8(): Uint8Array { this.refresh(); return this._u8; }
  get dv(): DataView { this.refresh(); return this._dv; }

  // A fixed-size memory never grows, but a detached view would fail silently.
  private refresh(): void {
    if (this.memory && this._u8.buffer !== this.memory.buffer) {
      this._u8 = new Uint8Array(this.memory.buffer);
      this._dv = new DataView(this.memory.buffer);
    }
  }

  /** Erases every map. */
  format(): void {
    const dv = this.dv;
    this.u8.fill(0, MAPS_OFFSET, MAPS_OFFSET + BODIES_OFFSET);
    dv.setUint32(MAPS_OFFSET + R_MAGIC, MAPS_MAGIC, true);
    dv.setUint32(MAPS_OFFSET + R_VERSION, MAPS_LAYOUT_VERSION, true);
    dv.setUint32(MAPS_OFFSET + R_DIR_CAPACITY, DIR_CAPACITY, true);
    dv.setUint32(MAPS_OFFSET + R_MAP_COUNT, 0, true);
    dv.setUint32(MAPS_OFFSET + R_NEXT_FREE, BODIES_OFFSET, true);
    dv.setUint32(MAPS_OFFSET + R_SIZE, MAPS_SIZE, true);
    dv.setUint32(MAPS_OFFSET + R_GENERATION, 0, true);
    dv.setUint32(MAPS_OFFSET + R_COUNTER_SLOTS, COUNTER_SLOTS, true);
  }

  /** Bytes of the region up to the end of the last body (header, directory, bodies and the gaps between them). */
  get usedBytes(): number {
    const next = this.dv.getUint32(MAPS_OFFSET + R_NEXT_FREE, true);
    return Math.min(Math.max(next, BODIES_OFFSET), MAPS_SIZE);
  }

  get generation(): number { return this.dv.getUint32(MAPS_OFFSET + R_GENERATION, true); }

  /**
   * Finds the map `name` or creates it. An existing map must have the same
   * kind, key size, value size and max entries, unless `reset` is given.
   */
  declare(name: string, kind: MapKind | KindName, keySize: number, valueSize: number, maxEntries: number, opts: DeclareOptions = {}): MapHandle {
    const k = typeof kind === 'string' ? KIND_BY_NAME[kind] : kind;
    if (k === undefined) throw new WasmxdpError('E_MAP', `map '${name}': unknown kind '${kind}'; use hash, lru_hash, array or counters`);
    const r = this.declareBytes(utf8.encode(name), { kind: k, keySize, valueSize, maxEntries }, opts.reset ?? false);
    if (r.code < 0) throw new WasmxdpError('E_MAP', r.message ?? `map '${name}': declare failed (${r.code})`);
    return new MapHandle(this, r.desc);
  }

  /** declare() without exceptions, over raw name bytes: what wx.map_declare runs. */
  declareBytes(nameBytes: Uint8Array, shape: Shape, reset: boolean): DeclareResult {
    const name = utf8d.decode(nameBytes);
    if (nameBytes.length < 1 || nameBytes.length > NAME_MAX || nameBytes.includes(0)) {
      return { code: EINVAL, desc: 0, message: `map name '${name}' must be 1 to ${NAME_MAX} bytes of UTF-8 without NUL` };
    }
    const problem = shapeProblem(shape);
    if (problem) return { code: EINVAL, desc: 0, message: `map '${name}': ${problem}` };
    const geo = geometry(shape);
    const found = this.findDesc(nameBytes);
    if (found !== 0) {
      const checked = this.check(found);
      if (checked.problem !== undefined) {
        if (!reset) {
          return { code: EEXIST, desc: 0, message: `map '${name}': its descriptor is corrupt (${checked.problem}); deploy with --reset-maps (or roll back) to recreate it empty` };
        }
        // Nothing in a corrupt descriptor can be trusted, its body least of all: start afresh in the same entry.
        const base = this.allocate(geo.byteSize);
        if (base < 0) return { code: ENOSPC, desc: 0, message: `map '${name}': no room in the maps region for ${geo.byteSize} bytes (${this.usedBytes} of ${MAPS_SIZE} used)` };
        this.writeDesc(found, shape, base, geo.byteSize, 1);
        return { code: 0, desc: found };
      }
      const info = checked.info;
      const diff = shapeDiff(info, shape);
      if (!diff && !reset) return { code: 0, desc: found };
      if (diff && !reset) {
        return { code: EEXIST, desc: 0, message: `map '${name}' exists with ${diff}; declare it with the existing shape, or redeploy with reset to reallocate it (its contents are lost)` };
      }
      let base = info.base;
      let byteSize = info.byteSize;
      if (geo.byteSize > byteSize) {
        const a = this.allocate(geo.byteSize);
        if (a < 0) return { code: ENOSPC, desc: 0, message: `map '${name}': no room in the maps region for ${geo.byteSize} bytes (${this.usedBytes} of ${MAPS_SIZE} used)` };
        base = a; byteSize = geo.byteSize;
      }
      this.writeDesc(found, shape, base, byteSize, info.generation + 1);
      return { code: 0, desc: found };
    }
    const slot = this.freeDesc();
    if (slot === 0) return { code: ENOSPC, desc: 0, message: `map '${name}': the maps directory is full (${DIR_CAPACITY} maps)` };
    const base = this.allocate(geo.byteSize);
    if (base < 0) return { code: ENOSPC, desc: 0, message: `map '${name}': no room in the maps region for ${geo.byteSize} bytes (${this.usedBytes} of ${MAPS_SIZE} used); lower maxEntries or the value size` };
    const u8 = this.u8;
    u8.fill(0, slot + D_NAME, slot + D_NAME + NAME_MAX);
    u8.set(nameBytes, slot + D_NAME);
    this.writeDesc(slot, shape, base, geo.byteSize, 1);
    this.bump(R_MAP_COUNT);
    return { code: 0, desc: slot };
  }

  /** Fills a descriptor for `shape` over an empty body at `base`. */
  private writeDesc(desc: number, shape: Shape, base: number, byteSize: number, generation: number): void {
    const dv = this.dv;
    const geo = geometry(shape);
    this.u8.fill(0, base, base + byteSize);
    this.u8.fill(0, desc + D_KIND, desc + DESC_SIZE);
    dv.setUint32(desc + D_KIND, shape.kind, true);
    dv.setUint32(desc + D_KEY_SIZE, shape.keySize, true);
    dv.setUint32(desc + D_VALUE_SIZE, shape.valueSize, true);
    dv.setUint32(desc + D_MAX_ENTRIES, shape.maxEntries, true);
    dv.setUint32(desc + D_BASE, base, true);
    dv.setUint32(desc + D_BYTE_SIZE, byteSize, true);
    dv.setUint32(desc + D_GENERATION, generation, true);
    dv.setUint32(desc + D_SLOT_COUNT, geo.slotCount, true);
    dv.setUint32(desc + D_SLOT_SIZE, geo.slotSize, true);
    dv.setUint32(desc + D_VALUE_OFFSET, geo.valueOffset, true);
    this.bump(R_GENERATION);
  }

  private bump(field: number): void {
    const dv = this.dv;
    dv.setUint32(MAPS_OFFSET + field, (dv.getUint32(MAPS_OFFSET + field, true) + 1) >>> 0, true);
  }

  /**
   * Absolute address of a new body, or -1 when the region is full: the first
   * gap between the bodies of the maps in the directory that fits (first
   * fit), so the space of removed and reallocated maps is used again. Only
   * the version being swapped in can still hold addresses into a freed body,
   * and a swap re-runs every declaration (each swap instantiates afresh).
   */
  private allocate(size: number): number {
    const extents = this.extents();
    let at = BODIES_OFFSET;
    let start = -1;
    for (const [b, e] of extents) {
      const s = (at + BODY_ALIGN - 1) & ~(BODY_ALIGN - 1);
      if (s + size <= b) { start = s; break; }
      at = Math.max(at, e);
    }
    if (start < 0) {
      const s = (at + BODY_ALIGN - 1) & ~(BODY_ALIGN - 1);
      if (s + size > MAPS_SIZE) return -1;
      start = s;
    }
    // The header's next-free byte stays the high-water mark of the bodies (what a pure bump allocator would say).
    this.dv.setUint32(MAPS_OFFSET + R_NEXT_FREE, extents.reduce((m, [, e]) => Math.max(m, e), start + size), true);
    return MAPS_OFFSET + start;
  }

  /** Bodies of the maps with sound descriptors, as [start, end) offsets from the region start, by start. */
  private extents(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < DIR_CAPACITY; i++) {
      const d = this.descAt(i);
      if (this.dv.getUint32(d + D_KIND, true) === MapKind.FREE) continue;
      const c = this.check(d);
      if (c.problem === undefined) out.push([c.info.base - MAPS_OFFSET, c.info.base - MAPS_OFFSET + c.info.byteSize]);
    }
    return out.sort((a, b) => a[0] - b[0]);
  }

  private descAt(i: number): number { return MAPS_OFFSET + DIR_OFFSET + i * DESC_SIZE; }

  /** A free directory entry, never-used ones first (see remove). */
  private freeDesc(): number {
    const dv = this.dv;
    let removed = 0;
    for (let i = 0; i < DIR_CAPACITY; i++) {
      const d = this.descAt(i);
      if (dv.getUint32(d + D_KIND, true) !== MapKind.FREE) continue;
      if (dv.getUint32(d + D_GENERATION, true) === 0) return d;
      if (removed === 0) removed = d;
    }
    return removed;
  }

  private findDesc(nameBytes: Uint8Array): number {
    const u8 = this.u8;
    const dv = this.dv;
    outer: for (let i = 0; i < DIR_CAPACITY; i++) {
      const d = this.descAt(i);
      if (dv.getUint32(d + D_KIND, true) === MapKind.FREE) continue;
      for (let j = 0; j < NAME_MAX; j++) {
        const want = j < nameBytes.length ? nameBytes[j] : 0;
        if (u8[d + D_NAME + j] !== want) continue outer;
      }
      return d;
    }
    return 0;
  }

  /** Descriptor fields, checked: the guest can write anywhere in its memory, this region included. */
  info(desc: number): MapInfo {
    const c = this.check(desc);
    if (c.problem !== undefined) {
      throw new WasmxdpError('E_MAP', `map '${c.info.name}': its descriptor at 0x${desc.toString(16)} is corrupt (${c.problem}); the guest wrote over the maps region: deploy with --reset-maps or roll back to recreate it (its contents are lost)`);
    }
    return c.info;
  }

  /** The descriptor's fields and, when they cannot be trusted, why. */
  check(desc: number): { info: MapInfo; problem?: string } {
    const dv = this.dv;
    const u8 = this.u8;
    const kind = dv.getUint32(desc + D_KIND, true) as MapKind;
    let end = desc + D_NAME;
    while (end < desc + D_NAME + NAME_MAX && u8[end] !== 0) end++;
    const name = utf8d.decode(u8.subarray(desc + D_NAME, end));
    const info: MapInfo = {
      name, kind, kindName: KIND_NAMES[kind] ?? String(kind), desc,
      keySize: dv.getUint32(desc + D_KEY_SIZE, true),
      valueSize: dv.getUint32(desc + D_VALUE_SIZE, true),
      maxEntries: dv.getUint32(desc + D_MAX_ENTRIES, true),
      base: dv.getUint32(desc + D_BASE, true),
      byteSize: dv.getUint32(desc + D_BYTE_SIZE, true),
      count: dv.getUint32(desc + D_COUNT, true),
      generation: dv.getUint32(desc + D_GENERATION, true),
    };
    const shape = shapeProblem(info);
    if (shape) return { info, problem: shape };
    if (end === desc + D_NAME) return { info, problem: 'empty name' };
    const geo = geometry(info);
    const ok = info.base >= MAPS_OFFSET + BODIES_OFFSET && info.base + info.byteSize <= MAPS_OFFSET + MAPS_SIZE
      && geo.byteSize <= info.byteSize
      && dv.getUint32(desc + D_SLOT_COUNT, true) === geo.slotCount
      && dv.getUint32(desc + D_SLOT_SIZE, true) === geo.slotSize
      && dv.getUint32(desc + D_VALUE_OFFSET, true) === geo.valueOffset
      && info.count <= info.maxEntries
      && dv.getUint32(desc + D_TOMBSTONES, true) <= geo.slotCount;
    return ok ? { info } : { info, problem: 'fields out of range' };
  }

  /** Every directory entry in use, corrupt ones included (with the reason). */
  scan(): { info: MapInfo; problem?: string }[] {
    const out: { info: MapInfo; problem?: string }[] = [];
    for (let i = 0; i < DIR_CAPACITY; i++) {
      const d = this.descAt(i);
      if (this.dv.getUint32(d + D_KIND, true) !== MapKind.FREE) out.push(this.check(d));
    }
    return out;
  }

  /** A copy of the whole region, for restore() when a swap that changed maps does not happen. */
  snapshot(): Uint8Array {
    return this.u8.slice(MAPS_OFFSET, MAPS_OFFSET + MAPS_SIZE);
  }

  restore(copy: Uint8Array): void {
    this.u8.set(copy, MAPS_OFFSET);
  }

  /**
   * Rewrites the header fields a guest may have overwritten (magic, version,
   * capacity, size, counter slots, map count), keeping the maps.
   */
  repairHeader(): void {
    const dv = this.dv;
    dv.setUint32(MAPS_OFFSET + R_MAGIC, MAPS_MAGIC, true);
    dv.setUint32(MAPS_OFFSET + R_VERSION, MAPS_LAYOUT_VERSION, true);
    dv.setUint32(MAPS_OFFSET + R_DIR_CAPACITY, DIR_CAPACITY, true);
    dv.setUint32(MAPS_OFFSET + R_SIZE, MAPS_SIZE, true);
    dv.setUint32(MAPS_OFFSET + R_COUNTER_SLOTS, COUNTER_SLOTS, true);
    dv.setUint32(MAPS_OFFSET + R_MAP_COUNT, this.scan().length, true);
  }

  /**
   * Removes a map from the directory, so that the next declare of its name
   * starts empty; its body becomes free space. False when there was no such
   * map. Only the control plane calls it, during a swap (the instance that
   * could still use the map is being replaced).
   */
  remove(name: string): boolean {
    const b = utf8.encode(name);
    const d = b.length >= 1 && b.length <= NAME_MAX ? this.findDesc(b) : 0;
    if (d === 0) return false;
    this.removeDesc(d);
    return true;
  }

  /** Frees a directory entry, sound or corrupt. */
  removeDesc(desc: number): void {
    const dv = this.dv;
    // Keep the generation: entries never used are taken first, so a stale
    // descriptor address is unlikely to name another map soon.
    const gen = dv.getUint32(desc + D_GENERATION, true) || 1;
    this.u8.fill(0, desc, desc + DESC_SIZE);
    dv.setUint32(desc + D_GENERATION, gen, true);
    dv.setUint32(MAPS_OFFSET + R_MAP_COUNT, Math.max(0, dv.getUint32(MAPS_OFFSET + R_MAP_COUNT, true) - 1), true);
    this.bump(R_GENERATION);
  }

  list(): MapInfo[] {
    const out: MapInfo[] = [];
    for (let i = 0; i < DIR_CAPACITY; i++) {
      const d = this.descAt(i);
      if (this.dv.getUint32(d + D_KIND, true) !== MapKind.FREE) out.push(this.info(d));
    }
    return out;
  }

  find(name: string): MapHandle | undefined {
    const b = utf8.encode(name);
    if (b.length < 1 || b.length > NAME_MAX) return undefined;
    const d = this.findDesc(b);
    return d === 0 ? undefined : new MapHandle(this, d);
  }

  get(name: string): MapHandle {
    const m = this.find(name);
    if (!m) {
      const names = this.list().map((i) => i.name);
      throw new WasmxdpError('E_NOT_FOUND', `no map named '${name}'; this memory has ${names.length ? names.join(', ') : 'no maps'}`);
    }
    return m;
  }
}

function shapeDiff(have: Shape, want: Shape): string | undefined {
  const d: string[] = [];
  if (have.kind !== want.kind) d.push(`kind ${KIND_NAMES[have.kind]} (declared ${KIND_NAMES[want.kind] ?? want.kind})`);
  if (have.keySize !== want.keySize) d.push(`key size ${have.keySize} (declared ${want.keySize})`);
  if (have.valueSize !== want.valueSize) d.push(`value size ${have.valueSize} (declared ${want.valueSize})`);
  if (have.maxEntries !== want.maxEntries) d.push(`max entries ${have.maxEntries} (declared ${want.maxEntries})`);
  return d.length ? d.join(', ') : undefined;
}
