// `wasmxdp serve` on a veth port against versions and clients that misbehave:
// a version that corrupts the map descriptors of the one it replaced (the
// port must not wedge: --reset-maps and rollback repair it); a version with
// 61 maps and 10 MiB of them (their directory entries and space come back
// after rollback and with --reset-maps); two concurrent deploys with short
// deadlines (one runs, the other is refused); a deploy whose deadline passes
// before it can swap (abandoned, nothing changed); more deploys than the
// history depth (only historyDepth kept, rollback stops there with a clear error).
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { isWasmxdpError } from '../../../host/errors.js';
import { compileHandlerCached } from '../../../host/compile.js';
import { ControlClient, requestChange } from '../../../pipeline/control/client.js';
import { decodeBody, encodeFrame, FrameDecoder, PROTOCOL_VERSION } from '../../../pipeline/control/protocol.js';
import { ROOT } from '../../helpers/cli.js';
import { teardownDaemon, TestDaemon } from '../../helpers/daemon.js';
import { liveSuite } from '../../helpers/live.js';
import { NetLab } from '../../helpers/netns.js';

const test = await liveSuite('wasmxdp serve: corrupt and full map regions, concurrent deploys, history depth');

const GUESTS = path.join(ROOT, 'test/pipeline/guests');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-guard-'));
const HISTORY = 3;
let lab: NetLab;
let daemon: TestDaemon | null = null;
let client: ControlClient;
const wasm: Record<string, Uint8Array> = {};

interface MapRow { name: string; kind: string; corrupt?: string }
interface VersionRow { version: number; name: string; state: string; kept: boolean }
const status = async () => ((await client.request('status')) as { ports: { program: { version: number; name: string }; historyDepth: number; versions: VersionRow[] }[] }).ports[0];
const mapList = async () => ((await client.request('map.list', { port: 'edge' })) as { queues: { result: MapRow[] }[] }).queues[0].result;
const deploy = (g: string, resetMaps = false) => client.request('deploy', { port: 'edge', program: { name: g, bytes: wasm[g] }, resetMaps }) as Promise<{ version: number; resetMaps: string[]; releasedMaps: string[] }>;
const rollback = () => client.request('rollback', { port: 'edge' }) as Promise<{ version: number; from: number }>;
const fails = async (p: Promise<unknown>) => {
  const e = await p.then(() => null, (x) => x);
  assert.ok(isWasmxdpError(e), `expected a refusal, got ${String(e)}`);
  return e;
};

test.before(async () => {
  for (const g of ['swap-counter-v1', 'swap-counter-v2', 'map-corrupter', 'many-maps', 'next-maps', 'slow-start']) {
    wasm[g] = await compileHandlerCached(path.join(GUESTS, `${g}.ts`));
  }
  const v1 = path.join(tmp, 'v1.wasm');
  fs.writeFileSync(v1, wasm['swap-counter-v1']);
  lab = new NetLab();
  const veth = lab.addVeth({ peerNs: lab.addNetns() });
  daemon = await TestDaemon.start(tmp, {
    ports: [{ name: 'edge', iface: veth.name, queue: 0, mode: 'skb', program: { path: v1, health: { packets: 0, ms: 0 } } }],
    historyDepth: HISTORY,
  });
  client = daemon.client;
});

test.after(() => teardownDaemon(daemon, lab, tmp));

test('a version that corrupts the maps it inherited does not wedge the port: map list shows it, --reset-maps and rollback repair it', async () => {
  await client.request('map.set', { port: 'edge', map: 'hits', key: '0', value: '5' });
  await deploy('map-corrupter');
  const rows = await mapList();
  const hits = rows.find((m) => m.name === 'hits')!;
  assert.ok(hits.corrupt, `hits is reported corrupt: ${JSON.stringify(rows)}`);
  const cli = daemon!.cli(['map', 'list', 'edge']);
  assert.is(cli.status, 0, cli.stderr);
  assert.match(cli.stdout, /hits\s+CORRUPT.*--reset-maps or roll back/);

  // Without reset the deploy is refused, naming the map and the remedy...
  const e = await fails(deploy('swap-counter-v1'));
  assert.is(e.code, 'E_DEPLOY');
  assert.match(e.message, /map 'hits' is corrupt.*--reset-maps/);
  // ...and the remedy works.
  const r = await deploy('swap-counter-v1', true);
  assert.equal(r.resetMaps, ['hits']);
  assert.ok(r.releasedMaps.includes('mine'), `the corrupter's own map is released: ${JSON.stringify(r)}`);
  assert.equal((await mapList()).map((m) => [m.name, m.corrupt]), [['hits', undefined]]);
  const got = await client.request('map.get', { port: 'edge', map: 'hits', key: '0' }) as { total: string };
  assert.is(got.total, '0', 'recreated empty');

  // Rollback repairs too.
  await deploy('map-corrupter');
  assert.ok((await mapList()).find((m) => m.name === 'hits')!.corrupt);
  await rollback();
  const after = await mapList();
  assert.equal(after.filter((m) => m.corrupt), [], 'nothing corrupt after the rollback');
  assert.ok(after.some((m) => m.name === 'hits'));
  assert.is((await status()).program.name, 'swap-counter-v1');
});

test('a 61-map version: after rollback, and with --reset-maps, the next version gets the directory entries and the space back', async () => {
  const manyOf = (rows: MapRow[]) => rows.filter((m) => m.name === 'big' || m.name.startsWith('many')).length;
  await deploy('many-maps');
  assert.is(manyOf(await mapList()), 61);
  await rollback();
  assert.is(manyOf(await mapList()), 0, 'many-maps\' maps released by the rollback');
  // 10 MiB more and 4 more entries: neither would fit with many-maps' maps still there.
  await deploy('next-maps');
  assert.ok((await mapList()).some((m) => m.name === 'big2'));

  // With the maps of the kept versions the directory is too small; the refusal says what to do.
  const e = await fails(deploy('many-maps'));
  assert.match(e.message, /did not start.*(directory is full|no room).*--reset-maps/s);
  const m = await deploy('many-maps', true);
  assert.ok(m.releasedMaps.includes('big2'));
  const n = await deploy('next-maps', true);
  assert.ok(n.releasedMaps.includes('big'));
  assert.equal((await mapList()).map((m) => m.name).sort(), ['big2', 'hits', 'next0', 'next1', 'next2'], '--reset-maps keeps only what the new version declares');
});

/** Sends a request on its own raw connection; resolves with the response. */
function rawRequest(cmd: string, args: Record<string, unknown>): { sent: Promise<void>; answer: Promise<{ ok: boolean; result?: { version: number }; error?: { code: string; message: string } }> } {
  const sock = net.connect(daemon!.socket);
  const dec = new FrameDecoder();
  const sent = new Promise<void>((resolve) => sock.once('connect', () => sock.write(encodeFrame({ v: PROTOCOL_VERSION, id: 1, tenant: 'default', cmd, args }), () => resolve())));
  const answer = new Promise<never>((resolve, reject) => {
    sock.on('data', (d) => { for (const b of dec.push(d)) { sock.destroy(); resolve(decodeBody(b) as never); } });
    sock.on('error', reject);
  });
  return { sent, answer };
}

test('two concurrent deploys with short deadlines: one runs, the other is refused as in progress; the port runs exactly one new version', async () => {
  const before = (await status()).program.version;
  const a = rawRequest('deploy', { port: 'edge', program: { name: 'slow-start', bytes: wasm['slow-start'] }, resetMaps: true, deadlineMs: 5000 });
  await a.sent;
  const b = rawRequest('deploy', { port: 'edge', program: { name: 'swap-counter-v2', bytes: wasm['swap-counter-v2'] }, resetMaps: true, deadlineMs: 5000 });
  const [ra, rb] = await Promise.all([a.answer, b.answer]);
  const ok = [ra, rb].filter((r) => r.ok);
  const busy = [ra, rb].filter((r) => !r.ok);
  assert.is(ok.length, 1, `exactly one deploy ran: ${JSON.stringify([ra.error, rb.error])}`);
  assert.is(busy[0].error!.code, 'E_BUSY');
  assert.match(busy[0].error!.message, /port edge: a deploy of .* is in progress.*wasmxdp status/);
  const s = await status();
  assert.is(s.program.version, before + 1, 'one version activated');
  assert.is(s.program.version, ok[0].result!.version);

  // A deadline that passes before the swap can begin: abandoned, nothing changed.
  const e = await fails(requestChange(daemon!.socket, 'deploy', { port: 'edge', program: { name: 'swap-counter-v1', bytes: wasm['swap-counter-v1'] } }, 1));
  assert.is(e.code, 'E_TIMEOUT');
  assert.match(e.message, /abandoned.*nothing changed/);
  assert.is((await status()).program.version, before + 1);
});

test(`more deploys than the history depth (${HISTORY}): only ${HISTORY} versions keep their module; rollback reaches them and stops with a clear error`, async () => {
  const versions: number[] = [];
  for (let i = 0; i < HISTORY + 2; i++) versions.push((await deploy(i % 2 ? 'swap-counter-v1' : 'swap-counter-v2', true)).version);
  const s = await status();
  assert.is(s.historyDepth, HISTORY);
  const top = await client.request('status') as { historyDepth: number; control: { connections: number; limits: { maxConnections: number } } };
  assert.is(top.historyDepth, HISTORY);
  assert.is(top.control.limits.maxConnections, 64, 'status shows the socket bounds');
  assert.equal(s.versions.filter((v) => v.kept).map((v) => v.version), versions.slice(-HISTORY));
  const text = daemon!.cli(['status']);
  assert.match(text.stdout, new RegExp(`${HISTORY} kept for rollback, historyDepth ${HISTORY}`));
  for (let i = 1; i < HISTORY; i++) {
    const r = await rollback();
    assert.is(r.version, versions[versions.length - 1 - i]);
  }
  const e = await fails(rollback());
  assert.is(e.code, 'E_DEPLOY');
  assert.match(e.message, new RegExp(`no older version is kept.*last ${HISTORY} version\\(s\\) \\(historyDepth`));
  assert.is((await status()).program.version, versions[versions.length - HISTORY]);
});

test.run();
