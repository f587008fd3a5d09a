// Faults a live run must report instead of carrying on at "0 pkt/s" or
// exiting 0: the interface removed under `run --iface` and under `serve`, a
// worker that had to be terminated, an interface with more queues than a
// port set can bind. Real veth pairs in namespaces this test creates.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as assert from 'uvu/assert';
import { MAX_QUEUES } from '../../../native/index.js';
import { MAX_QUEUE, XSKMAP_ENTRIES } from '../../../host/generated/abi.js';
import { ROOT, wasmxdp } from '../../helpers/cli.js';
import { TestDaemon } from '../../helpers/daemon.js';
import { startLive } from '../../helpers/live-cli.js';
import { liveSuite } from '../../helpers/live.js';
import { NetLab } from '../../helpers/netns.js';
import { eth, ipv4, udp } from '../../helpers/packets.js';
import { sendFrames } from '../../helpers/traffic.js';
import { xdpOf } from '../../helpers/xdp.js';

const test = await liveSuite('pipeline/live: faults are reported');
const GUESTS = path.join(ROOT, 'test/pipeline/guests');

/** Resolves with what `p` resolved with, or 'timeout' after ms. */
const within = <T>(p: Promise<T>, ms: number) => Promise.race([p, sleep(ms).then(() => 'timeout' as const)]);

test('run --iface: the interface removed while running ends the run with an error line and exit 1, figures kept', async () => {
  const lab = new NetLab();
  try {
    const peerNs = lab.addNetns();
    const v = lab.addVeth({ peerNs });
    const run = startLive([`${GUESTS}/drop-all.ts`, '--iface', v.name], 60);
    await run.attached;
    const frame = eth({ src: v.peerMac, dst: v.mac }, ipv4({ src: '10.82.0.2', dst: '10.82.0.1' }, udp({ sport: 1, dport: 9 }, 'x')));
    assert.is(await sendFrames(lab, peerNs, v.peer, [frame], 30), 30);
    await sleep(300);
    lab.ip(null, ['link', 'delete', v.name]);
    // Checked once a second: well before the 60 s --duration.
    const r = await within(run.done, 15_000);
    if (r === 'timeout') { run.stop(); assert.unreachable('the run kept going after its interface was removed'); return; }
    assert.is(r.status, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`wasmxdp run: interface ${v.name} was removed while queue 0 was running: the port no longer receives`));
    assert.ok(r.summary, 'the summary is printed before the error');
    assert.match(r.summary.error, /was removed/);
    assert.is(r.summary.verdicts.drop, 30, 'the frames handled before the removal are in the figures');
  } finally { lab.destroy(); }
});

test('serve: a port whose interface is removed shows ERROR in status and stats, and the daemon logs it', async () => {
  const lab = new NetLab();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-faults-'));
  let daemon: TestDaemon | null = null;
  try {
    const peerNs = lab.addNetns();
    const v = lab.addVeth({ peerNs });
    daemon = await TestDaemon.start(tmp, { ports: [{ name: 'edge', iface: v.name, queue: 0, mode: 'skb', program: { path: path.join(GUESTS, 'drop-all.ts') } }] });
    const before = daemon.cli(['status', '--json']);
    assert.is(JSON.parse(before.stdout).ports[0].error, null);
    lab.ip(null, ['link', 'delete', v.name]);
    let status: any = null;
    for (let i = 0; i < 50 && !status?.error; i++) {
      await sleep(200);
      status = JSON.parse(daemon.cli(['status', '--json']).stdout).ports[0];
    }
    assert.match(status.error ?? '', new RegExp(`interface ${v.name} was removed while queue 0 was running`));
    const text = daemon.cli(['status']);
    assert.match(text.stdout, /port edge .*ERROR: interface \S+ was removed/);
    const stats = daemon.cli(['stats']);
    assert.is(stats.status, 0, stats.stderr);
    assert.match(stats.stdout, /port edge: ERROR: interface \S+ was removed/);
    assert.match(daemon.log(), /port edge: ERROR: interface \S+ was removed/);
  } finally {
    if (daemon) await daemon.stop();
    lab.destroy();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('a worker stuck in a handler is terminated at stop: a failure with its figures up to its last batch, exit 1', async () => {
  const lab = new NetLab();
  try {
    const peerNs = lab.addNetns();
    const v = lab.addVeth({ peerNs });
    const run = startLive([`${GUESTS}/loop-on-marker.ts`, '--iface', v.name, '--unmetered'], 60);
    await run.attached;
    const good = eth({ src: v.peerMac, dst: v.mac }, ipv4({ src: '10.83.0.2', dst: '10.83.0.1' }, udp({ sport: 1, dport: 9 }, 'fine')));
    const marker = Uint8Array.from(good); marker[0] = 0xee;
    assert.is(await sendFrames(lab, peerNs, v.peer, [good], 40, { gapUs: 200 }), 40);
    await sleep(1500); // handled (one batch or several), figures stored
    assert.is(await sendFrames(lab, peerNs, v.peer, [marker], 1), 1);
    await sleep(500);
    run.stop();
    const r = await within(run.done, 30_000);
    if (r === 'timeout') { run.child.kill('SIGKILL'); assert.unreachable('the run did not end'); return; }
    assert.is(r.status, 1, r.stderr);
    assert.match(r.stderr, /wasmxdp run: the worker of queue 0 did not stop within 5 s and was terminated \(a handler that never returns\? .*\); figures up to its last batch \(queue 0: 40 packets\)/);
    assert.is(r.summary.packets, 40);
    assert.is(r.summary.verdicts.drop, 40);
    assert.match(r.summary.error, /terminated/);
  } finally { lab.destroy(); }
});

test(`--queue all on an interface with more than ${MAX_QUEUES} receive queues is refused before any worker starts`, async () => {
  const lab = new NetLab();
  try {
    const peerNs = lab.addNetns();
    const v = lab.addVeth({ peerNs, queues: 80 });
    const r = wasmxdp(['run', `${GUESTS}/drop-all.ts`, '--iface', v.name, '--queue', 'all', '--duration', '30']);
    assert.is(r.status, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^wasmxdp run: ${v.name} has 80 receive queues; wasmxdp binds at most ${MAX_QUEUES} \\(queues 0-${MAX_QUEUES - 1}\\): give --queue N for one queue, or lower the queue count`));
    assert.is(r.stderr.trim().split('\n').length, 1);
    assert.is(xdpOf(v.name), undefined, 'nothing was attached');
    // One queue of it is fine.
    const one = startLive([`${GUESTS}/drop-all.ts`, '--iface', v.name, '--queue', '5'], 30);
    await one.attached;
    one.stop();
    const done = await one.done;
    assert.is(done.status, 0, done.stderr);
  } finally { lab.destroy(); }
});

test('the queue limit is the size of the XDP program\'s socket map', () => {
  const src = fs.readFileSync(path.join(ROOT, 'native/bpf/wasmxdp_kern.c'), 'utf8');
  const xsks = /BPF_MAP_TYPE_XSKMAP\);\s*__uint\(max_entries, (\w+)\);/.exec(src);
  assert.ok(xsks, 'the XSKMAP definition');
  assert.is(xsks![1], 'WX_XSKMAP_ENTRIES', 'the XSKMAP is sized by the contract');
  assert.is(XSKMAP_ENTRIES, MAX_QUEUES);
  assert.is(MAX_QUEUE, MAX_QUEUES - 1);
});

test.run();
