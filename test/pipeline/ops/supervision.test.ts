// Supervision of a port's workers, on a veth port in a test namespace with
// the daemon in this process: a worker that dies (terminated, as a crashed
// thread looks to the main thread) is restarted with the running version,
// its port reattached and judging frames, the restart counted in status and
// the log; a worker whose interface is gone cannot come back: status
// reports the queue DOWN with the error, and it comes back once the
// interface does.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { compileHandlerCached } from '../../../host/compile.js';
import { Daemon } from '../../../pipeline/control/daemon.js';
import type { Request } from '../../../pipeline/control/protocol.js';
import type { LivePipeline } from '../../../pipeline/live/live-pipeline.js';
import { formatStatus } from '../../../pipeline/cli/commands/status.js';
import type { QueueSupervision } from '../../../pipeline/ops/supervisor.js';
import { Logger } from '../../../pipeline/ops/log.js';
import { Persistence } from '../../../pipeline/control/persistence.js';
import { StateStore } from '../../../pipeline/ops/state-store.js';
import { ROOT } from '../../helpers/cli.js';
import { liveSuite } from '../../helpers/live.js';
import { NetLab, type Veth } from '../../helpers/netns.js';
import { sendFrames } from '../../helpers/traffic.js';
import { rawFrame, waitFor } from './ops-helpers.js';

const test = await liveSuite('supervision: a dead worker is restarted, a port that cannot come back is reported');

const GUESTS = path.join(ROOT, 'test/pipeline/guests');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-sup-'));
let lab: NetLab;
let veth: Veth;
let peerNs: string;
let daemon: Daemon | null = null;
const logged: string[] = [];
const wasm: Record<string, string> = {};

const ask = (cmd: Request['cmd'], args: Record<string, unknown> = {}) => daemon!.handle({ v: 1, id: 1, tenant: 'default', cmd, args });
type Status = { ports: { program: { version: number }; supervision: QueueSupervision[]; error: string | null }[]; pid: number; uptimeMs: number };
const status = async () => await ask('status') as Status;
type Stats = { packets: number; queues: { version: number }[]; versions: { version: number; packets: number }[] };
const stats = async () => ((await ask('stats', { port: 'edge' })) as { ports: Stats[] }).ports[0];

/** Fault injection: ends the queue's worker thread at once, as a crash would. */
function killWorker(queue: number): Promise<void> {
  const ports = (daemon as unknown as { ports: Map<string, { pipeline: LivePipeline }> }).ports;
  return ports.get('edge')!.pipeline.terminateWorker(queue);
}

test.before(async () => {
  for (const g of ['swap-counter-v1', 'swap-counter-v2']) {
    wasm[g] = path.join(tmp, `${g}.wasm`);
    fs.writeFileSync(wasm[g], await compileHandlerCached(path.join(GUESTS, `${g}.ts`)));
  }
  lab = new NetLab();
  peerNs = lab.addNetns();
  veth = lab.addVeth({ peerNs });
  daemon = await Daemon.start({
    ports: [{ name: 'edge', owner: 'default', ifaces: [veth.name], queue: 0, mode: 'skb', force: false, frameSize: 2048, program: { path: wasm['swap-counter-v1'], health: { packets: 0, ms: 0 } }, chain: [] }],
  }, (l) => logged.push(l));
});

test.after(async () => {
  await daemon?.stop();
  lab?.destroy();
  process.stdout.write(`# daemon log:\n${logged.join('\n').replace(/^/gm, '#   ')}\n`);
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('a worker that dies is restarted with the running version; the port judges frames again; status and the log count it', async () => {
  await ask('deploy', { port: 'edge', program: { name: 'swap-counter-v2', bytes: new Uint8Array(fs.readFileSync(wasm['swap-counter-v2'])) } });
  assert.is(await sendFrames(lab, peerNs, veth.peer, [rawFrame(veth)], 300, { gapUs: 100 }), 300);
  await waitFor('the first frames', async () => ((await stats()).packets >= 300 ? true : undefined));

  await killWorker(0);
  const down = await waitFor('the death to be seen', async () => (await status()).ports[0].supervision[0].lastExit ?? undefined);
  assert.match(down.reason, /queue 0 worker exited/);
  const s = await waitFor('the restart', async () => { const x = await status(); return x.ports[0].supervision[0].restarts === 1 && !x.ports[0].supervision[0].down ? x : undefined; });
  assert.is(s.ports[0].program.version, 2);
  assert.is(s.ports[0].error, null);
  const st0 = await stats();
  assert.is(st0.queues[0].version, 2, 'the new worker runs the deployed version, not the config\'s');

  const N = 400;
  assert.is(await sendFrames(lab, peerNs, veth.peer, [rawFrame(veth)], N, { gapUs: 100 }), N);
  const st = await waitFor('frames judged by the new worker', async () => { const x = await stats(); return x.packets >= st0.packets + N ? x : undefined; });
  assert.is(st.packets, st0.packets + N, 'every frame judged after the restart');

  const text = formatStatus(await status() as never);
  assert.match(text, /^daemon pid \d+, up \d+ s, 1 port\(s\), rss \d+ MiB \(heap \d+ MiB\)$/m);
  assert.match(text, /queue 0: worker restarted 1 time\(s\), last exit .*: queue 0 worker exited/);
  assert.ok(logged.some((l) => /port edge queue 0: worker died \(queue 0 worker exited/.test(l)));
  assert.ok(logged.some((l) => /port edge queue 0: worker restarted \(restart 1, /.test(l)));
  const pub = daemon!.published()[0].queues[0];
  assert.is(pub.restarts, 1);
  assert.is(pub.down, null);
});

test('a worker whose interface is gone cannot come back: reported DOWN with the error, retried, back once the interface is', async () => {
  lab.ip(null, ['link', 'delete', veth.name]);
  await killWorker(0);
  const s = await waitFor('a failed restart attempt', async () => { const x = await status(); return (x.ports[0].supervision[0].down?.attempts ?? 0) >= 1 ? x : undefined; });
  const down = s.ports[0].supervision[0].down!;
  assert.match(down.reason, new RegExp(veth.name));
  assert.ok(Date.parse(down.nextAttemptAt!) > Date.now() - 1000);
  const text = formatStatus(s as never);
  assert.match(text, new RegExp(`queue 0 DOWN since \\S+: .*${veth.name}.*\\(\\d+ restart attempt\\(s\\) failed, next at `));
  assert.ok(logged.some((l) => /port edge queue 0: DOWN: restart attempt 1 failed: /.test(l)));
  assert.match(String(daemon!.published()[0].queues[0].down), new RegExp(veth.name));

  // The interface comes back (same name): the next attempt reattaches.
  lab.ip(null, ['link', 'add', veth.name, 'type', 'veth', 'peer', 'name', veth.peer, 'netns', peerNs]);
  lab.ip(null, ['link', 'set', veth.name, 'up']);
  lab.ip(peerNs, ['link', 'set', veth.peer, 'up']);
  const peerMac = JSON.parse(lab.ip(peerNs, ['-j', 'link', 'show', 'dev', veth.peer]))[0].address as string;
  const mac = JSON.parse(lab.ip(null, ['-j', 'link', 'show', 'dev', veth.name]))[0].address as string;
  await waitFor('the port back', async () => { const x = await status(); return x.ports[0].supervision[0].restarts === 2 && !x.ports[0].supervision[0].down ? true : undefined; }, 30_000);
  const before = (await stats()).packets;
  assert.is(await sendFrames(lab, peerNs, veth.peer, [rawFrame({ ...veth, mac, peerMac })], 200, { gapUs: 100 }), 200);
  await waitFor('frames judged on the reattached port', async () => ((await stats()).packets >= before + 200 ? true : undefined));
});

test('with a state directory, the operator\'s map writes are given back to a restarted queue', async () => {
  const persistence = new Persistence(StateStore.open(path.join(tmp, 'state')), daemon!, new Logger('text', 'info', (l) => logged.push(l.trimEnd())));
  await persistence.restoreAll();
  try {
    const handle = persistence.wrap((req) => daemon!.handle(req));
    await handle({ v: 1, id: 1, tenant: 'default', cmd: 'map.set', args: { port: 'edge', map: 'hits', key: '6', value: '4242' } });
    const get = async () => ((await ask('map.get', { port: 'edge', map: 'hits', key: '6' })) as { total: string }).total;
    assert.is(await get(), '4242');
    const restarts = (await status()).ports[0].supervision[0].restarts;
    await killWorker(0);
    await waitFor('the restart', async () => { const x = await status(); return x.ports[0].supervision[0].restarts === restarts + 1 && !x.ports[0].supervision[0].down ? true : undefined; }, 30_000);
    assert.is(await get(), '4242', 'the write is back on the new worker\'s memory');
    assert.ok(logged.some((l) => /port edge queue 0: 1 of 1 saved map write\(s\) replayed/.test(l)));
  } finally {
    persistence.stop();
  }
});

test.run();
