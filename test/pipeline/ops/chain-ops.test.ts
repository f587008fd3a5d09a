// Operating a chain port with two tenants under `wasmxdp serve`, on a veth in
// a test namespace: /metrics carries per-stage and per-tenant series (checked
// against the frames sent, strict parser), including the XDP program's
// per-tenant drops over quota; `wasmxdp capture --stage` writes the frames one
// stage judged; with "stateDir", per-stage deploys, history and map writes
// survive SIGKILL and a restart.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { tsharkFields } from '../../helpers/cli.js';
import { TestDaemon } from '../../helpers/daemon.js';
import { liveSuite } from '../../helpers/live.js';
import type { NetLab, Veth } from '../../helpers/netns.js';
import { eth, ipv4, udp } from '../../helpers/packets.js';
import { parseExposition, promtoolCheck, sum, type Family } from '../../helpers/prom-text.js';
import { sendFrames } from '../../helpers/traffic.js';
import { metricsUrl, startCapture, startServeLab, stopServeLab, waitFor, type ServeLab } from './ops-helpers.js';

const test = await liveSuite('chain port under serve: per-stage and per-tenant metrics, capture --stage, stateDir per stage');

const ACME_IP = '198.51.100.1', GLOBEX_IP = '203.0.113.1';
const GLOBEX_PPS = 100;
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-cstate-'));
const sockDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-csock-')); // 0700: tenant sockets need a directory only we write
let s: ServeLab | null = null;
let lab: NetLab;
let veth: Veth;
let peerNs: string;
let config: unknown;
const daemon = () => s!.daemon;
const ask = (cmd: string, args: Record<string, unknown> = {}) => daemon().client.request(cmd as never, args);

const to = (ip: string, n = 0) => eth({ dst: veth.mac, src: veth.peerMac }, ipv4({ src: '192.0.2.10', dst: ip }, udp({ sport: 40000, dport: 9 }, new Uint8Array([n, 1, 2, 3]))));

async function scrape(): Promise<{ text: string; families: Map<string, Family> }> {
  const res = await fetch(await metricsUrl(daemon()));
  const text = await res.text();
  return { text, families: parseExposition(text) };
}

test.before(async () => {
  s = await startServeLab(['chain-count', 'swap-counter-v1', 'swap-counter-v2', 'drop-all'], (wasm, [v]) => (config = {
    stateDir,
    metrics: { listen: '127.0.0.1:0' },
    ports: [{ name: 'edge', iface: v.name, queue: 0, mode: 'skb', chain: [{ stage: 'count', program: { path: wasm['chain-count'], health: { packets: 0, ms: 0 } } }] }],
    tenants: [
      { name: 'acme', socket: { path: path.join(sockDir, 'acme.sock'), uid: 65534 }, match: [{ port: 'edge', dst: '198.51.100.0/24' }],
        chain: [{ stage: 'hits', program: { path: wasm['swap-counter-v1'], health: { packets: 0, ms: 0 } } }] },
      { name: 'globex', socket: { path: path.join(sockDir, 'globex.sock'), uid: 65533 }, match: [{ port: 'edge', dst: '203.0.113.0/24' }],
        quota: { pps: GLOBEX_PPS }, chain: [{ stage: 'sink', program: { path: wasm['drop-all'] } }] },
    ],
  }));
  ({ lab, peerNs, veths: [veth] } = s);
});

test.after(async () => {
  await stopServeLab(s);
  for (const d of [stateDir, sockDir]) fs.rmSync(d, { recursive: true, force: true });
});

test('/metrics: verdicts per stage and tenant, and the kernel\'s per-tenant drops over quota, equal the frames sent', async () => {
  const N = 400;
  assert.is(await sendFrames(lab, peerNs, veth.peer, [to(ACME_IP)], N, { gapUs: 200 }), N);
  assert.is(await sendFrames(lab, peerNs, veth.peer, [to(GLOBEX_IP)], N, { gapUs: 50 }), N); // ~20 kpps: far over globex's 100 pps
  const { text, families } = await waitFor('every frame in the scrape', async () => {
    const x = await scrape();
    const m = x.families.get('wasmxdp_tenant_kernel_matched_total');
    return m && sum(x.families, 'wasmxdp_tenant_kernel_matched_total') >= 2 * N && sum(x.families, 'wasmxdp_packets_total', { stage: 'acme/hits' }) >= N ? x : undefined;
  });
  const k = (name: string, tenant: string, more: Record<string, string> = {}) => sum(families, name, { port: 'edge', tenant, ...more });
  assert.is(k('wasmxdp_tenant_kernel_matched_total', 'acme'), N);
  assert.is(k('wasmxdp_tenant_kernel_drops_total', 'acme', { reason: 'quota' }), 0);
  assert.is(k('wasmxdp_tenant_kernel_matched_total', 'globex'), N);
  const over = k('wasmxdp_tenant_kernel_drops_total', 'globex', { reason: 'quota' });
  const globexUser = k('wasmxdp_tenant_kernel_to_user_total', 'globex');
  assert.ok(over > N / 2, `globex over quota: ${over}`);
  assert.is(over + globexUser, N, 'every globex frame is either over quota or reached user space');
  assert.is(k('wasmxdp_tenant_packets_total', 'acme', { verdict: 'drop' }), N, 'acme\'s final verdicts');
  assert.is(k('wasmxdp_tenant_packets_total', 'globex', { verdict: 'drop' }), globexUser);

  // Per stage: the stage label is the stage key, the tenant label its owner.
  const st = (stage: string, tenant: string, more: Record<string, string> = {}) => sum(families, 'wasmxdp_verdicts_total', { port: 'edge', stage, tenant, queue: '0', ...more });
  assert.is(st('acme/hits', 'acme', { version: '1', verdict: 'drop' }), N);
  assert.is(st('globex/sink', 'globex', { verdict: 'drop' }), globexUser);
  assert.is(st('count', 'default', { verdict: 'pass' }), N + globexUser, 'the operator stage saw every frame that reached user space');
  assert.is(sum(families, 'wasmxdp_quarantined', { stage: 'acme/hits', tenant: 'acme', version: '1' }), 0);
  assert.is(sum(families, 'wasmxdp_traps_total', { stage: 'acme/hits' }), 0);
  assert.is(sum(families, 'wasmxdp_version_traps_total', { stage: 'acme/hits', version: '1' }), 0);
  assert.is(sum(families, 'wasmxdp_fuel_exhaustions_total', { stage: 'globex/sink', tenant: 'globex' }), 0);
  assert.is(sum(families, 'wasmxdp_worker_restarts_total', { stage: 'count' }), 0);
  const verdict = promtoolCheck(text);
  if (verdict === 'missing') console.log('# promtool not installed (Debian: apt-get install prometheus): checked with the strict parser only');
  else assert.is(verdict, null, `promtool check metrics: ${verdict}`);
});

test('capture --stage acme/hits: only the frames that stage judged, with its verdict; without --stage it asks for one', async () => {
  const none = startCapture(s!.daemon.socket, ['--count', '1', '-w', path.join(s!.tmp, 'x.pcapng')]);
  const r0 = await none.done;
  assert.is.not(r0.code, 0);
  assert.match(r0.stderr, /several stages \(count, acme\/hits, globex\/sink\); give --stage/);

  const file = path.join(s!.tmp, 'acme.pcapng');
  const c = startCapture(s!.daemon.socket, ['--stage', 'acme/hits', '--count', '12', '-w', file]);
  await c.ready;
  const frames = Array.from({ length: 12 }, (_, i) => to(ACME_IP, i));
  // globex frames between them: another stage's, never in this capture.
  assert.is(await sendFrames(lab, peerNs, veth.peer, frames.flatMap((f, i) => [f, to(GLOBEX_IP, 100 + i)]), 24, { gapUs: 20_000 }), 24);
  const r = await c.done;
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /port edge stage acme\/hits/);
  const rows = tsharkFields(file, ['frame.comment', 'ip.dst', 'data.data']);
  assert.is(rows.length, 12);
  rows.forEach((row, i) => {
    assert.is(row[0], 'wasmxdp verdict=drop');
    assert.is(row[1], ACME_IP);
    assert.is(parseInt(row[2].slice(0, 2), 16), i, 'in order, bytes as the stage saw them');
  });
});

test('stateDir: a stage\'s deploy, history and an operator map write on another stage survive SIGKILL and a restart', async () => {
  const bytes = new Uint8Array(fs.readFileSync(s!.wasm['swap-counter-v2']));
  const dep = await ask('deploy', { port: 'edge', stage: 'acme/hits', program: { name: 'swap-counter-v2', bytes } }) as { version: number };
  assert.is(dep.version, 2);
  await ask('map.set', { port: 'edge', stage: 'count', map: 'seen', key: '0', value: '4242' });
  assert.ok(fs.existsSync(path.join(stateDir, 'ports', 'edge+acme+hits.json')), 'one state file per stage');
  const old = daemon();
  old.client.close();
  old.child.kill('SIGKILL');
  await old.exited;
  s!.daemon = await TestDaemon.start(s!.tmp, config, 30_000);
  type St = { ports: { stages: { stage: string; program: { version: number; name: string }; versions: { version: number; state: string }[] }[] }[] };
  const st = ((await ask('status')) as St).ports[0].stages;
  const hits = st.find((x) => x.stage === 'acme/hits')!;
  assert.equal([hits.program.version, hits.program.name], [2, 'swap-counter-v2']);
  assert.equal(hits.versions.map((v) => [v.version, v.state]), [[1, 'previous'], [2, 'active']]);
  assert.is(st.find((x) => x.stage === 'count')!.program.version, 1);
  const seen = ((await ask('map.get', { port: 'edge', stage: 'count', map: 'seen', key: '0' })) as { total: string }).total;
  assert.is(seen, '4242');
  assert.match(daemon().log(), /port edge stage acme\/hits: restored from the state directory: v2 running, 2 version\(s\)/);
  // The stage really runs v2: it counts in slot 2.
  assert.is(await sendFrames(lab, peerNs, veth.peer, [to(ACME_IP)], 50, { gapUs: 200 }), 50);
  await waitFor('v2 to count', async () => (((await ask('map.get', { port: 'edge', stage: 'acme/hits', map: 'hits', key: '2' })) as { total: string }).total === '50' ? true : undefined));
  const back = await ask('rollback', { port: 'edge', stage: 'acme/hits' }) as { version: number; from: number };
  assert.equal([back.version, back.from], [1, 2], 'rollback still goes back after the restart');
});

test.run();
