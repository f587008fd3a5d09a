// The operation sequences of test/maps/vectors.json. Regenerate the file after
// a deliberate layout change (and bump MAPS_LAYOUT_VERSION):
//
//   npx tsc -p tsconfig.json && node dist/test/maps/gen-vectors.js
//
// which runs every scenario on the TS MapsRegion and records, after each op,
// its outcome and the digest of the region bytes in use.

import { MapKind } from '../../host/maps/layout.js';
import type { Op } from './ops.js';

export interface Scenario { name: string; ops: Op[] }

const hex = (...bytes: number[]) => bytes.map((b) => (b & 0xff).toString(16).padStart(2, '0')).join('');
const u32 = (n: number) => hex(n, n >> 8, n >> 16, n >> 24);
const u64 = (n: number) => u32(n) + u32(Math.floor(n / 2 ** 32));

function hashBasics(): Scenario {
  const ops: Op[] = [{ op: 'declare', slot: 0, name: 'flows', kind: MapKind.HASH, keySize: 8, valueSize: 8, maxEntries: 6 }];
  for (let i = 1; i <= 6; i++) ops.push({ op: 'update', slot: 0, key: u64(i * 1000), value: u64(i), flags: 1 });
  ops.push(
    { op: 'update', slot: 0, key: u64(7000), value: u64(7), flags: 0 }, // full: E2BIG
    { op: 'update', slot: 0, key: u64(1000), value: u64(11), flags: 1 }, // NOEXIST on a present key: EEXIST
    { op: 'update', slot: 0, key: u64(9999), value: u64(9), flags: 2 }, // EXIST on an absent key: ENOENT
    { op: 'update', slot: 0, key: u64(1000), value: u64(12), flags: 2 },
    { op: 'update', slot: 0, key: u64(1000), value: u64(12), flags: 3 }, // bad flags: EINVAL
    { op: 'lookup', slot: 0, key: u64(1000) },
    { op: 'lookup', slot: 0, key: u64(7000) },
  );
  for (const k of [3000, 1000, 5000, 3000]) ops.push({ op: 'delete', slot: 0, key: u64(k) });
  for (const k of [2000, 3000, 4000, 6000]) ops.push({ op: 'lookup', slot: 0, key: u64(k) });
  for (let i = 7; i <= 10; i++) ops.push({ op: 'update', slot: 0, key: u64(i * 1000), value: u64(i), flags: 0 });
  for (let i = 1; i <= 10; i++) ops.push({ op: 'lookup', slot: 0, key: u64(i * 1000) });
  return { name: 'hash: fill, full, flags, delete, reuse', ops };
}

function lruEviction(): Scenario {
  const ops: Op[] = [{ op: 'declare', slot: 1, name: 'recent', kind: MapKind.LRU_HASH, keySize: 4, valueSize: 4, maxEntries: 6 }];
  for (let i = 1; i <= 6; i++) ops.push({ op: 'update', slot: 1, key: u32(i), value: u32(i * 10), flags: 0 });
  // Use 1, 2 and 3 again: 4, 5 and 6 become the oldest.
  for (const k of [1, 2, 3]) ops.push({ op: 'lookup', slot: 1, key: u32(k) });
  for (let i = 7; i <= 9; i++) ops.push({ op: 'update', slot: 1, key: u32(i), value: u32(i * 10), flags: 0 });
  for (let i = 1; i <= 9; i++) ops.push({ op: 'lookup', slot: 1, key: u32(i) });
  ops.push({ op: 'update', slot: 1, key: u32(1), value: u32(111), flags: 1 });
  ops.push({ op: 'delete', slot: 1, key: u32(2) });
  ops.push({ op: 'update', slot: 1, key: u32(20), value: u32(200), flags: 0 });
  return { name: 'lru: touch on use, evict the oldest', ops };
}

function arraysAndCounters(): Scenario {
  const ops: Op[] = [
    { op: 'declare', slot: 2, name: 'config', kind: MapKind.ARRAY, keySize: 4, valueSize: 12, maxEntries: 4 },
    { op: 'declare', slot: 3, name: 'hits', kind: MapKind.COUNTERS, keySize: 4, valueSize: 8, maxEntries: 3 },
    { op: 'update', slot: 2, key: u32(2), value: hex(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12), flags: 0 },
    { op: 'update', slot: 2, key: u32(2), value: hex(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12), flags: 1 }, // EINVAL
    { op: 'update', slot: 2, key: u32(4), value: hex(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), flags: 0 }, // EINVAL
    { op: 'update', slot: 2, key: u32(3), value: hex(9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9), flags: 2 },
    { op: 'lookup', slot: 2, key: u32(2) },
    { op: 'lookup', slot: 2, key: u32(0) },
    { op: 'lookup', slot: 2, key: u32(4) },
    { op: 'delete', slot: 2, key: u32(2) }, // EINVAL
    { op: 'add', slot: 3, index: 1, n: 5, cpu: 0 },
    { op: 'add', slot: 3, index: 1, n: 7, cpu: 3 },
    { op: 'add', slot: 3, index: 1, n: 1, cpu: 11 }, // slot 11 & 7 = 3
    { op: 'add', slot: 3, index: 2, n: 0xffffffff, cpu: 7 },
    { op: 'add', slot: 3, index: 3, n: 1, cpu: 0 }, // out of range
    { op: 'lookup', slot: 3, key: u32(1) },
    { op: 'lookup', slot: 3, key: u32(2) },
  ];
  return { name: 'array and counters', ops };
}

function declares(): Scenario {
  return {
    name: 'declare: find by name, mismatch, invalid',
    ops: [
      { op: 'declare', slot: 0, name: 'a', kind: MapKind.HASH, keySize: 4, valueSize: 4, maxEntries: 10 },
      { op: 'declare', slot: 1, name: 'b', kind: MapKind.ARRAY, keySize: 4, valueSize: 4, maxEntries: 10 },
      { op: 'update', slot: 0, key: u32(1), value: u32(1), flags: 0 },
      { op: 'declare', slot: 2, name: 'a', kind: MapKind.HASH, keySize: 4, valueSize: 4, maxEntries: 10 }, // same map
      { op: 'lookup', slot: 2, key: u32(1) },
      { op: 'declare', slot: 3, name: 'a', kind: MapKind.HASH, keySize: 4, valueSize: 8, maxEntries: 10 }, // EEXIST
      { op: 'declare', slot: 3, name: 'a', kind: MapKind.LRU_HASH, keySize: 4, valueSize: 4, maxEntries: 10 }, // EEXIST
      { op: 'declare', slot: 3, name: '', kind: MapKind.HASH, keySize: 4, valueSize: 4, maxEntries: 10 }, // EINVAL
      { op: 'declare', slot: 3, name: 'x'.repeat(33), kind: MapKind.HASH, keySize: 4, valueSize: 4, maxEntries: 10 }, // EINVAL
      { op: 'declare', slot: 3, name: 'c', kind: 9, keySize: 4, valueSize: 4, maxEntries: 10 }, // EINVAL
      { op: 'declare', slot: 3, name: 'c', kind: MapKind.ARRAY, keySize: 8, valueSize: 4, maxEntries: 10 }, // EINVAL
      { op: 'declare', slot: 3, name: 'c', kind: MapKind.HASH, keySize: 4, valueSize: 4, maxEntries: 0 }, // EINVAL
      { op: 'declare', slot: 3, name: 'huge', kind: MapKind.HASH, keySize: 256, valueSize: 65536, maxEntries: 1000 }, // ENOSPC
      { op: 'declare', slot: 3, name: 'x'.repeat(32), kind: MapKind.HASH, keySize: 3, valueSize: 5, maxEntries: 1 },
      { op: 'update', slot: 3, key: hex(1, 2, 3), value: hex(1, 2, 3, 4, 5), flags: 0 },
      { op: 'update', slot: 3, key: hex(1, 2, 4), value: hex(1, 2, 3, 4, 5), flags: 0 }, // E2BIG
    ],
  };
}

/** xorshift32: the same pseudo-random ops on every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };
}

function randomOps(name: string, kind: MapKind, seed: number, count: number): Scenario {
  const rnd = prng(seed);
  const keySize = 5, valueSize = 3, maxEntries = 24;
  const ops: Op[] = [{ op: 'declare', slot: 0, name, kind, keySize, valueSize, maxEntries }];
  for (let i = 0; i < count; i++) {
    const k = rnd() % 40;
    const key = hex(k, k * 7, 0, k >> 3, 0x5a);
    const r = rnd() % 10;
    if (r < 5) ops.push({ op: 'update', slot: 0, key, value: hex(i, i >> 8, k), flags: [0, 0, 1, 2][rnd() % 4] });
    else if (r < 8) ops.push({ op: 'lookup', slot: 0, key });
    else ops.push({ op: 'delete', slot: 0, key });
  }
  return { name: `${name}: ${count} pseudo-random ops`, ops };
}

export function scenarios(): Scenario[] {
  return [
    hashBasics(),
    lruEviction(),
    arraysAndCounters(),
    declares(),
    randomOps('random-hash', MapKind.HASH, 0x1234567, 400),
    randomOps('random-lru', MapKind.LRU_HASH, 0x7654321, 400),
  ];
}
