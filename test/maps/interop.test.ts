// The guest and the control plane on one memory: each reads what the other
// wrote, full maps fail (or evict) without touching anything else, control
// plane writes between batches take effect, and maps survive a new instance.

import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Batch } from '../../host/batch.js';
import { PROJECT_ROOT } from '../../host/compile.js';
import { isWasmxdpError } from '../../host/errors.js';
import { DESC_SIZE, MAPS_OFFSET, MapKind } from '../../host/maps/layout.js';
import { MapsRegion } from '../../host/maps/region.js';
import { Sandbox } from '../../host/sandbox.js';
import { guestModule, loadBatch } from '../helpers/guest.js';
import { VECTORS_FILE, Vectors } from './gen-vectors.js';
import { GuestExecutor, Op, TsExecutor, regionDigest } from './ops.js';

const test = suite('maps interop');
const guest = (name: string) => path.join(PROJECT_ROOT, 'test/maps/guests', name);
let opsModule: WebAssembly.Module;
let countModule: WebAssembly.Module;

test.before(async () => {
  opsModule = await guestModule(guest('ops.ts'));
  countModule = await guestModule(guest('count.ts'));
});

// The ops guest declares maps step by step, after start-up.
const quiet = { log: () => {}, mapDeclare: 'always' as const };
const u32 = (n: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n, true); return b; };
const u64 = (n: bigint) => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, n, true); return b; };
const readU64 = (b: Uint8Array, at = 0) => new DataView(b.buffer, b.byteOffset).getBigUint64(at, true);

test('each side reads what the other wrote: the vector scenarios with ops alternating between TS and guest', () => {
  const vectors = JSON.parse(fs.readFileSync(VECTORS_FILE, 'utf8')) as Vectors;
  for (const [pattern, pick] of [['alternate', (i: number) => i % 2], ['pairs', (i: number) => (i >> 1) % 2]] as const) {
    for (const s of vectors.scenarios) {
      const sandbox = new Sandbox(opsModule, quiet);
      const g = new GuestExecutor(sandbox);
      const t = new TsExecutor(MapsRegion.of(sandbox.memory));
      s.steps.forEach((st, i) => {
        // Both sides learn every declared map; declaring an existing map writes nothing.
        const sides = st.op.op === 'declare' ? [g, t] : [pick(i) ? g : t];
        for (const side of sides) {
          assert.equal(side.apply(st.op), st.expect, `${pattern}: ${s.name}, step ${i} on ${side === g ? 'guest' : 'TS'}`);
        }
        assert.is(regionDigest(g.region), st.region, `${pattern}: ${s.name}, step ${i}: region bytes`);
      });
    }
  }
});

test('a full hash map returns E2BIG and a full LRU map evicts; the directory and the other maps stay intact', () => {
  const sandbox = new Sandbox(opsModule, quiet);
  const g = new GuestExecutor(sandbox);
  const region = g.region;
  const decl: Op[] = [
    { op: 'declare', slot: 0, name: 'before', kind: MapKind.ARRAY, keySize: 4, valueSize: 16, maxEntries: 8 },
    { op: 'declare', slot: 1, name: 'full', kind: MapKind.HASH, keySize: 4, valueSize: 8, maxEntries: 16 },
    { op: 'declare', slot: 2, name: 'lru', kind: MapKind.LRU_HASH, keySize: 4, valueSize: 8, maxEntries: 8 },
    { op: 'declare', slot: 3, name: 'after', kind: MapKind.HASH, keySize: 4, valueSize: 4, maxEntries: 8 },
  ];
  for (const op of decl) assert.is(g.apply(op).result, 1);
  const before = region.get('before'), after = region.get('after'), full = region.get('full'), lru = region.get('lru');
  for (let i = 0; i < 8; i++) {
    before.update(u32(i), new Uint8Array(16).fill(0xa0 + i));
    after.update(u32(i), u32(0xbeef0000 + i));
  }
  const snapshot = (name: string) => {
    const i = region.get(name).info;
    return region.u8.slice(i.base, i.base + i.byteSize);
  };
  const dirBefore = region.list().filter((m) => m.name === 'before' || m.name === 'after')
    .map((m) => region.u8.slice(m.desc, m.desc + DESC_SIZE));
  const bodies = [snapshot('before'), snapshot('after')];
  const header = region.u8.slice(MAPS_OFFSET, MAPS_OFFSET + 0x100);

  const results: number[] = [];
  for (let i = 0; i < 40; i++) results.push(g.apply({ op: 'update', slot: 1, key: '0' + i.toString(16).padStart(7, '0'), value: '0100000000000000', flags: 0 }).result);
  assert.equal(results.slice(0, 16), new Array(16).fill(0));
  assert.equal(results.slice(16), new Array(24).fill(-7));
  assert.is(full.info.count, 16);
  assert.is([...full.entries()].length, 16);
  for (let i = 0; i < 100; i++) {
    assert.is(g.apply({ op: 'update', slot: 2, key: Buffer.from(u32(i)).toString('hex'), value: Buffer.from(u64(BigInt(i))).toString('hex'), flags: 0 }).result, 0);
  }
  assert.is(lru.info.count, 8);
  assert.equal(lru.lookup(u32(99)), u64(99n), 'the newest entry is never the one evicted');
  for (const [k, v] of lru.entries()) assert.is(readU64(v), BigInt(new DataView(k.buffer).getUint32(0, true)));

  assert.equal(region.u8.slice(MAPS_OFFSET, MAPS_OFFSET + 0x100), header, 'region header unchanged');
  const dirAfter = region.list().filter((m) => m.name === 'before' || m.name === 'after')
    .map((m) => region.u8.slice(m.desc, m.desc + DESC_SIZE));
  assert.equal(dirAfter, dirBefore, 'descriptors of the other maps unchanged');
  assert.equal([snapshot('before'), snapshot('after')], bodies, 'bodies of the other maps unchanged');
  assert.equal(region.list().map((m) => m.name), ['before', 'full', 'lru', 'after']);
});

function frame(key: number): Uint8Array {
  const f = new Uint8Array(64);
  new DataView(f.buffer).setUint32(0, key, true);
  return f;
}

function runBatch(sandbox: Sandbox, batch: Batch, keys: number[]): { action: number; count: bigint }[] {
  loadBatch(sandbox, batch, keys.map(frame));
  sandbox.run(batch, 0n);
  const out = [];
  for (let i = 0; i < batch.n; i++) {
    out.push({ action: batch.action[i], count: new DataView(sandbox.bytes.buffer).getBigUint64(batch.outAddr[i] + 4, true) });
  }
  return out;
}

test('control plane writes between batches: deletes, updates and a block list the counting guest sees at once', () => {
  const sandbox = new Sandbox(countModule, quiet);
  const region = MapsRegion.of(sandbox.memory);
  const batch = new Batch();
  const seen = region.get('seen');
  const packets = region.get('packets');

  let r = runBatch(sandbox, batch, [1, 2, 1, 3, 1]);
  assert.equal(r.map((x) => x.count), [1n, 1n, 2n, 1n, 3n]);
  assert.equal(seen.lookup(u32(1)), u64(3n));

  // Between batches: forget 1, set 2 to 100, add 7 with 40, block 3.
  assert.ok(seen.delete(u32(1)));
  seen.update(u32(2), u64(100n), 'exist');
  seen.update(u32(7), u64(40n), 'noexist');
  region.get('block').update(u32(0), u32(3));

  r = runBatch(sandbox, batch, [1, 2, 7, 3, 3]);
  assert.equal(r.map((x) => x.count), [1n, 101n, 41n, 2n, 3n]);
  assert.equal(r.map((x) => x.action), [2, 2, 2, 1, 1]);
  assert.is(packets.counter(0).total, 10n);

  // Fill it: 16 entries at most, the rest counted as overflow, existing keys still counted.
  seen.clear();
  r = runBatch(sandbox, batch, Array.from({ length: 20 }, (_, i) => 100 + i));
  assert.is(seen.info.count, 16);
  assert.equal(r.slice(16).map((x) => x.count), new Array(4).fill(0xffffffffffffffffn));
  assert.is(packets.counter(1).total, 4n);
  r = runBatch(sandbox, batch, [100]);
  assert.is(r[0].count, 2n);
});

test('maps survive a new instance on the same memory (hot swap) and a shape mismatch stops the new module with the reason', async () => {
  const first = new Sandbox(countModule, quiet);
  const batch = new Batch();
  runBatch(first, batch, [5, 5, 5]);
  const second = new Sandbox(countModule, { ...quiet, memory: first.memory });
  assert.equal(runBatch(second, batch, [5]).map((x) => x.count), [4n]);
  assert.is(MapsRegion.of(first.memory).get('packets').counter(0).total, 4n);

  const mismatch = await guestModule(guest('mismatch.ts'));
  try {
    new Sandbox(mismatch, { ...quiet, memory: first.memory });
    assert.unreachable('a module declaring an existing map with another shape must not start');
  } catch (e) {
    assert.ok(isWasmxdpError(e), String(e));
    assert.is(e.code, 'E_INSTANTIATE');
    assert.match(e.message, /map 'seen'/);
    assert.match(e.message, /another kind, key size, value size or max entries/);
  }
  // Still intact for the running version.
  assert.equal(MapsRegion.of(first.memory).get('seen').lookup(u32(5)), u64(4n));
});

test.run();
