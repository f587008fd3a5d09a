// A daemon port with "queue": "all" on a two-queue veth in driver mode: one
// worker and one memory per queue. A deploy switches both queues; a refused
// one switches neither; map set applies to both memories, get answers per
// queue and sums counters over the queues; rollback brings both back.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as assert from 'uvu/assert';
import { compileHandlerCached } from '../../../host/compile.js';
import { ROOT } from '../../helpers/cli.js';
import { teardownDaemon, TestDaemon } from '../../helpers/daemon.js';
import { liveSuite } from '../../helpers/live.js';
import { NetLab, type Veth } from '../../helpers/netns.js';
import { sendFrames } from '../../helpers/traffic.js';

const test = await liveSuite('wasmxdp serve: a port over all queues');

const GUESTS = path.join(ROOT, 'test/pipeline/guests');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-mq-'));
let lab: NetLab;
let veth: Veth;
let peerNs: string;
let daemon: TestDaemon | null = null;
const wasm: Record<string, string> = {};

function json<T = any>(args: string[]): T {
  const r = daemon!.cli([...args, '--json']);
  assert.is(r.status, 0, `wasmxdp ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

interface QueueStats { queue: number; version: number; packets: number }
const queueStats = () => json<{ ports: { packets: number; queues: QueueStats[] }[] }>(['stats', '--port', 'mq']).ports[0];

test.before(async () => {
  for (const g of ['v1', 'v2', 'badmap']) {
    wasm[g] = path.join(tmp, `swap-counter-${g}.wasm`);
    fs.writeFileSync(wasm[g], await compileHandlerCached(path.join(GUESTS, `swap-counter-${g}.ts`)));
  }
  lab = new NetLab();
  peerNs = lab.addNetns();
  veth = lab.addVeth({ peerNs, queues: 2 });
  daemon = await TestDaemon.start(tmp, {
    ports: [{ name: 'mq', iface: veth.name, queue: 'all', mode: 'drv', program: { path: wasm.v1, health: { packets: 0, ms: 50 } } }],
  });
});

test.after(() => teardownDaemon(daemon, lab, tmp));

test('one worker per queue; counters are answered per queue and summed over the queues', async () => {
  const status = json(['status']).ports[0];
  assert.equal(status.queues, [0, 1]);
  const frame = new Uint8Array(64);
  frame.set(veth.mac.split(':').map((x) => parseInt(x, 16)), 0);
  frame[12] = 0x88; frame[13] = 0xb5;
  const sent = await sendFrames(lab, peerNs, veth.peer, [frame], 1000, { gapUs: 100 });
  const deadline = Date.now() + 10_000;
  while (queueStats().packets < sent && Date.now() < deadline) await sleep(100);
  const st = queueStats();
  assert.is(st.packets, sent);
  const got = json(['map', 'get', 'mq', 'hits', '0']);
  assert.equal(got.queues.map((q: { queue: number }) => q.queue), [0, 1]);
  const perQueue = got.queues.map((q: { result: { total: string } }) => BigInt(q.result.total));
  assert.is(perQueue[0] + perQueue[1], BigInt(sent));
  assert.is(got.total, String(sent), 'total = sum over both queues');
  for (const q of st.queues) assert.is(BigInt(got.queues.find((x: { queue: number }) => x.queue === q.queue).result.total), BigInt(q.packets), `queue ${q.queue}: map = packets judged there`);
});

test('map set applies to every queue; --queue restricts to one', () => {
  const set = json(['map', 'set', 'mq', 'hits', '6', '5']);
  assert.is(set.queues.length, 2);
  assert.is(json(['map', 'get', 'mq', 'hits', '6']).total, '10');
  json(['map', 'set', 'mq', 'hits', '6', '1', '--queue', '1']);
  const one = json(['map', 'get', 'mq', 'hits', '6']);
  assert.equal(one.queues.map((q: { result: { total: string } }) => q.result.total), ['5', '1']);
  assert.is(one.total, '6');
  const dump = json(['map', 'dump', 'mq', 'hits']);
  assert.is(dump.totals.find((t: { key: string }) => t.key === '06000000').total, '6');
});

test('a deploy switches both queues, a refused one neither, rollback both', async () => {
  const v2 = json(['deploy', wasm.v2, '--port', 'mq']);
  assert.is(v2.instantiateUs.length, 2);
  assert.ok(queueStats().queues.every((q) => q.version === v2.version), 'both queues run the new version');
  const refused = daemon!.cli(['deploy', wasm.badmap, '--port', 'mq']);
  assert.is(refused.status, 1);
  assert.match(refused.stderr, /map 'hits' is incompatible/);
  assert.ok(queueStats().queues.every((q) => q.version === v2.version), 'no queue switched');
  const back = json(['rollback', '--port', 'mq']);
  assert.is(back.from, v2.version);
  assert.ok(queueStats().queues.every((q) => q.version === back.version), 'both queues rolled back');
  const code = await daemon!.stop();
  assert.is(code, 0);
  assert.not.ok('xdp' in JSON.parse(lab.ip(null, ['-j', 'link', 'show', 'dev', veth.name]))[0], 'detached');
});

test.run();
