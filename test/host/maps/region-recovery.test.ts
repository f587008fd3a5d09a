// The maps region after a guest scribbled over it, and after maps were
// removed or reallocated: a corrupt descriptor is reported (not thrown) by
// scan, refused without reset and recreated with it; removed and outgrown
// bodies and directory entries are used again.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { D_BASE, D_KIND, DIR_CAPACITY, MAPS_OFFSET, MAPS_SIZE, MapKind, R_MAGIC } from '../../../host/maps/layout.js';
import { MapsRegion } from '../../../host/maps/region.js';

const test = suite('maps region: corruption and reclaimed space');
const fresh = () => new MapsRegion(new Uint8Array(MAPS_OFFSET + MAPS_SIZE));
const MiB = 1024 * 1024;
const u32 = (n: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n, true); return b; };

test('a corrupt descriptor: scan reports it, list and get name it, declare without reset refuses, with reset recreates it empty', () => {
  const r = fresh();
  const hits = r.declare('hits', 'counters', 4, 8, 8);
  hits.update(u32(0), new Uint8Array(8).fill(1));
  r.declare('other', 'hash', 4, 4, 16);
  r.dv.setUint32(hits.desc + D_BASE, 0xfffffff0, true); // what a hostile guest does
  const scan = r.scan();
  assert.is(scan.length, 2);
  assert.is(scan[0].info.name, 'hits');
  assert.match(scan[0].problem!, /out of range/);
  assert.is(scan[1].problem, undefined);
  assert.throws(() => r.list(), /map 'hits'.*corrupt.*--reset-maps or roll back/);
  const refused = r.declareBytes(new TextEncoder().encode('hits'), { kind: MapKind.COUNTERS, keySize: 4, valueSize: 8, maxEntries: 8 }, false);
  assert.is(refused.code, -17);
  assert.match(refused.message!, /corrupt.*--reset-maps/);
  const again = r.declare('hits', 'counters', 4, 8, 8, { reset: true });
  assert.is(again.desc, hits.desc, 'same directory entry');
  assert.is(r.scan().filter((e) => e.problem).length, 0);
  assert.is(again.counter(0).total, 0n, 'recreated empty');
  assert.is(r.list().length, 2);
});

test('a corrupt entry can be freed, and a scribbled header is rewritten', () => {
  const r = fresh();
  const m = r.declare('m', 'array', 4, 8, 4);
  r.dv.setUint32(m.desc + D_KIND, 77, true);
  r.dv.setUint32(MAPS_OFFSET + R_MAGIC, 0, true);
  r.removeDesc(m.desc);
  r.repairHeader();
  assert.is(r.scan().length, 0);
  assert.is(new MapsRegion(r.u8).scan().length, 0, 'the header is valid again (a new view does not reformat)');
});

test('space of a removed map is used again: two 10 MiB maps one after the other fit a 16 MiB region', () => {
  const r = fresh();
  r.declare('big', 'array', 4, 8, 10 * MiB / 8);
  assert.throws(() => r.declare('big2', 'array', 4, 8, 10 * MiB / 8), /no room/);
  assert.ok(r.remove('big'));
  r.declare('big2', 'array', 4, 8, 10 * MiB / 8);
  assert.is(r.list().map((i) => i.name).join(), 'big2');
});

test('a body outgrown by a reset is used again', () => {
  const r = fresh();
  r.declare('x', 'array', 4, 8, 6 * MiB / 8);
  r.declare('x', 'array', 4, 8, 9 * MiB / 8, { reset: true }); // moves to a new 9 MiB body
  const y = r.declare('y', 'array', 4, 8, 6 * MiB / 8); // fits only in x's old body
  assert.ok(y.info.base < r.get('x').info.base);
});

test('directory entries of removed maps are used again', () => {
  const r = fresh();
  for (let i = 0; i < DIR_CAPACITY; i++) r.declare(`m${i}`, 'counters', 4, 8, 1);
  assert.throws(() => r.declare('one-more', 'counters', 4, 8, 1), /directory is full/);
  for (let i = 1; i < DIR_CAPACITY; i++) r.remove(`m${i}`);
  for (let i = 0; i < DIR_CAPACITY - 1; i++) r.declare(`n${i}`, 'counters', 4, 8, 1);
  assert.is(r.list().length, DIR_CAPACITY);
});

test.run();
