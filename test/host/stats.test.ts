import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ProgramStats, TIMING_RING } from '../../host/stats.js';

const test = suite('host/stats');

test('avg is over all packets, p99 over the recent batches', () => {
  const s = new ProgramStats();
  for (let i = 0; i < 99; i++) s.recordBatch(10, 1000); // 100 ns/packet
  s.recordBatch(10, 100_000); // one slow batch: 10 µs/packet
  const snap = s.snapshot();
  assert.is(snap.nsPerPacket.avg, Math.round((99 * 1000 + 100_000) / 1000));
  assert.is(snap.nsPerPacket.p99, 100);
  s.recordBatch(10, 100_000);
  assert.is(s.snapshot().nsPerPacket.p99, 10_000, 'two slow batches in 101 reach the 99th percentile');
});

test('the timing ring keeps only the last TIMING_RING batches', () => {
  const s = new ProgramStats();
  for (let i = 0; i < TIMING_RING; i++) s.recordBatch(1, 5000);
  for (let i = 0; i < TIMING_RING; i++) s.recordBatch(1, 50);
  assert.is(s.snapshot().nsPerPacket.p99, 50);
});

test('traps are counted by kind and the snapshot is plain JSON', () => {
  const s = new ProgramStats();
  s.recordTrap('fuel', 'fuel exhausted');
  s.recordTrap('abort', 'guest aborted: x at a.ts:1:2');
  s.recordTrap('abort', 'guest aborted: y');
  const snap = s.snapshot();
  assert.is(snap.traps, 3);
  assert.is(snap.trapsByKind.abort, 2);
  assert.is(snap.fuelExhaustions, 1);
  assert.is(snap.lastTrap, 'abort: guest aborted: y');
  assert.equal(JSON.parse(JSON.stringify(snap)), snap);
  assert.equal(s.snapshot().nsPerPacket, { avg: 0, p99: 0 });
});

test.run();
