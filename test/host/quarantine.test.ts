import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadModule } from '../../host/load.js';
import { Quarantine } from '../../host/quarantine.js';
import { Sandbox } from '../../host/sandbox.js';
import { actions, logSink, runBatch, tagged, wat } from './fixtures.js';

const test = suite('host/quarantine');

test('more than maxTraps traps within the window quarantine, naming count and last trap', () => {
  const q = new Quarantine({ maxTraps: 3, windowMs: 1000, maxTrapRatio: 1 });
  q.packets(1000, 0);
  assert.is(q.trap('unreachable', 'a', 0), false);
  assert.is(q.trap('unreachable', 'b', 100), false);
  assert.is(q.trap('out_of_bounds', 'c', 200), false);
  assert.is(q.active, false);
  assert.is(q.trap('out_of_bounds', 'RuntimeError: memory access out of bounds', 300), true);
  assert.is(q.status(), 'quarantined: 4 traps in 300ms (last: out_of_bounds: RuntimeError: memory access out of bounds)');
});

test('traps spread wider than the window do not quarantine', () => {
  const q = new Quarantine({ maxTraps: 2, windowMs: 1000, maxTrapRatio: 1 });
  for (let t = 0; t < 20; t++) {
    q.packets(10, t * 600);
    assert.is(q.trap('abort', 'x', t * 600), false, `trap ${t}`);
  }
  assert.is(q.status(), 'running');
});

test('a trap ratio over maxTrapRatio quarantines once minPackets were seen', () => {
  const q = new Quarantine({ maxTraps: 1000, windowMs: 1000, maxTrapRatio: 0.1, minPackets: 100 });
  q.packets(50, 0);
  for (let i = 0; i < 10; i++) assert.is(q.trap('divide_by_zero', 'd', 1), false, 'below minPackets');
  q.packets(50, 2);
  assert.is(q.trap('divide_by_zero', 'd', 3), true);
  assert.match(q.status(), /^quarantined: 11 traps in 100 packets \(11%\) within 1s \(last: divide_by_zero: d\)$/);
});

test('the ratio window restarts after windowMs', () => {
  const q = new Quarantine({ maxTraps: 1000, windowMs: 1000, maxTrapRatio: 0.5, minPackets: 10 });
  q.packets(10, 0);
  for (let i = 0; i < 5; i++) q.trap('abort', 'x', 0);
  q.packets(100, 1500);
  assert.is(q.trap('abort', 'x', 1500), false);
  assert.is(q.active, false);
});

test('guest calls that trapped taking more than maxTrapMs within the window quarantine', () => {
  const q = new Quarantine({ maxTraps: 1000, windowMs: 1000, minPackets: 1_000_000 });
  assert.is(q.maxTrapMs, 500, 'default: half the window');
  q.packets(1, 0);
  assert.is(q.trap('fuel', 'f', 300, 300), false);
  q.packets(1, 300);
  assert.is(q.trap('fuel', 'f', 600, 300), true);
  assert.match(q.status(), /^quarantined: guest calls that trapped ran 600ms within 1s, over maxTrapMs 500 \(last: fuel: f\)$/);
});

test('one batch that ran for seconds and then trapped is caught at its end', () => {
  const q = new Quarantine();
  q.packets(64, 0);
  assert.is(q.trap('unreachable', 'late', 7700, 7700), true);
  assert.match(q.status(), /ran 8s within 1s/);
});

test('trap time spread over windows does not add up', () => {
  const q = new Quarantine({ maxTrapMs: 100 });
  for (let t = 0; t < 20; t++) {
    q.packets(1000, t * 1000);
    assert.is(q.trap('fuel', 'f', t * 1000 + 90, 90), false, `trap ${t}`);
  }
});

test('a trap long after its batch started still counts in the ratio of that batch\'s window', () => {
  const q = new Quarantine({ maxTraps: 1000, windowMs: 1000, maxTrapRatio: 0.5, minPackets: 2, maxTrapMs: 1e9 });
  q.packets(2, 0);
  assert.is(q.trap('abort', 'x', 1500, 1), false);
  assert.is(q.trap('abort', 'y', 3000, 1), true);
  assert.match(q.status(), /^quarantined: 2 traps in 2 packets \(100%\)/);
});

test('clear() lifts the quarantine and forgets the history', () => {
  const q = new Quarantine({ maxTraps: 0 });
  assert.is(q.trap('fuel', 'f', 5), true);
  q.clear();
  assert.is(q.active, false);
  assert.is(q.trap('fuel', 'f', 6), true, 'maxTraps 0: the first trap after a redeploy quarantines again');
});

test('policy values are checked', () => {
  assert.throws(() => new Quarantine({ maxTraps: -1 }), /maxTraps/);
  assert.throws(() => new Quarantine({ windowMs: 0 }), /windowMs/);
  assert.throws(() => new Quarantine({ maxTrapRatio: 2 }), /maxTrapRatio/);
  assert.throws(() => new Quarantine({ maxTrapMs: 0 }), /maxTrapMs/);
});

test('a quarantined sandbox answers with the fail verdict without calling the guest, until redeployed', () => {
  const { lines, log } = logSink();
  const sb = new Sandbox(loadModule(wat('poison')), { log, failVerdict: 'pass', quarantine: { maxTraps: 2, windowMs: 1000 }, maxRerunsPerBatch: 0 });
  for (let t = 0; t < 3; t++) runBatch(sb, [tagged(0xdd)], BigInt(t) * 1_000_000n);
  assert.ok(sb.quarantined);
  assert.match(sb.status(), /^quarantined: 3 traps in \d+ms \(last: unreachable: RuntimeError: unreachable/);
  assert.ok(lines.some((l) => l.includes('quarantined: 3 traps')), 'the operator is told');
  const before = sb.stats.snapshot();
  // 0xdd would trap if the guest were called; quarantined, nothing runs.
  const b = runBatch(sb, [tagged(0xdd), tagged(1)], 10_000_000n);
  assert.equal(actions(b), [2, 2]);
  const after = sb.stats.snapshot();
  assert.is(after.traps, before.traps);
  assert.is(after.failVerdicts - before.failVerdicts, 2);
  assert.is(after.quarantined, true);
  assert.match(after.status, /^quarantined: /);

  sb.redeploy(loadModule(wat('pass')));
  assert.is(sb.status(), 'running');
  assert.equal(actions(runBatch(sb, [tagged(0xdd), tagged(1)], 20_000_000n)), [2, 2]);
  assert.is(sb.stats.snapshot().failVerdicts, after.failVerdicts);
});

test('quarantine: false never quarantines', () => {
  const sb = new Sandbox(loadModule(wat('poison')), { log: () => {}, quarantine: false });
  for (let t = 0; t < 100; t++) runBatch(sb, [tagged(0xdd)], 0n);
  assert.is(sb.quarantined, false);
  assert.is(sb.stats.snapshot().traps, 100);
});

test.run();
