// Supervision of a chain port's workers, on a veth port in a test namespace
// with the daemon in this process: a dead chain worker is restarted with
// backoff, every stage runs the version it ran (a deployed one included), the
// restart is counted in status, the maps the guests wrote are intact; a
// chain worker whose interface is gone is reported DOWN. And for a
// single-program port: a guest's map writes survive its worker's restart.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as assert from 'uvu/assert';
import { compileHandlerCached } from '../../../host/compile.js';
import type { ChainPortRuntime } from '../../../pipeline/control/chain-port-runtime.js';
import { Daemon } from '../../../pipeline/control/daemon.js';
import type { Request } from '../../../pipeline/control/protocol.js';
import type { LivePipeline } from '../../../pipeline/live/live-pipeline.js';
import { formatStatus } from '../../../pipeline/cli/commands/status.js';
import { KEEP_INTERVAL_MS } from '../../../pipeline/live/maps-keeper.js';
import type { QueueSupervision } from '../../../pipeline/ops/supervisor.js';
import { ROOT } from '../../helpers/cli.js';
import { liveSuite } from '../../helpers/live.js';
import { NetLab, type Veth } from '../../helpers/netns.js';
import { sendFrames } from '../../helpers/traffic.js';
import { rawFrame, waitFor } from './ops-helpers.js';

const test = await liveSuite('chain port supervision: a dead chain worker is restarted, every stage reinstated, guest maps kept');

const GUESTS = path.join(ROOT, 'test/pipeline/guests');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-csup-'));
let lab: NetLab;
let chainVeth: Veth;
let plainVeth: Veth;
let peerNs: string;
let daemon: Daemon | null = null;
const logged: string[] = [];
const wasm: Record<string, string> = {};

const ask = (cmd: Request['cmd'], args: Record<string, unknown> = {}) => daemon!.handle({ v: 1, id: 1, tenant: 'default', cmd, args });
type StageStatus = { stage: string; program: { version: number }; supervision: QueueSupervision[] };
type ChainStatus = { name: string; error: string | null; supervision: QueueSupervision[]; stages: StageStatus[] };
const chainStatus = async () => ((await ask('status')) as { ports: ChainStatus[] }).ports.find((p) => p.name === 'chain')!;
const sup = async () => (await chainStatus()).supervision[0];
const total = async (port: string, stage: string | undefined, map: string, key: string) =>
  BigInt(((await ask('map.get', { port, ...(stage ? { stage } : {}), map, key })) as { total: string }).total);

function pipelineOf(port: string): LivePipeline {
  const d = daemon as unknown as { chains: Map<string, ChainPortRuntime>; ports: Map<string, { pipeline: LivePipeline }> };
  return (d.chains.get(port) as unknown as { pipeline: LivePipeline } | undefined)?.pipeline ?? d.ports.get(port)!.pipeline;
}

/** Waits until the port's restarts reach `n` with no queue down. */
async function restarted(n: number): Promise<ChainStatus> {
  return waitFor(`restart ${n}`, async () => { const s = await chainStatus(); return s.supervision[0].restarts === n && !s.supervision[0].down ? s : undefined; }, 30_000);
}

test.before(async () => {
  for (const g of ['chain-count', 'swap-counter-v1', 'swap-counter-v2']) {
    wasm[g] = path.join(tmp, `${g}.wasm`);
    fs.writeFileSync(wasm[g], await compileHandlerCached(path.join(GUESTS, `${g}.ts`)));
  }
  lab = new NetLab();
  peerNs = lab.addNetns();
  chainVeth = lab.addVeth({ peerNs });
  plainVeth = lab.addVeth({ peerNs });
  const port = (name: string, v: Veth) => ({ name, owner: 'default', ifaces: [v.name], queue: 0, mode: 'skb', force: false, frameSize: 2048 });
  const prog = (g: string) => ({ path: wasm[g], health: { packets: 0, ms: 0 } });
  daemon = await Daemon.start({
    ports: [
      // Two operator stages: `count` counts in `seen` and passes, `hits` counts in `hits` and drops.
      { ...port('chain', chainVeth), program: prog('chain-count'), chain: [{ stage: 'count', program: prog('chain-count') }, { stage: 'hits', program: prog('swap-counter-v1') }] },
      { ...port('plain', plainVeth), program: prog('swap-counter-v1'), chain: [] },
    ],
  } as never, (l) => logged.push(l));
});

test.after(async () => {
  await daemon?.stop();
  lab?.destroy();
  process.stdout.write(`# daemon log:\n${logged.join('\n').replace(/^/gm, '#   ')}\n`);
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('a dead chain worker is restarted; each stage runs its version again; guest-written maps are intact; status counts it', async () => {
  await ask('deploy', { port: 'chain', stage: 'hits', program: { name: 'swap-counter-v2', bytes: new Uint8Array(fs.readFileSync(wasm['swap-counter-v2'])) } });
  const N = 300;
  assert.is(await sendFrames(lab, peerNs, chainVeth.peer, [rawFrame(chainVeth)], N, { gapUs: 100 }), N);
  await waitFor('both stages to count every frame', async () => ((await total('chain', 'count', 'seen', '0')) >= BigInt(N) && (await total('chain', 'hits', 'hits', '2')) >= BigInt(N) ? true : undefined));
  const seen = await total('chain', 'count', 'seen', '0');
  const v2hits = await total('chain', 'hits', 'hits', '2');
  await sleep(KEEP_INTERVAL_MS * 1.5); // the worker copies its maps out once a second

  await pipelineOf('chain').terminateWorker(0);
  const down = await waitFor('the death to be seen', async () => (await sup()).lastExit ?? undefined);
  assert.match(down.reason, /queue 0 worker exited/);
  const st = await restarted(1);
  assert.is(st.error, null);
  assert.equal(st.stages.map((s) => [s.stage, s.program.version]), [['count', 1], ['hits', 2]]);
  assert.is(st.stages[1].supervision[0].restarts, 1, 'each stage shows its port\'s restarts');
  assert.is(await total('chain', 'count', 'seen', '0'), seen, 'the count stage\'s map is intact');
  assert.is(await total('chain', 'hits', 'hits', '2'), v2hits, 'the deployed version\'s map is intact');

  // The restarted worker judges frames with v2 in stage hits.
  assert.is(await sendFrames(lab, peerNs, chainVeth.peer, [rawFrame(chainVeth)], N, { gapUs: 100 }), N);
  await waitFor('frames counted after the restart', async () => ((await total('chain', 'hits', 'hits', '2')) === v2hits + BigInt(N) ? true : undefined));
  assert.is(await total('chain', 'count', 'seen', '0'), seen + BigInt(N));
  assert.is(await total('chain', 'hits', 'hits', '1'), 0n, 'v1 never ran again');

  const text = formatStatus(await ask('status') as never);
  assert.match(text, /port chain \(chain\):/);
  assert.ok(logged.some((l) => /port chain queue 0: worker restarted \(restart 1, /.test(l)), 'the restart is logged');
  assert.ok(logged.some((l) => /map contents restored after the restart: hits/.test(l)));
  const pub = daemon!.published().filter((p) => p.name === 'chain');
  assert.equal(pub.map((p) => [p.stage, p.queues[0].restarts]), [['count', 1], ['hits', 1]]);
});

test('a chain worker whose interface is gone is reported DOWN with the error, and comes back with the interface', async () => {
  lab.ip(null, ['link', 'delete', chainVeth.name]);
  await pipelineOf('chain').terminateWorker(0);
  const s = await waitFor('a failed restart attempt', async () => { const x = await sup(); return (x.down?.attempts ?? 0) >= 1 ? x : undefined; });
  assert.match(s.down!.reason, new RegExp(chainVeth.name));
  assert.ok(logged.some((l) => /port chain queue 0: DOWN: restart attempt 1 failed: /.test(l)));
  assert.match(String(daemon!.published().find((p) => p.name === 'chain')!.queues[0].down), new RegExp(chainVeth.name));
  lab.ip(null, ['link', 'add', chainVeth.name, 'type', 'veth', 'peer', 'name', chainVeth.peer, 'netns', peerNs]);
  lab.ip(null, ['link', 'set', chainVeth.name, 'up']);
  lab.ip(peerNs, ['link', 'set', chainVeth.peer, 'up']);
  const st = await restarted(2);
  assert.equal(st.stages.map((x) => x.program.version), [1, 2]);
});

test('a single-program port: the map its guest wrote survives the worker\'s restart', async () => {
  const N = 250;
  assert.is(await sendFrames(lab, peerNs, plainVeth.peer, [rawFrame(plainVeth)], N, { gapUs: 100 }), N);
  await waitFor('the guest to count', async () => ((await total('plain', undefined, 'hits', '1')) === BigInt(N) ? true : undefined));
  await sleep(KEEP_INTERVAL_MS * 1.5);
  await pipelineOf('plain').terminateWorker(0);
  const plain = async () => ((await ask('status')) as { ports: { name: string; supervision: QueueSupervision[] }[] }).ports.find((p) => p.name === 'plain')!.supervision[0];
  await waitFor('the restart', async () => { const x = await plain(); return x.restarts === 1 && !x.down ? true : undefined; }, 30_000);
  assert.is(await total('plain', undefined, 'hits', '1'), BigInt(N), 'hits written by the guest before the crash');
  assert.is(await total('plain', undefined, 'hits', '0'), BigInt(N));
});

test.run();
