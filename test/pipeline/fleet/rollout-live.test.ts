// The fleet end to end: a real etcd and three `wasmxdp serve --fleet` daemons
// on veth ports, driven with `wasmxdp fleet`. A rollout under traffic loses no
// frame; a canary failing its health check halts the rollout and leaves every
// node on the previous version; a node killed mid-rollout counts against
// --max-unhealthy and converges when it comes back; an etcd restart changes
// nothing on the data path and the nodes reconnect; of two concurrent deploys
// one wins and the other gets the conflict error.
import * as assert from 'uvu/assert';
import type { Test } from 'uvu';
import { liveSuite, liveUnavailableReason } from '../../helpers/live.js';
import { toolsMissingReason } from '../../helpers/tools.js';
import { unavailableSuite } from '../../helpers/skip.js';
import { FleetRig, type FleetNode } from '../../helpers/fleet-rig.js';
import { experimentalFrame } from '../../helpers/packets.js';
import { sendFrames } from '../../helpers/traffic.js';
import { waitFor } from '../../helpers/wait.js';
import { putModule, sha256Hex } from '../../../pipeline/fleet/module-store.js';
import { connectEtcd } from '../../../pipeline/fleet/etcd.js';
import { keys } from '../../../pipeline/fleet/keys.js';
import { fleetStatus as readFleetStatus, type FleetStatus } from '../../../pipeline/fleet/fleet-status.js';
import type { RolloutResult } from '../../../pipeline/fleet/rollout.js';
import fs from 'node:fs';

const NAME = 'wasmxdp fleet: rollouts through etcd to three nodes';
const missing = toolsMissingReason(['etcd']);
const test: Test = missing ? unavailableSuite(NAME, missing, 'WASMXDP_REQUIRE_TOOLS') : await liveSuite(NAME);
// Skipped (no etcd-server, no AF_XDP): nothing to start.
const runnable = missing === null && liveUnavailableReason() === null;

let rig: FleetRig;
const sha = (g: string) => sha256Hex(fs.readFileSync(rig.wasm[g]));

interface PortStats { packets: number; version: number; verdicts: Record<string, number>; socket: { rxDropped: number; rxRingFull: number }; queues: { swaps: unknown[] }[] }
const stats = async (n: FleetNode) => ((await n.daemon.client.request('stats', { port: 'edge' })) as { ports: PortStats[] }).ports[0];
type DaemonStatus = { ports: { program: { sha256: string; name: string }; versions: { version: number; sha256: string; health: string }[] }[] };
const running = async (n: FleetNode) => ((await n.daemon.client.request('status')) as DaemonStatus).ports[0];

async function fleetStatus(): Promise<FleetStatus> {
  const r = await rig.fleet(['status', '--json']);
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as FleetStatus;
}

/** Sends COUNT frames to every node at once; resolves with what each sent. */
function trafficToAll(count: number, gapUs: number): Promise<number[]> {
  return Promise.all(rig.nodes.map((n) => sendFrames(rig.lab, n.peerNs, n.veth.peer, [experimentalFrame(n.veth.mac, n.veth.peerMac)], count, { gapUs })));
}

async function everyFrameJudged(sent: number[], before: number[]): Promise<PortStats[]> {
  return Promise.all(rig.nodes.map((n, i) => waitFor(`${n.name}: every frame judged`, async () => {
    const s = await stats(n);
    return s.packets - before[i] >= sent[i] ? s : undefined;
  }, 20_000).catch(() => stats(n))));
}

test.before(async () => {
  if (!runnable) return;
  rig = await FleetRig.start({ nodes: 3, guests: ['swap-counter-v1', 'swap-counter-v2', 'swap-counter-trap', 'drop-all'], health: { packets: 0, ms: 400 } });
  await waitFor('three nodes registered', async () => ((await fleetStatus()).nodes.filter((x) => x.state === 'up').length === 3 ? true : undefined), 20_000);
});

test.after(async () => { await rig?.destroy(); });

test('a rollout to every node under traffic: all run the new version, no frame lost', async () => {
  const before = await Promise.all(rig.nodes.map(async (n) => (await stats(n)).packets));
  const sending = trafficToAll(20_000, 100);
  await waitFor('traffic on every node', async () => ((await Promise.all(rig.nodes.map(stats))).every((s, i) => s.packets > before[i] + 200) ? true : undefined));
  const r = await rig.fleet(['deploy', rig.wasm['swap-counter-v2'], '--port', 'edge', '--canary', '1', '--json']);
  assert.is(r.status, 0, r.stderr + r.stdout);
  const res = JSON.parse(r.stdout) as RolloutResult;
  assert.is(res.rollout.phase, 'done');
  assert.equal(res.nodes.map((x) => x.result), ['ok', 'ok', 'ok']);
  assert.equal(res.rollout.canary, ['edge-0']);
  const sent = await sending;
  const after = await everyFrameJudged(sent, before);
  for (const [i, s] of after.entries()) {
    assert.is(s.packets - before[i], sent[i], `${rig.nodes[i].name}: frames judged = frames sent`);
    assert.is(s.socket.rxDropped, 0);
    assert.is(s.socket.rxRingFull, 0);
  }
  for (const n of rig.nodes) assert.is((await running(n)).program.sha256, sha('swap-counter-v2'), `${n.name} runs v2`);
  const st = await fleetStatus();
  assert.ok(st.stages.every((x) => x.inSync && x.actual?.sha256 === sha('swap-counter-v2')), JSON.stringify(st.stages));
  console.log(`# rollout to 3 nodes under traffic: ${res.ms} ms; frames sent ${sent.join('/')}, lost 0`);
});

test('a canary failing its health check halts the rollout; every node ends on the previous version', async () => {
  const sending = trafficToAll(4000, 200);
  await waitFor('traffic', async () => ((await stats(rig.nodes[0])).packets > 0 ? true : undefined));
  const r = await rig.fleet(['deploy', rig.wasm['swap-counter-trap'], '--port', 'edge', '--canary', '1', '--json']);
  await sending;
  assert.is(r.status, 1, `a halted rollout exits with 1: ${r.stderr}`);
  const res = JSON.parse(r.stdout) as RolloutResult;
  assert.is(res.rollout.phase, 'halted');
  assert.equal(res.rollout.unhealthy.map((u) => u.node), ['edge-0']);
  assert.match(res.rollout.unhealthy[0].why, /health check/, res.rollout.unhealthy[0].why);
  for (const n of rig.nodes) assert.is((await running(n)).program.sha256, sha('swap-counter-v2'), `${n.name} is back on / stayed on v2`);
  // Only the canary ever ran the trapping version.
  for (const n of rig.nodes.slice(1)) assert.not.ok((await running(n)).versions.some((v) => v.sha256 === sha('swap-counter-trap')), `${n.name} never got it`);
  const st = await fleetStatus();
  assert.ok(st.stages.every((x) => x.desired?.sha256 === sha('swap-counter-v2') || x.desired === null), 'desired state is v2 again');
  assert.is(st.rollouts.find((x) => x.port === 'edge')?.phase, 'halted');
});

test('a node killed mid-rollout counts against --max-unhealthy; restarted, it converges', async () => {
  const victim = rig.nodes[2];
  const deploying = rig.fleet(['deploy', rig.wasm['drop-all'], '--port', 'edge', '--canary', '1', '--max-unhealthy', '1', '--health-timeout', '20', '--json']);
  // While the canary is on probation (300 ms), the last node dies: read in
  // process, since a CLI call per poll can take longer than the whole phase.
  const etcd = connectEtcd(rig.etcd.url);
  try {
    await waitFor('the canary phase', async () => ((await readFleetStatus(etcd)).rollouts.find((x) => x.port === 'edge')?.phase === 'canary' ? true : undefined), 20_000, 10);
  } finally {
    etcd.close();
  }
  await rig.kill(victim);
  const r = await deploying;
  assert.is(r.status, 0, r.stderr + r.stdout);
  const res = JSON.parse(r.stdout) as RolloutResult;
  assert.is(res.rollout.phase, 'done');
  assert.equal(res.nodes.map((x) => [x.node, x.result]), [['edge-0', 'ok'], ['edge-1', 'ok'], ['edge-2', 'down']]);
  const st = await fleetStatus();
  assert.is(st.nodes.find((x) => x.node === victim.name)?.state, 'stale');
  // Back with its config's program, it reads its desired state and converges.
  await rig.startNode(victim);
  await waitFor('the restarted node to converge', async () => ((await running(victim)).program.sha256 === sha('drop-all') ? true : undefined), 20_000);
  // It started on its config's program (v1) and the fleet's module came after.
  const v = (await running(victim)).versions;
  assert.equal(v.map((x) => [x.version, x.sha256]), [[1, sha('swap-counter-v1')], [2, sha('drop-all')]]);
  await waitFor('status: every node up and in sync', async () => {
    const s = await fleetStatus();
    return s.nodes.every((x) => x.state === 'up') && s.stages.every((x) => x.inSync) ? true : undefined;
  }, 20_000);
});

test('etcd restarted under traffic: the data path is unaffected and the nodes reconnect', async () => {
  const before = await Promise.all(rig.nodes.map(stats));
  const swaps = (s: PortStats) => s.queues.reduce((a, q) => a + q.swaps.length, 0);
  const sending = trafficToAll(15_000, 150);
  await waitFor('traffic', async () => ((await stats(rig.nodes[0])).packets > before[0].packets + 200 ? true : undefined));
  await rig.etcd.restart(1500);
  const sent = await sending;
  const after = await everyFrameJudged(sent, before.map((s) => s.packets));
  for (const [i, s] of after.entries()) {
    assert.is(s.packets - before[i].packets, sent[i], `${rig.nodes[i].name}: every frame judged`);
    assert.is(s.socket.rxDropped, 0);
    assert.is(swaps(s), swaps(before[i]), 'no swap happened');
    assert.is((await running(rig.nodes[i])).program.sha256, sha('drop-all'));
  }
  await waitFor('every node registered again', async () => ((await fleetStatus()).nodes.every((x) => x.state === 'up') ? true : undefined), 20_000);
  // Reconnected for real: a rollout after the restart reaches every node.
  const r = await rig.fleet(['deploy', rig.wasm['swap-counter-v1'], '--port', 'edge', '--json']);
  assert.is(r.status, 0, r.stderr + r.stdout);
  for (const n of rig.nodes) assert.is((await running(n)).program.sha256, sha('swap-counter-v1'));
});

test('a tenant cannot roll out to a stage it does not own', async () => {
  const r = await rig.fleet(['deploy', rig.wasm['drop-all'], '--port', 'edge', '--tenant', 'acme', '--json']);
  assert.is(r.status, 1);
  assert.match(r.stderr, /no live node runs port edge stage acme\/main/);
  // Written straight into etcd (no RBAC in this test): the node does not apply it.
  const etcd = connectEtcd(rig.etcd.url);
  try {
    const before = (await running(rig.nodes[0])).program.sha256;
    const { sha256 } = await putModule(etcd, fs.readFileSync(rig.wasm['drop-all']));
    await etcd.put(keys.desired('acme', 'edge-0', 'edge', 'main')).value(JSON.stringify({ rollout: 'forged', sha256, name: 'drop-all' }));
    await new Promise((res) => setTimeout(res, 1500));
    assert.is((await running(rig.nodes[0])).program.sha256, before, 'edge-0 still runs what it ran');
    await etcd.delete().key(keys.desired('acme', 'edge-0', 'edge', 'main'));
  } finally {
    etcd.close();
  }
});

test('two concurrent fleet deploys: one wins, the other gets the conflict error', async () => {
  // Both start at once; on a loaded machine one may finish before the other even
  // reads etcd (no overlap, both fine): then try again, at most three times.
  let a, b;
  for (let attempt = 0; attempt < 3; attempt++) {
    [a, b] = await Promise.all([
      rig.fleet(['deploy', rig.wasm[attempt % 2 ? 'drop-all' : 'swap-counter-v2'], '--port', 'edge', '--json']),
      rig.fleet(['deploy', rig.wasm[attempt % 2 ? 'swap-counter-v2' : 'drop-all'], '--port', 'edge', '--json']),
    ]);
    if (a.status !== 0 || b.status !== 0) break;
    const [ra, rb] = [a, b].map((x) => (JSON.parse(x.stdout) as RolloutResult).rollout);
    const [first, second] = ra.startedAt < rb.startedAt ? [ra, rb] : [rb, ra];
    assert.ok(second.startedAt >= first.updatedAt, 'both succeeded only because they did not overlap');
    console.log(`# attempt ${attempt + 1}: the two deploys did not overlap; again`);
  }
  const won = [a!, b!].filter((x) => x.status === 0);
  const lost = [a!, b!].filter((x) => x.status !== 0);
  assert.is(won.length, 1, `exactly one wins: ${a!.stderr} | ${b!.stderr}`);
  assert.is(lost.length, 1);
  assert.match(lost[0].stderr, /wasmxdp fleet: port edge stage main: (rollout \S+ .* is being driven by|the desired state changed while)/);
  const winner = (JSON.parse(won[0].stdout) as RolloutResult).rollout.targets['edge-0']!.sha256;
  for (const n of rig.nodes) assert.is((await running(n)).program.sha256, winner, `${n.name} runs the winner's module`);
});

test.run();
