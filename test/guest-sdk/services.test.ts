// Host services seen from a guest: batch time, per-batch-seeded random numbers,
// counters in the control block, and log lines through wx.log.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { COUNTERS_OFFSET } from '../../host/abi.js';
import { PROJECT_ROOT } from '../../host/compile.js';
import { Sandbox } from '../../host/sandbox.js';
import { guestModule, runGuest } from '../helpers/guest.js';

const GUEST = path.join(PROJECT_ROOT, 'test/guest-sdk/guests/services.ts');
const test = suite('guest-sdk/services');

function report(b: Uint8Array): bigint[] {
  const dv = new DataView(b.buffer, b.byteOffset + b.length - 64, 64);
  return Array.from({ length: 6 }, (_, i) => dv.getBigUint64(i * 8, true));
}
function counterValue(s: Sandbox, i: number): bigint {
  return new DataView(s.memory.buffer).getBigUint64(COUNTERS_OFFSET + i * 8, true);
}
const op = (...b: number[]) => Uint8Array.from([...b, 0, 0, 0, 0, 0, 0, 0, 0, 0].slice(0, Math.max(b.length, 16)));

let lines: string[] = [];
let sandbox: Sandbox;
test.before.each(async () => {
  lines = [];
  sandbox = new Sandbox(await guestModule(GUEST), { log: (l) => lines.push(l), name: 'svc' });
});

test('now() is the batch time the host wrote', async () => {
  const { results } = await runGuest(GUEST, [op(0), op(0)], { sandbox, nowNs: 123_456_789_012n });
  for (const r of results) assert.is(report(r.bytes)[0], 123_456_789_012n);
});

test('random() differs between calls, packets and batches', async () => {
  const a = await runGuest(GUEST, [op(0), op(0)], { sandbox });
  const b = await runGuest(GUEST, [op(0)], { sandbox });
  const values = [...a.results, ...b.results].flatMap((r) => report(r.bytes).slice(1, 5));
  assert.is(new Set(values).size, values.length, 'no repeats among 12 draws');
  assert.ok(values.every((v) => v <= 0xffffffffn));
  // Roughly uniform: the top bit is set in some and clear in others.
  assert.ok(values.some((v) => v >= 0x80000000n) && values.some((v) => v < 0x80000000n));
});

test('counterAdd and counter(i).add accumulate in the control block', async () => {
  const { results } = await runGuest(GUEST, [op(1, 0, 5, 3), op(1, 0, 5, 4), op(2, 0x03, 0xff, 9), op(1, 0x04, 0x00, 1)], { sandbox });
  assert.is(counterValue(sandbox, 5), 7n);
  assert.is(counterValue(sandbox, 1023), 9n);
  assert.is(report(results[0].bytes)[5], 1n);
  assert.is(report(results[3].bytes)[5], 0n, 'counterAdd(1024) reports false');
  assert.is(counterValue(sandbox, 0), 0n);
});

test('counter(i) out of range aborts with a message naming the problem', async () => {
  const { results, stats } = await runGuest(GUEST, [op(2, 0x04, 0x00, 1)], { sandbox });
  assert.is(stats.traps, 1);
  assert.is(stats.trapsByKind.abort, 1);
  assert.match(String(stats.lastTrap), /counter index out of range/);
  assert.is(results[0].action, 0);
});

test('log() sends UTF-8 text with its level; the composed line formats numbers', async () => {
  await runGuest(GUEST, [op(3, 3, 0, 0), op(4, 0, 0, 0, 0, 0, 0, 0x12, 0x34)], { sandbox });
  assert.equal(lines, ['[svc] error: héllo ✓ wörld 🚀', '[svc] warn: value=4660 hex=0x1234']);
});

test.run();
