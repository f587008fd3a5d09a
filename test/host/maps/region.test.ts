import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { WasmxdpError } from '../../../host/errors.js';
import {
  BODIES_OFFSET, D_BASE, D_SLOT_SIZE, DIR_CAPACITY, DIR_OFFSET, MAPS_MAGIC, MAPS_OFFSET, MAPS_SIZE, MapKind, R_NEXT_FREE,
} from '../../../host/maps/layout.js';
import { MapsRegion } from '../../../host/maps/region.js';

const test = suite('host/maps/region');
const fresh = () => new MapsRegion(new Uint8Array(MAPS_OFFSET + MAPS_SIZE));
const u32 = (n: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n, true); return b; };

function throwsMap(fn: () => unknown, code: string, re: RegExp): void {
  try { fn(); } catch (e) {
    assert.instance(e, WasmxdpError);
    assert.is((e as WasmxdpError).code, code);
    assert.match((e as Error).message, re);
    return;
  }
  assert.unreachable(`expected ${code} ${re}`);
}

test('a new region is formatted: magic, empty directory, bodies after it', () => {
  const r = fresh();
  assert.is(r.dv.getUint32(MAPS_OFFSET, true), MAPS_MAGIC);
  assert.equal(r.list(), []);
  assert.is(r.usedBytes, BODIES_OFFSET);
});

test('declare allocates 64-byte aligned bodies in order and finds existing maps by name', () => {
  const r = fresh();
  const a = r.declare('a', 'hash', 4, 4, 10);
  const b = r.declare('b', 'array', 4, 3, 5);
  const ia = a.info, ib = b.info;
  assert.is(ia.base, MAPS_OFFSET + BODIES_OFFSET);
  assert.is(ia.byteSize, 16 * 24); // 10 entries -> 16 buckets of {state, stamp, key padded to 8, value padded to 8}
  assert.is(ib.base % 64, 0);
  assert.ok(ib.base >= ia.base + ia.byteSize);
  assert.is(ib.byteSize, 5 * 8);
  assert.is(r.dv.getUint32(ib.desc + D_SLOT_SIZE, true), 8);
  assert.is(r.declare('a', MapKind.HASH, 4, 4, 10).desc, a.desc);
  assert.equal(r.list().map((m) => [m.name, m.kindName, m.generation]), [['a', 'hash', 1], ['b', 'array', 1]]);
});

test('a mismatched declare names the map and what differs', () => {
  const r = fresh();
  r.declare('flows', 'hash', 16, 8, 100);
  throwsMap(() => r.declare('flows', 'lru_hash', 16, 16, 100), 'E_MAP', /map 'flows' exists with kind hash \(declared lru_hash\), value size 8 \(declared 16\).*reset/);
  throwsMap(() => r.declare('flows', 'hash', 16, 8, 101), 'E_MAP', /max entries 100 \(declared 101\)/);
});

test('reset clears a map of the same shape and reallocates a larger one, keeping its descriptor', () => {
  const r = fresh();
  const m = r.declare('m', 'hash', 4, 4, 8);
  m.update(u32(1), u32(2));
  const first = m.info;
  const again = r.declare('m', 'hash', 4, 4, 8, { reset: true });
  assert.is(again.desc, m.desc);
  assert.is(again.info.count, 0);
  assert.is(again.info.base, first.base);
  assert.is(again.info.generation, 2);
  assert.is(again.lookup(u32(1)), undefined);
  const big = r.declare('m', 'lru_hash', 8, 8, 100, { reset: true });
  assert.is(big.desc, m.desc);
  assert.ok(big.info.base > first.base);
  assert.is(big.info.kindName, 'lru_hash');
  const small = r.declare('m', 'array', 4, 4, 2, { reset: true });
  assert.is(small.info.base, big.info.base, 'a smaller shape reuses the body');
});

test('invalid shapes and names are refused with the reason', () => {
  const r = fresh();
  throwsMap(() => r.declare('', 'hash', 4, 4, 1), 'E_MAP', /1 to 32 bytes/);
  throwsMap(() => r.declare('x'.repeat(33), 'hash', 4, 4, 1), 'E_MAP', /1 to 32 bytes/);
  throwsMap(() => r.declare('a', 'array', 8, 4, 1), 'E_MAP', /keySize is 4/);
  throwsMap(() => r.declare('a', 'counters', 4, 4, 1), 'E_MAP', /valueSize 8/);
  throwsMap(() => r.declare('a', 'hash', 0, 4, 1), 'E_MAP', /keySize must be 1 to 256/);
  throwsMap(() => r.declare('a', 'hash', 4, 4, 0), 'E_MAP', /maxEntries/);
  throwsMap(() => r.declare('a', 'bogus' as never, 4, 4, 1), 'E_MAP', /unknown kind/);
  assert.is(r.declare('é'.repeat(16), 'hash', 4, 4, 1).name, 'é'.repeat(16));
});

test('the directory and the region fill up with ENOSPC, leaving existing maps usable', () => {
  const r = fresh();
  for (let i = 0; i < DIR_CAPACITY; i++) r.declare(`m${i}`, 'array', 4, 8, 1);
  throwsMap(() => r.declare('one-more', 'array', 4, 8, 1), 'E_MAP', /directory is full \(64 maps\)/);
  const r2 = fresh();
  r2.declare('big', 'array', 4, 65536, 200); // 13.1 MB
  throwsMap(() => r2.declare('big2', 'array', 4, 65536, 100), 'E_MAP', /no room in the maps region/);
  r2.get('big').update(u32(199), new Uint8Array(65536).fill(7));
  assert.is(r2.get('big').lookup(u32(199))![65535], 7);
});

test('remove frees the name, the directory entry and the body; the next declare starts empty', () => {
  const r = fresh();
  const m = r.declare('gone', 'hash', 4, 4, 8);
  m.update(u32(1), u32(1));
  const oldBase = m.info.base;
  assert.ok(r.remove('gone'));
  assert.not.ok(r.remove('gone'));
  assert.equal(r.list(), []);
  const again = r.declare('gone', 'hash', 4, 8, 8);
  assert.is.not(again.desc, m.desc, 'never-used directory entries are taken first');
  assert.is(again.info.base, oldBase, 'the freed body is used again');
  assert.equal(again.lookup(u32(1)), undefined, 'and starts empty');
  assert.is(again.info.count, 0);
  assert.is(r.dv.getUint32(MAPS_OFFSET + 0x0c, true), 1);
  for (let i = 0; i < DIR_CAPACITY - 1; i++) r.declare(`fill${i}`, 'array', 4, 4, 1);
  assert.is(r.list().length, DIR_CAPACITY);
  assert.ok(r.list().some((i) => i.desc === m.desc), 'a removed entry is reused once nothing else is free');
});

test('get names the maps there are; find returns undefined', () => {
  const r = fresh();
  r.declare('x', 'counters', 4, 8, 1);
  assert.is(r.find('y'), undefined);
  throwsMap(() => r.get('y'), 'E_NOT_FOUND', /no map named 'y'; this memory has x/);
});

test('a corrupted descriptor is reported, not followed', () => {
  const r = fresh();
  const m = r.declare('victim', 'hash', 4, 4, 8);
  r.dv.setUint32(m.desc + D_BASE, 0x10, true); // into the control block
  throwsMap(() => m.lookup(u32(1)), 'E_MAP', /'victim'.*corrupt/);
  throwsMap(() => r.list(), 'E_MAP', /corrupt/);
});

test('the region is found again on the same memory, and formatted only when its magic is missing', () => {
  const memory = new WebAssembly.Memory({ initial: (MAPS_OFFSET + MAPS_SIZE) / 65536, maximum: (MAPS_OFFSET + MAPS_SIZE) / 65536 });
  const r = MapsRegion.of(memory);
  assert.is(MapsRegion.of(memory), r);
  r.declare('kept', 'array', 4, 4, 4).update(u32(3), u32(9));
  const again = new MapsRegion(memory);
  assert.equal(again.get('kept').lookup(u32(3)), u32(9));
  assert.ok(again.dv.getUint32(MAPS_OFFSET + R_NEXT_FREE, true) > BODIES_OFFSET);
  again.format();
  assert.equal(again.list(), []);
  assert.is(DIR_OFFSET, 0x100);
});

test('a memory too small for the maps region is refused', () => {
  throwsMap(() => new MapsRegion(new Uint8Array(1024)), 'E_MAP', /ends before the maps region/);
});

test.run();
