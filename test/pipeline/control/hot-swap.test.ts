// `wasmxdp serve` on a veth port in a test namespace, driven through its
// socket and the CLI: ten hot swaps under steady traffic lose no frame and
// keep the counter map counting; a version that traps is rolled back by the
// health check; a version with an incompatible map is refused (and accepted
// with --reset-maps); rollback works; SIGTERM leaves no XDP program attached.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { compileHandlerCached } from '../../../host/compile.js';
import { ControlClient } from '../../../pipeline/control/client.js';
import { ROOT } from '../../helpers/cli.js';
import { teardownDaemon, TestDaemon } from '../../helpers/daemon.js';
import { liveSuite } from '../../helpers/live.js';
import { NetLab, type Veth } from '../../helpers/netns.js';
import { experimentalFrame } from '../../helpers/packets.js';
import { sendFrames } from '../../helpers/traffic.js';
import { waitFor as waitForEvery } from '../../helpers/wait.js';

/** A raw frame to the veth's own MAC with a local-experimental EtherType: nothing else looks at it. */
const testFrame = (): Uint8Array => experimentalFrame(veth.mac, veth.peerMac);
const waitFor = <T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000) => waitForEvery(what, fn, timeoutMs, 50);

const test = await liveSuite('wasmxdp serve: hot swap, health check, rollback, maps, SIGTERM');

const GUESTS = path.join(ROOT, 'test/pipeline/guests');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-swap-'));
const SWAPS = 10;

let lab: NetLab;
let veth: Veth;
let peerNs: string;
let daemon: TestDaemon | null = null;
let client: ControlClient;
const wasm: Record<string, string> = {};

interface Cli { status: number; stdout: string; stderr: string }
function cli(args: string[]): Cli {
  return daemon!.cli(args);
}
function cliJson<T = Record<string, unknown>>(args: string[]): T {
  const r = cli([...args, '--json']);
  assert.is(r.status, 0, `wasmxdp ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}



interface PortStats {
  packets: number; version: number;
  verdicts: Record<string, number>;
  socket: { rxDropped: number; rxRingFull: number; rxFillRingEmptyDescs: number; rxInvalidDescs: number };
  versions: { version: number; name: string; packets: number; verdicts: Record<string, number>; traps: number }[];
  queues: { swaps: { pauseUs: number | null; beforeUs: number | null; afterUs: number | null; instantiateUs: number; blockedUs: number; reason: string; gapsUs?: (number | null)[] }[] }[];
}
const stats = async () => ((await client.request('stats', { port: 'edge' })) as { ports: PortStats[] }).ports[0];
const status = async () => ((await client.request('status')) as { ports: Record<string, any>[] }).ports[0];

async function deploy(name: string, resetMaps = false): Promise<{ version: number }> {
  const bytes = new Uint8Array(fs.readFileSync(wasm[name]));
  return await client.request('deploy', { port: 'edge', program: { name: `swap-counter-${name}`, bytes }, resetMaps }) as { version: number };
}

const hits = (index: number) => BigInt(cliJson<{ total: string }>(['map', 'get', 'edge', 'hits', String(index)]).total);

test.before(async () => {
  for (const g of ['v1', 'v2', 'trap', 'badmap']) {
    wasm[g] = path.join(tmp, `swap-counter-${g}.wasm`);
    fs.writeFileSync(wasm[g], await compileHandlerCached(path.join(GUESTS, `swap-counter-${g}.ts`)));
  }
  lab = new NetLab();
  peerNs = lab.addNetns();
  veth = lab.addVeth({ peerNs });
  daemon = await TestDaemon.start(tmp, {
    ports: [{ name: 'edge', iface: veth.name, queue: 0, mode: 'skb', program: { path: wasm.v1, health: { packets: 20, ms: 100 } } }],
    readTimeoutMs: 2000,
  });
  client = daemon.client;
});

test.after(() => teardownDaemon(daemon, lab, tmp));

test('ten swaps under steady traffic: every frame judged, none dropped by the socket, the counter map keeps counting', async () => {
  const st0 = await stats();
  assert.is(st0.packets, 0);
  const COUNT = 60_000;
  const sent = sendFrames(lab, peerNs, veth.peer, [testFrame()], COUNT, { gapUs: 40 });
  await waitFor('traffic', async () => ((await stats()).packets > 500 ? true : undefined));
  const versions: number[] = [];
  for (let i = 0; i < SWAPS; i++) {
    const before = (await stats()).packets;
    const r = await deploy(i % 2 === 0 ? 'v2' : 'v1');
    versions.push(r.version);
    // Let the new version handle traffic before the next swap.
    await waitFor(`traffic after swap ${i + 1}`, async () => ((await stats()).packets > before + 500 ? true : undefined));
  }
  const n = await sent;
  assert.is(n, COUNT);
  const st = await waitFor('every frame judged', async () => { const s = await stats(); return s.packets >= n ? s : undefined; }, 20_000).catch(async () => stats());

  const byVersion = st.versions.reduce((s, v) => s + v.verdicts.drop, 0);
  assert.is(st.packets, n, 'packets judged = frames sent');
  assert.is(byVersion, n, 'sum of DROP verdicts over all versions = frames sent');
  assert.is(st.verdicts.drop, n);
  assert.is(st.socket.rxDropped, 0, 'rx_dropped');
  assert.is(st.socket.rxRingFull, 0, 'rx_ring_full');
  assert.is(st.socket.rxFillRingEmptyDescs, 0, 'fill ring empty');
  assert.is(st.version, versions[versions.length - 1]);

  // The guests count too, in a map that survives every swap.
  const perName = (name: string) => st.versions.filter((v) => v.name === name).reduce((s, v) => s + v.packets, 0);
  assert.is(hits(0), BigInt(n), 'hits[0] counted every frame across all swaps');
  assert.is(hits(1), BigInt(perName('swap-counter-v1')), 'hits[1]: what the v1 activations handled');
  assert.is(hits(2), BigInt(perName('swap-counter-v2')), 'hits[2]: what the v2 activations handled');
  assert.ok(perName('swap-counter-v1') > 0 && perName('swap-counter-v2') > 0);

  const swaps = st.queues[0].swaps.filter((s) => s.reason === 'deploy');
  assert.is(swaps.length, SWAPS);
  // A pause is measured when batches ran within 20 ms on both sides of the swap (steady traffic).
  const pauses = swaps.map((s) => s.pauseUs).filter((p): p is number => p !== null);
  const sorted = [...pauses].sort((a, b) => a - b);
  const mid = (xs: number[]) => xs[Math.floor((xs.length - 1) / 2)];
  const inst = swaps.map((s) => s.instantiateUs).sort((a, b) => a - b);
  const blocked = swaps.map((s) => s.blockedUs).sort((a, b) => a - b);
  console.log(`# ${SWAPS} swaps under ~${Math.round(1e6 / 40 / 1000)}k frames/s offered: data-path pause (${pauses.length} of ${SWAPS} measured) median ${mid(sorted)} us, max ${sorted[sorted.length - 1]} us (each the longest of its gaps receive/plan/prepare/rehearse/switch/finish/reply: ${swaps.filter((x) => x.pauseUs !== null).map((x) => `${x.pauseUs}=max(${(x.gapsUs ?? []).map((g) => g ?? '-').join('/')})`).join(', ')}); instantiate median ${mid(inst)} us, max ${inst[SWAPS - 1]} us; loop held by the swap median ${mid(blocked)} us, max ${blocked[SWAPS - 1]} us; frames sent ${n}, judged ${st.packets}, lost ${n - st.packets}`);
  const s = await status();
  assert.is(s.swapPauses.swaps, SWAPS);
  assert.is(s.program.version, versions[versions.length - 1]);
  // It handled thousands of packets over more than the 100 ms of its health check.
  await waitFor('the last version to pass its health check', async () => ((await status()).program.health === 'healthy' ? true : undefined));
});

test('objects belong to their owner: another tenant sees no port', async () => {
  const other = await ControlClient.connect(daemon!.socket, 'acme');
  try {
    assert.equal(((await other.request('status')) as { ports: unknown[] }).ports, []);
    const err = await other.request('map.get', { port: 'edge', map: 'hits', key: '0' }).catch((e: Error & { code: string }) => e) as Error & { code: string };
    assert.is(err.code, 'E_NOT_FOUND');
    assert.match(err.message, /no port named 'edge'; ports: none/);
  } finally {
    other.close();
  }
  const mine = await status();
  assert.is(mine.owner, 'default');
  assert.is(mine.program.owner, 'default');
});

test('a version that traps after the switch is rolled back by the health check, and status says why', async () => {
  const running = (await status()).program.version as number;
  const trap = await deploy('trap');
  assert.is.not(trap.version, running);
  const sent = await sendFrames(lab, peerNs, veth.peer, [testFrame()], 200, { gapUs: 200 });
  assert.is(sent, 200);
  const s = await waitFor('the automatic rollback', async () => { const x = await status(); return x.program.version === running ? x : undefined; });
  assert.match(s.lastRollback, new RegExp(`rolled back to v${running}: v${trap.version} trapped`));
  assert.match(s.lastRollback, /unreachable/);
  const rec = s.versions.find((v: { version: number }) => v.version === trap.version);
  assert.is(rec.health, 'failed');
  assert.is(rec.state, 'rolled-back');
  const text = cli(['status']);
  assert.match(text.stdout, /last automatic rollback: rolled back to v\d+: v\d+ trapped/);
  // The port still works with the restored version.
  const before = hits(0);
  await sendFrames(lab, peerNs, veth.peer, [testFrame()], 100, { gapUs: 100 });
  await waitFor('the restored version to count', () => (hits(0) >= before + 100n ? true : undefined));
});

test('a version whose map changed kind is refused, naming the map; --reset-maps accepts it; rollback restores the old shape', async () => {
  const running = (await status()).program.version as number;
  const refused = cli(['deploy', wasm.badmap, '--port', 'edge']);
  assert.is(refused.status, 1);
  assert.match(refused.stderr, /map 'hits' is incompatible: it has kind counters \(new: array\).*--reset-maps/);
  assert.is((await status()).program.version, running, 'the running version stays');
  assert.ok(hits(0) > 0n, 'the map was not touched');

  const reset = cliJson<{ version: number; resetMaps: string[] }>(['deploy', wasm.badmap, '--port', 'edge', '--reset-maps']);
  assert.equal(reset.resetMaps, ['hits']);
  const listed = cliJson<{ queues: { result: { name: string; kind: string }[] }[] }>(['map', 'list', 'edge']);
  assert.is(listed.queues[0].result.find((m) => m.name === 'hits')!.kind, 'array');

  const back = cliJson<{ version: number; from: number }>(['rollback', '--port', 'edge']);
  assert.is(back.version, running);
  assert.is(back.from, reset.version);
  const after = cliJson<{ queues: { result: { name: string; kind: string }[] }[] }>(['map', 'list', 'edge']);
  assert.is(after.queues[0].result.find((m) => m.name === 'hits')!.kind, 'counters');
  const s = await status();
  assert.is(s.program.version, running);
  assert.is(s.versions.find((v: { version: number }) => v.version === reset.version).note, 'rolled back by request');
});

test('map set, get, delete and dump through the CLI', () => {
  const set = cliJson<{ queues: { result: { total: string } }[] }>(['map', 'set', 'edge', 'hits', '5', '42']);
  assert.is(set.queues[0].result.total, '42');
  assert.is(hits(5), 42n);
  const dump = cliJson<{ queues: { result: { entries: { key: string; total: string }[] } }[] }>(['map', 'dump', 'edge', 'hits']);
  assert.equal(dump.queues[0].result.entries.find((e) => e.key === '05000000')!.total, '42');
  const del = cli(['map', 'delete', 'edge', 'hits', '5']);
  assert.is(del.status, 1);
  assert.match(del.stderr, /counters map: its entries cannot be deleted/);
  const missing = cli(['map', 'get', 'edge', 'nosuchmap', '0']);
  assert.is(missing.status, 1);
  assert.match(missing.stderr, /no map named 'nosuchmap'/);
});

test('stats prints the per-version figures and the swap pauses', async () => {
  const text = cli(['stats', '--port', 'edge']);
  assert.is(text.status, 0, text.stderr);
  assert.match(text.stdout, /port edge: v\d+ running/);
  assert.match(text.stdout, /swaps \d+: pause median/);
});

test('SIGTERM detaches: no XDP program stays on the interface and the socket is removed; a restart attaches from the config', async () => {
  const xdpOn = () => 'xdp' in JSON.parse(lab.ip(null, ['-j', 'link', 'show', 'dev', veth.name]))[0];
  assert.ok(xdpOn(), 'attached while serving');
  const code = await daemon!.stop();
  assert.is(code, 0);
  assert.not.ok(xdpOn(), 'no XDP program after SIGTERM');
  assert.not.ok(fs.existsSync(daemon!.socket), 'socket removed');

  // A restart attaches again from the config: version 1, the config's program.
  daemon = await TestDaemon.start(tmp, JSON.parse(fs.readFileSync(path.join(tmp, 'pipeline.json'), 'utf8')));
  const s = ((await daemon.client.request('status')) as { ports: { program: { version: number; name: string } }[] }).ports[0];
  assert.equal(s.program, { ...s.program, version: 1, name: 'swap-counter-v1' });
  assert.ok(xdpOn(), 'attached again after the restart');
  assert.is(await daemon.stop(), 0);
  assert.not.ok(xdpOn(), 'and detached again');
});

test.run();
