import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Action, VERDICT_OFFSET, VERDICT_SIZE } from '../../host/abi.js';
import { Batch } from '../../host/batch.js';
import { ProgramStats } from '../../host/stats.js';
import { batchCheck, GuestWindow } from '../../host/batch-check.js';

const test = suite('host/verdicts');

const ADDR = 0x20100, LEN = 100, HEAD = 256, TAIL = 1692;

/** One packet, one record {action word, addr, len}; returns the accepted result. */
function judge(word: number, addr: number, len: number, portCount = 2) {
  const dv = new DataView(new ArrayBuffer(0x4000));
  const b = new Batch();
  b.push(ADDR, LEN, 0, 0, HEAD, TAIL);
  dv.setUint32(VERDICT_OFFSET, word >>> 0, true);
  dv.setUint32(VERDICT_OFFSET + 4, addr >>> 0, true);
  dv.setUint32(VERDICT_OFFSET + 8, len >>> 0, true);
  const stats = new ProgramStats();
  batchCheck(b).accept(new GuestWindow(new Uint32Array(dv.buffer)), 0, 1, portCount, stats);
  return { action: b.action[0], target: b.target[0], addr: b.outAddr[0], len: b.outLen[0], invalid: stats.invalidVerdicts };
}

test('honest answers are taken as given, including the frame edges', () => {
  assert.equal(judge(Action.PASS, ADDR, LEN), { action: Action.PASS, target: 0, addr: ADDR, len: LEN, invalid: 0 });
  assert.equal(judge(Action.TX, ADDR - HEAD, HEAD + LEN + TAIL), { action: Action.TX, target: 0, addr: ADDR - HEAD, len: HEAD + LEN + TAIL, invalid: 0 });
  assert.equal(judge(Action.REDIRECT | (1 << 8), ADDR + LEN + TAIL, 0), { action: Action.REDIRECT, target: 1, addr: ADDR + LEN + TAIL, len: 0, invalid: 0 });
});

test('anything outside the host\'s frame or the action space is ABORTED with the host\'s descriptor', () => {
  const lies: [string, number, number, number][] = [
    ['unknown action', 5, ADDR, LEN],
    ['sentinel', 0xffffffff, 0xffffffff, 0xffffffff],
    ['target bits on DROP', Action.DROP | (1 << 8), ADDR, LEN],
    ['redirect to port count', Action.REDIRECT | (2 << 8), ADDR, LEN],
    ['redirect to 2^24-1', Action.REDIRECT | 0xffffff00, ADDR, LEN],
    ['one byte before the frame', Action.TX, ADDR - HEAD - 1, LEN],
    ['one byte past the frame', Action.TX, ADDR, LEN + TAIL + 1],
    ['start past the frame end', Action.PASS, ADDR + LEN + TAIL + 1, 0],
    ['len wrapping 2^32', Action.PASS, ADDR, 0xffffffff],
    ['addr+len wrapping 2^32', Action.PASS, 0xfffffff0, 0x20],
    ['control block', Action.PASS, 0, 16],
  ];
  for (const [why, word, addr, len] of lies) {
    assert.equal(judge(word, addr, len), { action: Action.ABORTED, target: 0, addr: ADDR, len: LEN, invalid: 1 }, why);
  }
});

test('records map to batch packets from `start`', () => {
  const dv = new DataView(new ArrayBuffer(0x4000));
  const b = new Batch();
  for (let i = 0; i < 4; i++) b.push(ADDR + i * 2048, LEN, 0, 0, HEAD, TAIL);
  // records 0 and 1 answer packets 2 and 3
  dv.setUint32(VERDICT_OFFSET, Action.DROP, true); dv.setUint32(VERDICT_OFFSET + 4, ADDR + 2 * 2048, true); dv.setUint32(VERDICT_OFFSET + 8, LEN, true);
  dv.setUint32(VERDICT_OFFSET + VERDICT_SIZE, Action.PASS, true); dv.setUint32(VERDICT_OFFSET + VERDICT_SIZE + 4, ADDR, true); dv.setUint32(VERDICT_OFFSET + VERDICT_SIZE + 8, LEN, true);
  const stats = new ProgramStats();
  batchCheck(b).accept(new GuestWindow(new Uint32Array(dv.buffer)), 2, 2, 1, stats);
  assert.is(b.action[2], Action.DROP);
  assert.is(b.action[3], Action.ABORTED, 'packet 3 may not answer with packet 0\'s frame');
  assert.is(stats.invalidVerdicts, 1);
});

test.run();
