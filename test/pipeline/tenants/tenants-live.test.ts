// Two tenants on one veth port, selected by destination prefix in the XDP
// program, behind an operator firewall stage, served by `wasmxdp serve`:
// each tenant's reflector echoes only its own traffic, per-tenant counters
// match what was sent, the operator's DROP stops frames before any tenant
// stage, a flood over a tenant's pps quota is dropped in the kernel and
// counted for that tenant only; and the control plane: a non-root uid manages
// its tenant through its own socket, the kernel refuses it the other
// tenant's socket, a forged tenant field grants nothing, an over-quota deploy
// is refused naming the quota.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { compileHandlerCached } from '../../../host/compile.js';
import { ControlClient } from '../../../pipeline/control/client.js';
import { BIN, ROOT } from '../../helpers/cli.js';
import { example, guest, udpTo } from '../../helpers/chain.js';
import { TestDaemon } from '../../helpers/daemon.js';
import { liveSuite } from '../../helpers/live.js';
import { NetLab, type Veth } from '../../helpers/netns.js';
import { mac } from '../../helpers/packets.js';
import { sendFrames } from '../../helpers/traffic.js';
import { waitFor } from '../../helpers/wait.js';

const test = await liveSuite('tenants live: two tenants on one veth port, kernel classification, tenant sockets');

const NOBODY = 65534;
const OTHER_UID = 65533;
const ACME_IP = '198.51.100.1', GLOBEX_IP = '203.0.113.1', PEER_IP = '192.0.2.10';
const SPINNER_IP = '100.64.0.1', TRAPPER_IP = '100.64.1.1';
const ECHOES = 40;
const GLOBEX_PPS = 2000;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-tenants-'));
fs.chmodSync(tmp, 0o755); // the tenants' uids must reach their sockets and the module files
const runDir = path.join(tmp, 'run');
let lab: NetLab;
let veth: Veth;
let peerNs: string;
let daemon: TestDaemon | null = null;
const wasm: Record<string, string> = {};
const sock = (t: string) => path.join(runDir, `${t}.sock`);

/** The wasmxdp CLI as `uid` (setpriv drops root), or as root with uid null. */
function cliAs(uid: number | null, args: string[]): { status: number; stdout: string; stderr: string } {
  const cmd = uid === null ? [process.execPath, BIN, ...args] : ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', process.execPath, BIN, ...args];
  const r = spawnSync(cmd[0], cmd.slice(1), { cwd: '/', encoding: 'utf8', timeout: 60_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
function jsonAs<T = any>(uid: number | null, args: string[]): T {
  const r = cliAs(uid, [...args, '--json']);
  assert.is(r.status, 0, `wasmxdp ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}


function echo(host: string, count: number): { sent: number; matched: number } {
  const out = lab.exec(peerNs, process.execPath, [path.join(ROOT, 'dist/test/helpers/udp-peer.js'), 'echo', host, '7', String(count), '1000']);
  return JSON.parse(out.trim());
}

interface StageStats { stage: string; packets: number; verdicts: Record<string, number>; zeroCopy: boolean[]; copy: { copiesIn: number; copiesBack: number } }
interface TenantFig { name: string; packets: number; verdicts: Record<string, number>; kernel: { matched: number; toUser: number; overQuota: number } }
const operatorStats = async () => (await daemon!.client.request('stats', { port: 'edge' }) as { ports: { stages: StageStats[]; tenants: TenantFig[] }[] }).ports[0];

test.before(async () => {
  for (const [k, src] of [['echo', example('udp-reflector')], ['count', guest('chain-count')], ['ratelimit', example('rate-limit')]] as const) {
    wasm[k] = path.join(tmp, `${k}.wasm`);
    fs.writeFileSync(wasm[k], await compileHandlerCached(src.endsWith('.ts') ? src : path.join(src, 'handler.ts')));
    fs.chmodSync(wasm[k], 0o644);
  }
  lab = new NetLab();
  peerNs = lab.addNetns();
  veth = lab.addVeth({ peerNs, peerAddr: `${PEER_IP}/24` });
  // The peer reaches both tenants' addresses through the port, with static neighbours (no ARP to answer).
  for (const ip of [ACME_IP, GLOBEX_IP, SPINNER_IP, TRAPPER_IP]) {
    lab.ip(peerNs, ['route', 'add', `${ip}/32`, 'dev', veth.peer]);
    lab.ip(peerNs, ['neigh', 'add', ip, 'lladdr', veth.mac, 'dev', veth.peer]);
  }
  lab.exec(peerNs, 'ethtool', ['-K', veth.peer, 'tx', 'off'], true);
  const reflector = { stage: 'echo', program: { path: wasm.echo, health: { packets: 5, ms: 50 } } };
  daemon = await TestDaemon.start(tmp, {
    ports: [{ name: 'edge', iface: veth.name, queue: 0, mode: 'skb', chain: [{ stage: 'fw', program: { path: guest('chain-fw') } }] }],
    tenants: [
      { name: 'acme', socket: { path: sock('acme'), uid: NOBODY, gid: NOBODY, mode: '0600' }, match: [{ port: 'edge', dst: '198.51.100.0/24' }],
        quota: { mapBytes: 65536 }, chain: [{ stage: 'count', program: { path: wasm.count } }, reflector] },
      { name: 'globex', socket: { path: sock('globex'), uid: OTHER_UID, mode: '0600' }, match: [{ port: 'edge', dst: '203.0.113.0/24', proto: 'udp' }],
        quota: { pps: GLOBEX_PPS }, chain: [reflector] },
      { name: 'spinner', socket: { path: sock('spinner'), uid: OTHER_UID }, match: [{ port: 'edge', dst: '100.64.0.0/24' }], chain: [{ stage: 'bad', program: { path: guest('spin-all') } }] },
      { name: 'trapper', socket: { path: sock('trapper'), uid: OTHER_UID }, match: [{ port: 'edge', dst: '100.64.1.0/24' }], chain: [{ stage: 'bad', program: { path: guest('trap-all') } }] },
    ],
  });
});

test.after(async () => {
  await daemon?.stop();
  lab?.destroy();
  if (daemon) process.stdout.write(`# daemon log:\n${daemon.log().replace(/^/gm, '#   ')}\n`);
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('each tenant\'s reflector echoes its own traffic; counters match; stages saw only their tenant\'s frames', async () => {
  const a = echo(ACME_IP, ECHOES);
  const g = echo(GLOBEX_IP, ECHOES);
  assert.equal(a, { sent: ECHOES, replies: ECHOES, matched: ECHOES });
  assert.equal(g, { sent: ECHOES, replies: ECHOES, matched: ECHOES });
  const st = await operatorStats();
  const stage = (k: string) => st.stages.find((s) => s.stage === k)!;
  assert.is(stage('acme/echo').verdicts.tx, ECHOES);
  assert.is(stage('acme/echo').packets, ECHOES, 'acme\'s reflector saw exactly acme\'s frames');
  assert.is(stage('acme/count').packets, ECHOES);
  assert.is(stage('globex/echo').packets, ECHOES, 'globex\'s reflector saw exactly globex\'s frames');
  assert.ok(stage('fw').packets >= 2 * ECHOES, 'the operator stage saw every frame');
  assert.equal(stage('fw').zeroCopy, [true], 'operator stage on the UMEM');
  assert.equal(stage('acme/echo').zeroCopy, [false], 'tenants sharing the queue run on copies');
  assert.is(stage('acme/echo').copy.copiesBack, ECHOES, 'every echo was rewritten and copied back');
  assert.is(stage('acme/count').copy.copiesBack, 0);
  const fig = (n: string) => st.tenants.find((t) => t.name === n)!;
  assert.is(fig('acme').verdicts.tx, ECHOES);
  assert.is(fig('globex').verdicts.tx, ECHOES);
  assert.is(fig('acme').kernel.matched, ECHOES, 'the XDP program classified exactly the frames sent to acme');
  assert.is(fig('globex').kernel.matched, ECHOES);
});

test('the operator firewall DROPs before any tenant stage', async () => {
  const before = await operatorStats();
  const count0 = before.stages.find((s) => s.stage === 'acme/count')!.packets;
  const f = udpTo(ACME_IP, 9, 'discard me');
  f.set(mac(veth.mac), 0);
  f.set(mac(veth.peerMac), 6);
  assert.is(await sendFrames(lab, peerNs, veth.peer, [f], 20), 20);
  const st = await waitFor('the firewall to drop 20', async () => {
    const s = await operatorStats();
    return s.tenants.find((t) => t.name === 'acme')!.verdicts.drop >= 20 ? s : undefined;
  });
  assert.is(st.stages.find((s) => s.stage === 'acme/count')!.packets, count0, 'acme\'s first stage never saw them');
});

test('a flood over globex\'s pps quota is dropped in the kernel and counted for globex only; acme still echoes', async () => {
  const f = udpTo(GLOBEX_IP, 53, 'flood');
  f.set(mac(veth.mac), 0);
  f.set(mac(veth.peerMac), 6);
  const flooding = sendFrames(lab, peerNs, veth.peer, [f], 20_000);
  const a = echo(ACME_IP, ECHOES);
  await flooding;
  assert.is(a.matched, ECHOES, 'acme kept all its echoes during globex\'s flood');
  const st = await operatorStats();
  const g = st.tenants.find((t) => t.name === 'globex')!;
  assert.ok(g.kernel.overQuota > 10_000, `globex over quota: ${g.kernel.overQuota}`);
  assert.is(st.tenants.find((t) => t.name === 'acme')!.kernel.overQuota, 0);
});

for (const [who, ip] of [['spinner', SPINNER_IP], ['trapper', TRAPPER_IP]] as const) {
  test(`a tenant whose stage ${who === 'spinner' ? 'spins' : 'traps'} on every frame, flooded: acme still gets >= 95% of its echoes`, async () => {
    const f = udpTo(ip, 53, 'noise');
    f.set(mac(veth.mac), 0);
    f.set(mac(veth.peerMac), 6);
    const flooding = sendFrames(lab, peerNs, veth.peer, [f], 5000, { gapUs: 100 });
    const a = echo(ACME_IP, ECHOES);
    await flooding;
    process.stdout.write(`# ${who} flooded: acme matched ${a.matched}/${a.sent}\n`);
    assert.ok(a.matched >= 0.95 * ECHOES, `acme matched ${a.matched} of ${ECHOES}`);
    // Status learns of a quarantine from the worker's once-a-second report: wait for it, not a fixed moment.
    await waitFor(`${who}'s stage quarantined in status`, async () => {
      const s = await daemon!.client.request('status') as { ports: { stages: { stage: string; quarantined: boolean }[] }[] };
      return s.ports[0].stages.find((x) => x.stage === `${who}/bad`)!.quarantined || undefined;
    }, 5000);
  });
}

test('a non-root tenant manages its own stages through its socket and sees nothing else', async () => {
  const s = jsonAs(NOBODY, ['status', '--socket', sock('acme')]);
  assert.is(s.tenant, 'acme');
  assert.is(s.ports.length, 1);
  assert.equal(s.ports[0].stages.map((x: { stage: string; owner: string }) => [x.stage, x.owner]), [['count', 'acme'], ['echo', 'acme']]);
  assert.not.match(JSON.stringify(s), /globex|"fw"/);
  const st = jsonAs(NOBODY, ['stats', '--port', 'edge', '--stage', 'echo', '--socket', sock('acme')]);
  assert.is(st.ports[0].stages[0].stage, 'echo');
  assert.equal(st.ports[0].tenants.map((t: TenantFig) => t.name), ['acme']);
  const d = jsonAs(NOBODY, ['deploy', wasm.echo, '--port', 'edge', '--stage', 'echo', '--socket', sock('acme')]);
  assert.is(d.version, 2);
  assert.is(d.owner, 'acme');
  const r = jsonAs(NOBODY, ['rollback', '--port', 'edge', '--stage', 'echo', '--socket', sock('acme')]);
  assert.is(r.version, 1);
  const maps = jsonAs(NOBODY, ['map', 'list', 'edge', '--stage', 'count', '--socket', sock('acme')]);
  assert.match(JSON.stringify(maps), /seen/);
  assert.equal(echo(ACME_IP, 5).matched, 5, 'acme still echoes after its deploy and rollback');
  const noFw = cliAs(NOBODY, ['stats', '--port', 'edge', '--stage', 'fw', '--socket', sock('acme')]);
  assert.is(noFw.status, 1);
  assert.match(noFw.stderr, /no stage named 'fw' on port edge; stages: count, echo/);
});

test('the kernel refuses acme\'s uid on globex\'s socket; the socket files carry the configured owner and mode', () => {
  const r = cliAs(NOBODY, ['status', '--socket', sock('globex')]);
  assert.is(r.status, 1);
  assert.match(r.stderr, /not allowed to connect/);
  for (const [t, uid] of [['acme', NOBODY], ['globex', OTHER_UID]] as const) {
    const stt = fs.statSync(sock(t));
    assert.is(stt.uid, uid);
    assert.is(stt.mode & 0o777, 0o600);
  }
  assert.is(fs.statSync(runDir).mode & 0o022, 0, 'nobody but root may replace a socket');
  const list = cliAs(NOBODY, ['tenant', 'list', '--socket', sock('acme')]);
  assert.is(list.status, 1);
  assert.match(list.stderr, /for the operator's socket only/);
});

test('a forged tenant field on acme\'s socket grants nothing', async () => {
  const c = await ControlClient.connect(sock('acme'), 'globex');
  try {
    const s = await c.request('status') as { tenant: string; ports: { stages: { owner: string }[] }[] };
    assert.is(s.tenant, 'acme');
    assert.ok(s.ports[0].stages.every((x) => x.owner === 'acme'));
    const e = await c.request('deploy', { port: 'edge', stage: 'echo', program: { name: 'x', bytes: new Uint8Array(fs.readFileSync(wasm.echo)) } }).then(() => null, (x: Error & { code: string }) => x);
    assert.ok(e === null, 'deploying to "echo" reaches acme\'s own stage, not globex\'s');
    const s2 = await c.request('stats', { port: 'edge', stage: 'globex/echo' }).catch((x: Error & { code: string }) => x) as Error & { code: string };
    assert.is(s2.code, 'E_NOT_FOUND');
    assert.match(s2.message, /no stage named 'globex\/echo'/);
  } finally {
    c.close();
  }
});

test('an over-quota deploy is refused naming the quota; the running version stays', () => {
  const r = cliAs(NOBODY, ['deploy', wasm.ratelimit, '--port', 'edge', '--stage', 'count', '--socket', sock('acme')]);
  assert.is(r.status, 1);
  assert.match(r.stderr, /tenant acme: its maps \(.*\) is over the quota mapBytes \(\d+ > 65536\)/);
  const s = jsonAs(null, ['tenant', 'status', 'acme', '--socket', daemon!.socket]);
  const count = s.tenants[0].ports[0].stages.find((x: { stage: string }) => x.stage === 'count');
  assert.is(count.program.name, 'count');
});

test('the operator sees every tenant and stage', () => {
  const l = jsonAs(null, ['tenant', 'list', '--socket', daemon!.socket]);
  assert.equal(l.tenants.map((t: { name: string }) => t.name), ['acme', 'globex', 'spinner', 'trapper']);
  const s = jsonAs(null, ['status', '--socket', daemon!.socket]);
  assert.equal(s.ports[0].stages.map((x: { stage: string }) => x.stage), ['fw', 'acme/count', 'acme/echo', 'globex/echo', 'spinner/bad', 'trapper/bad']);
  const text = cliAs(null, ['tenant', 'status', '--socket', daemon!.socket]);
  assert.is(text.status, 0, text.stderr);
  assert.match(text.stdout, /tenant globex \(id 2\)/);
});

test.run();
