// The capture ring: frames come out in order and intact across many
// wrap-arounds; a full ring drops (and counts) instead of waiting.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CaptureRing } from '../../../pipeline/capture/capture-ring.js';

const frame = (i: number, len: number) => Buffer.from(Array.from({ length: len }, (_, j) => (i * 7 + j) & 0xff));

test('in order and intact across wrap-arounds, with frames of every size', () => {
  const ring = CaptureRing.create(1000);
  let next = 0, seen = 0;
  for (let round = 0; round < 2000; round++) {
    const k = 1 + (round % 3);
    for (let j = 0; j < k; j++) {
      const len = 1 + ((next * 37) % 200);
      const f = frame(next, len);
      if (ring.push(f, 0, len, len + 5, next % 5, next, next * 1.5)) next++;
    }
    for (const c of ring.drain(round % 2 ? 1 : Infinity)) {
      const len = 1 + ((seen * 37) % 200);
      assert.equal(Buffer.from(c.data), frame(seen, len), `frame ${seen}`);
      assert.equal([c.origLen, c.verdict, c.target, c.tsMs], [len + 5, seen % 5, seen, seen * 1.5]);
      seen++;
    }
  }
  for (const c of ring.drain()) { assert.is(c.target, seen); seen++; }
  assert.is(seen, next);
  assert.ok(next > 3000);
});

test('a full ring drops and counts; draining makes room again', () => {
  const ring = CaptureRing.create(256);
  const f = frame(1, 64);
  let ok = 0;
  for (let i = 0; i < 10; i++) if (ring.push(f, 0, 64, 64, 1, 0, 0)) ok++;
  assert.is(ok, 2, 'two 96-byte records fit in 256 bytes (the write offset never reaches the read offset)');
  assert.is(ring.dropped, 8);
  assert.is(ring.captured, 2);
  assert.is(ring.drain().length, 2);
  assert.ok(ring.push(f, 0, 64, 64, 1, 0, 0));
});

test.run();
