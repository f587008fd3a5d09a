// The audit trail of `wasmxdp serve --log-format json` on veth ports in a test
// namespace: deploys, rollbacks and map writes are logged with the tenant
// that asked and what changed, refusals too; a quarantine is logged when the
// data path decides it.
import * as assert from 'uvu/assert';
import { ControlClient } from '../../../pipeline/control/client.js';
import type { TestDaemon } from '../../helpers/daemon.js';
import { liveSuite } from '../../helpers/live.js';
import type { NetLab, Veth } from '../../helpers/netns.js';
import { sendFrames } from '../../helpers/traffic.js';
import { startServeLab, stopServeLab, waitFor, type ServeLab } from './ops-helpers.js';

const test = await liveSuite('serve --log-format json: audit trail of deploys, rollbacks, map writes, quarantines');

let s: ServeLab | null = null;
let lab: NetLab;
let edge: Veth, bad: Veth;
let peerNs: string;
let daemon: TestDaemon;
let wasm: Record<string, string>;

type Line = Record<string, unknown> & { time: string; level: string; msg: string };
function lines(): Line[] {
  return daemon.log().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Line);
}
const audit = (event: string) => lines().filter((l) => l.audit === true && l.event === event);

test.before(async () => {
  s = await startServeLab(['swap-counter-v1', 'swap-counter-v2', 'trap-on-marker'], (w, [e, b]) => ({
    ports: [
      { name: 'edge', iface: e.name, program: { path: w['swap-counter-v1'], health: { packets: 0, ms: 0 } } },
      { name: 'bad', iface: b.name, program: { path: w['trap-on-marker'] } },
    ],
  }), { veths: 2, serveArgs: ['--log-format', 'json'] });
  ({ lab, peerNs, daemon, wasm, veths: [edge, bad] } = s);
});

test.after(() => stopServeLab(s));

test('every line is one JSON object with an ISO time and a level', async () => {
  const all = daemon.log().split('\n').filter((l) => l.trim());
  // The two stdout lines of serve (listening / detached) are for the terminal; the log is stderr.
  const logLines = all.filter((l) => !l.startsWith('wasmxdp serve:'));
  assert.ok(logLines.length >= 2);
  for (const l of logLines) {
    const o = JSON.parse(l) as Line;
    assert.ok(!Number.isNaN(Date.parse(o.time)) && o.time.endsWith('Z'), l);
    assert.ok(['debug', 'info', 'warn', 'error'].includes(o.level), l);
    assert.type(o.msg, 'string');
  }
  assert.ok(lines().some((l) => /port edge: swap-counter-v1 attached/.test(l.msg)));
});

test('deploy, rollback and map set are logged with the tenant, the port and what changed', async () => {
  const dep = daemon.cli(['deploy', wasm['swap-counter-v2'], '--port', 'edge', '--json']);
  assert.is(dep.status, 0, dep.stderr);
  const d = await waitFor('the deploy audit line', () => audit('deploy')[0]);
  assert.is(d.tenant, 'default');
  assert.is(d.port, 'edge');
  assert.is(d.ok, true);
  assert.is(d.version, 2);
  assert.is(d.level, 'info');
  assert.match(String(d.sha256), /^[0-9a-f]{64}$/);
  assert.is(d.sha256, JSON.parse(dep.stdout).sha256);

  assert.is(daemon.cli(['rollback', '--port', 'edge']).status, 0);
  const r = await waitFor('the rollback audit line', () => audit('rollback')[0]);
  assert.equal([r.tenant, r.port, r.version, r.from, r.ok], ['default', 'edge', 1, 2, true]);

  assert.is(daemon.cli(['map', 'set', 'edge', 'hits', '5', '42']).status, 0);
  const m = await waitFor('the map write audit line', () => audit('map.set')[0]);
  assert.equal([m.tenant, m.port, m.map, m.key, m.value, m.ok], ['default', 'edge', 'hits', '5', '42', true]);
});

test('a refused request is logged as a warning, with the tenant that tried', async () => {
  const other = await ControlClient.connect(daemon.socket, 'acme');
  try {
    await other.request('map.delete', { port: 'edge', map: 'hits', key: '0' }).then(() => assert.unreachable('refused'), () => {});
  } finally {
    other.close();
  }
  const w = await waitFor('the refusal', () => audit('map.delete').find((l) => l.tenant === 'acme'));
  assert.is(w.level, 'warn');
  assert.is(w.ok, false);
  assert.is(w.code, 'E_NOT_FOUND');
});

test('a program that keeps trapping is quarantined, and the log says so once', async () => {
  const marker = new Uint8Array(64);
  marker.fill(0xee, 0, 6);
  marker.set(bad.peerMac.split(':').map((x) => parseInt(x, 16)), 6);
  marker[12] = 0x88; marker[13] = 0xb5;
  await sendFrames(lab, peerNs, bad.peer, [marker], 300, { gapUs: 500 });
  const q = await waitFor('the quarantine line', () => audit('quarantine')[0]);
  assert.is(q.level, 'error');
  assert.equal([q.tenant, q.port, q.queue], ['default', 'bad', 0]);
  assert.match(String(q.reason), /quarantined/);
  await new Promise((r) => setTimeout(r, 1500));
  assert.is(audit('quarantine').length, 1, 'logged once, not every second');
  // The worker's own lines (trap reports, the sandbox's quarantine notice) are in the log too, as JSON, levelled.
  const worker = lines().filter((l) => l.msg.startsWith('port bad queue 0: [trap-on-marker v1]'));
  assert.ok(worker.some((l) => l.level === 'warn' && /trap \(unreachable\)/.test(l.msg)));
  assert.ok(worker.some((l) => l.level === 'error' && /\] quarantined: /.test(l.msg)));
  for (const l of daemon.log().split('\n').filter((x) => x.trim() && !x.startsWith('wasmxdp serve:'))) JSON.parse(l);
});

test.run();
