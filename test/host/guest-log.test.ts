import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { GuestLog } from '../../host/guest-log.js';

const test = suite('host/guest-log');

test('trap reports are rate-limited per program; notices are not', () => {
  const lines: string[] = [];
  const log = new GuestLog('p', (l) => lines.push(l), 3);
  for (let i = 0; i < 10; i++) log.trap('unreachable', `t${i}`);
  log.notice('quarantined: because');
  assert.equal(lines, ['[p] trap (unreachable): t0', '[p] trap (unreachable): t1', '[p] trap (unreachable): t2', '[p] quarantined: because']);
});

test('log text is bounded by the memory and 1 KiB', () => {
  const lines: string[] = [];
  const log = new GuestLog('p', (l) => lines.push(l));
  const mem = new Uint8Array(4096).fill(0x61);
  log.write(1, mem, 4090, 100);
  log.write(2, mem, 0, 5000);
  log.write(3, mem, 10_000, 5);
  assert.equal(lines, ['[p] info: aaaaaa', `[p] warn: ${'a'.repeat(1024)}`]);
});

test.run();
