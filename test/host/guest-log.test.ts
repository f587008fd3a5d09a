import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { GuestLog } from '../../host/guest-log.js';
import { loadModule } from '../../host/load.js';
import { Sandbox } from '../../host/sandbox.js';
import { logSink, loggerGuest, runBatch, tagged, watText } from './fixtures.js';

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

const FORGED = '\n[wasmxdp] fake line\x1b[2J\r\u2028x\u202e';

test('guest log text cannot forge a line or send an escape sequence', () => {
  const lines: string[] = [];
  const log = new GuestLog('fw v2', (l) => lines.push(l));
  log.write(1, new TextEncoder().encode(FORGED), 0, 100);
  log.trap('abort', `guest aborted: ${FORGED}`);
  log.notice(`quarantined: ${FORGED}`);
  assert.is(lines.length, 3);
  for (const l of lines) {
    assert.not.match(l, /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202e]/, JSON.stringify(l));
    assert.ok(l.startsWith('[fw v2] '), l);
  }
  assert.is(lines[0], '[fw v2] info: \\x0a[wasmxdp] fake line\\x1b[2J\\x0d\\u2028x\\u202e');
});

test('after rename() lines name the new program, which gets its own rate window', () => {
  const lines: string[] = [];
  const log = new GuestLog('fw v1', (l) => lines.push(l), 2);
  for (let i = 0; i < 5; i++) log.trap('abort', `t${i}`);
  log.rename('fw-next v2');
  log.trap('abort', 'new');
  assert.equal(lines, ['[fw v1] trap (abort): t0', '[fw v1] trap (abort): t1', '[fw v1] 3 log line(s) suppressed (rate limit 2/s)', '[fw-next v2] trap (abort): new']);
});

test('a sandbox names the running version in guest lines: after a swap, the new one; a failed swap names the one refused', () => {
  const { lines, log } = logSink();
  const sb = new Sandbox(loadModule(loggerGuest(FORGED)), { log, name: 'first', version: 1 });
  runBatch(sb, [tagged(1)]);
  sb.redeploy(loadModule(loggerGuest('second speaking')), { name: 'second', version: 2 });
  runBatch(sb, [tagged(1)]);
  assert.equal(lines.length, 2);
  assert.ok(lines[0].startsWith('[first v1] info: \\x0a[wasmxdp] fake line\\x1b[2J'), lines[0]);
  assert.is(lines[1], '[second v2] info: second speaking');
  assert.is(sb.label, 'second v2');

  const noStart = watText(`(module (import "env" "memory" (memory 513))
    (global (export "wx_abi_version") i32 (i32.const 1))
    (func $s unreachable) (start $s)
    (func (export "wx_batch") (param i32) (result i32) (local.get 0)))`);
  assert.throws(() => sb.redeploy(loadModule(noStart), { name: 'third', version: 3 }), /^third v3: the module failed to start/);
  assert.is(sb.label, 'second v2', 'the running version keeps its name');
  runBatch(sb, [tagged(1)]);
  assert.is(lines[2], '[second v2] info: second speaking');
});

test.run();
