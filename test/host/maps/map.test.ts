import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { WasmxdpError } from '../../../host/errors.js';
import { D_CLOCK, D_TOMBSTONES, MAPS_OFFSET, MAPS_SIZE, SLOT_TOMBSTONE, hashKey, hashSlotCount } from '../../../host/maps/layout.js';
import { MapsRegion } from '../../../host/maps/region.js';

const test = suite('host/maps/map');
const fresh = () => new MapsRegion(new Uint8Array(MAPS_OFFSET + MAPS_SIZE));
const u32 = (n: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n, true); return b; };
const u64 = (n: bigint) => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, n, true); return b; };
const ascii = (s: string) => new TextEncoder().encode(s);

test('the hash function is FNV-1a 32 finished with fmix32', () => {
  // FNV-1a("a") = 0xe40c292c; fmix32 of it, computed independently:
  let h = 0xe40c292c;
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b); h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35); h ^= h >>> 16;
  assert.is(hashKey(ascii('a'), 0, 1), h >>> 0);
  assert.is.not(hashKey(ascii('ab'), 0, 2), hashKey(ascii('ba'), 0, 2));
});

test('bucket counts are powers of two with load at most 3/4', () => {
  assert.equal([1, 6, 7, 12, 13, 1000].map(hashSlotCount), [8, 8, 16, 16, 32, 2048]);
});

test('hash: update, lookup, flags, delete, entries, clear', () => {
  const m = fresh().declare('h', 'hash', 4, 8, 100);
  assert.is(m.lookup(u32(1)), undefined);
  m.update(u32(1), u64(10n));
  m.update(u32(2), u64(20n), 'noexist');
  assert.is(m.tryUpdate(u32(2), u64(21n), 'noexist'), -17);
  assert.is(m.tryUpdate(u32(3), u64(30n), 'exist'), -2);
  m.update(u32(2), u64(22n), 'exist');
  assert.equal(m.lookup(u32(2)), u64(22n));
  assert.is(m.count, 2);
  assert.ok(m.delete(u32(1)));
  assert.not.ok(m.delete(u32(1)));
  assert.equal([...m.entries()], [[u32(2), u64(22n)]]);
  m.clear();
  assert.is(m.count, 0);
  assert.equal([...m.entries()], []);
  assert.is(m.info.generation, 2);
});

test('hash: the value address is stable and shared with the memory', () => {
  const r = fresh();
  const m = r.declare('h', 'hash', 4, 8, 10);
  m.update(u32(7), u64(1n));
  const a = m.valueAddr(u32(7));
  for (let i = 0; i < 5; i++) { m.update(u32(100 + i), u64(0n)); m.delete(u32(100 + i)); }
  assert.is(m.valueAddr(u32(7)), a);
  r.dv.setBigUint64(a, 99n, true);
  assert.equal(m.lookup(u32(7)), u64(99n));
});

test('hash: a full map refuses new keys with a message, still replaces existing ones', () => {
  const m = fresh().declare('small', 'hash', 4, 4, 3);
  for (let i = 0; i < 3; i++) m.update(u32(i), u32(i));
  try { m.update(u32(3), u32(3)); assert.unreachable(); } catch (e) {
    assert.instance(e, WasmxdpError);
    assert.match((e as Error).message, /map 'small': update failed: the map is full \(3 entries, E2BIG\)/);
  }
  m.update(u32(2), u32(22));
  assert.equal(m.lookup(u32(2)), u32(22));
  m.delete(u32(0));
  m.update(u32(3), u32(3));
  assert.is(m.count, 3);
});

test('hash: colliding keys keep working through tombstones; deleting the chain tail empties it', () => {
  const r = fresh();
  const m = r.declare('c', 'hash', 4, 4, 6); // 8 buckets
  // Keys sharing a home bucket, found by hashing.
  const home = (k: number) => hashKey(u32(k), 0, 4) & 7;
  const same = [] as number[];
  for (let k = 0; same.length < 3; k++) if (home(k) === home(0)) same.push(k);
  for (const k of same) m.update(u32(k), u32(k + 1));
  m.delete(u32(same[0]));
  assert.is(r.dv.getUint32(m.desc + D_TOMBSTONES, true), 1);
  assert.equal(m.lookup(u32(same[2])), u32(same[2] + 1), 'found past the tombstone');
  const base = m.info.base;
  const slotOf = (i: number) => r.dv.getUint32(base + ((home(0) + i) & 7) * 24, true); // slot: 8 + key 8 + value 8
  assert.is(slotOf(0), SLOT_TOMBSTONE);
  m.delete(u32(same[2]));
  m.delete(u32(same[1]));
  assert.is(r.dv.getUint32(m.desc + D_TOMBSTONES, true), 0, 'the emptied chain holds no tombstones');
  assert.equal([slotOf(0), slotOf(1), slotOf(2)], [0, 0, 0]);
  assert.is(m.count, 0);
});

test('lru: a full map evicts the least recently used entry of the window; control-plane reads do not count as use', () => {
  const r = fresh();
  const m = r.declare('l', 'lru_hash', 4, 4, 6); // 8 buckets, window 8: the whole table
  for (let i = 1; i <= 6; i++) m.update(u32(i), u32(i));
  m.lookup(u32(1)); // a control-plane read: no use
  m.lookup(u32(2), true); // a guest-style read: used
  m.update(u32(3), u32(33)); // an update is a use
  m.update(u32(7), u32(7)); // evicts 1, the oldest
  assert.is(m.lookup(u32(1)), undefined);
  m.update(u32(8), u32(8)); // evicts 4
  assert.is(m.lookup(u32(4)), undefined);
  assert.equal([2, 3, 5, 6, 7, 8].map((k) => m.lookup(u32(k)) !== undefined), new Array(6).fill(true));
  assert.is(m.count, 6);
  assert.is(r.dv.getUint32(m.desc + D_CLOCK, true), 10);
});

test('array: every index exists, NOEXIST and out-of-range are EINVAL, delete is EINVAL, clear zeroes', () => {
  const m = fresh().declare('cfg', 'array', 4, 6, 3);
  assert.equal(m.lookup(u32(2)), new Uint8Array(6));
  m.update(u32(1), ascii('abcdef'));
  assert.equal(m.lookup(u32(1)), ascii('abcdef'));
  assert.is(m.lookup(u32(3)), undefined);
  assert.is(m.tryUpdate(u32(3), ascii('abcdef')), -22);
  assert.is(m.tryUpdate(u32(0), ascii('abcdef'), 'noexist'), -22);
  assert.is(m.tryDelete(u32(1)), -22);
  assert.is(m.count, 3);
  assert.equal([...m.entries()].map(([k]) => k[0]), [0, 1, 2]);
  m.clear();
  assert.equal(m.lookup(u32(1)), new Uint8Array(6));
});

test('counters: per-slot values summed; update sets slot 0 and zeroes the rest', () => {
  const r = fresh();
  const m = r.declare('hits', 'counters', 4, 8, 2);
  const base = m.info.base;
  r.dv.setBigUint64(base + 64 + 0, 5n, true);
  r.dv.setBigUint64(base + 64 + 8 * 7, 6n, true);
  assert.equal(m.counter(1), { total: 11n, slots: [5n, 0n, 0n, 0n, 0n, 0n, 0n, 6n] });
  m.update(u32(1), u64(100n));
  assert.is(m.counter(1).total, 100n);
  assert.is(m.lookup(u32(1))!.length, 64);
  try { m.counter(2); assert.unreachable(); } catch (e) { assert.match((e as Error).message, /outside 0..1/); }
  try { r.declare('h', 'hash', 4, 4, 1).counter(0); assert.unreachable(); } catch (e) { assert.match((e as Error).message, /not counters/); }
});

test('wrong key or value sizes are refused with the expected size', () => {
  const m = fresh().declare('h', 'hash', 4, 8, 10);
  try { m.lookup(new Uint8Array(3)); assert.unreachable(); } catch (e) { assert.match((e as Error).message, /keys are 4 bytes, got 3/); }
  try { m.update(u32(1), new Uint8Array(4)); assert.unreachable(); } catch (e) { assert.match((e as Error).message, /values are 8 bytes, got 4/); }
});

test.run();
