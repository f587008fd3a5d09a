// `wasmxdp run <handler> --iface`: all four verdicts on real veth pairs, as a
// user runs it (the CLI as a child process), with the kernel on the other side.
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { cToolchain } from '../../../host/compile-c.js';
import { liveSuite } from '../../helpers/live.js';
import { NetLab } from '../../helpers/netns.js';
import { ROOT, wasmxdp } from '../../helpers/cli.js';
import { startLive } from '../../helpers/live-cli.js';
import { capture, sendFrames } from '../../helpers/traffic.js';
import { eth, ipv4, udp } from '../../helpers/packets.js';
import { foreignProgram, xdpOf } from '../../helpers/xdp.js';

const test = await liveSuite('pipeline/live: wasmxdp run --iface');
const UDP_PEER = path.join(ROOT, 'dist/test/helpers/udp-peer.js');
const GUESTS = 'test/pipeline/guests';
const A = '10.79.0.1', B = '10.79.0.2';

const xdpAttached = (ifname: string) => xdpOf(ifname) !== undefined;

function peerRun(lab: NetLab, ns: string, args: string[]): Promise<any> {
  const child = lab.spawn(ns, process.execPath, [UDP_PEER, ...args]);
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  return new Promise((resolve, reject) => child.on('exit', (code) => code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`udp-peer exited ${code}`))));
}

/** A lab with one veth: our end in this process's namespace (A), the peer in a namespace of its own (B). */
function oneVeth(lab: NetLab) {
  const peerNs = lab.addNetns();
  const v = lab.addVeth({ peerNs, addr: `${A}/24`, peerAddr: `${B}/24` });
  // The peer's own stack hands veth partial UDP checksums (TX offload); a
  // reflector that checks checksums on the way in would pass those.
  lab.exec(peerNs, 'ethtool', ['-K', v.peer, 'tx', 'off']);
  return { peerNs, v };
}

// The C port (examples/udp-reflector-c) runs through the same host and must answer the same way.
const REFLECTORS = ['examples/udp-reflector'];
if (cToolchain().ok || process.env.WASMXDP_REQUIRE_LIVE === '1') REFLECTORS.push('examples/udp-reflector-c');
else console.log(`  skipped the C reflector: install ${cToolchain().missing.join(' and ')} (apt-get install clang lld)`);

for (const reflector of REFLECTORS) test(`TX: ${reflector} answers a real UDP client in the peer namespace`, async () => {
  const lab = new NetLab();
  try {
    const { peerNs, v } = oneVeth(lab);
    const run = startLive([reflector, '--iface', v.name]);
    await run.attached;
    const r = await peerRun(lab, peerNs, ['echo', A, '7', '200', '1000']);
    run.stop();
    const { status, summary } = await run.done;
    assert.is(status, 0);
    assert.equal(r, { sent: 200, replies: 200, matched: 200 });
    assert.ok(summary.verdicts.tx >= 200, `tx ${summary.verdicts.tx}`);
    // Every frame queued for TX was completed by the kernel before stop, none
    // dropped on a full ring; the worker's thread CPU is in the figures.
    assert.is(summary.applied.txCompleted, summary.applied.tx);
    assert.is(summary.applied.txRingFull, 0);
    assert.ok(summary.applied.kicks >= 1, `kicks ${summary.applied.kicks}`);
    assert.ok(summary.thread.userSeconds > 0 && summary.thread.sysSeconds > 0, JSON.stringify(summary.thread));
    assert.ok(summary.thread.usPerFrame > 0);
    assert.is(summary.traps, 0);
    assert.is(summary.frames.held, 0, 'no frame held by user space after stop');
    assert.not.ok(xdpAttached(v.name), 'the XDP program is detached after stop');
  } finally { lab.destroy(); }
});

test('PASS: with the reflector attached, ping and ARP work and other UDP arrives exactly once', async () => {
  const lab = new NetLab();
  const sock = dgram.createSocket('udp4');
  try {
    const { peerNs, v } = oneVeth(lab);
    const got: string[] = [];
    sock.on('message', (m) => got.push(String(m)));
    await new Promise<void>((r) => sock.bind(9999, A, r));
    const run = startLive(['examples/udp-reflector', '--iface', v.name]);
    await run.attached;
    // ARP resolution of A from B goes through the pipeline (PASS) too.
    const ping = spawnSync('ip', ['netns', 'exec', peerNs, 'ping', '-c', '3', '-i', '0.2', '-W', '2', A], { encoding: 'utf8', timeout: 15000 });
    assert.is(ping.status, 0, ping.stdout + ping.stderr);
    assert.match(ping.stdout, /3 received/);
    const datagrams = ['one', 'two', 'three', 'four', 'five'];
    const frames = datagrams.map((d) => eth({ src: v.peerMac, dst: v.mac }, ipv4({ src: B, dst: A }, udp({ sport: 4444, dport: 9999 }, d))));
    assert.is(await sendFrames(lab, peerNs, v.peer, frames, frames.length, { gapUs: 2000 }), 5);
    for (let i = 0; i < 50 && got.length < datagrams.length; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300)); // a duplicate would arrive within this
    run.stop();
    const { summary } = await run.done;
    assert.equal(got, datagrams, 'each datagram delivered exactly once, in order');
    assert.ok(summary.verdicts.pass >= 3 + 5, `pass ${summary.verdicts.pass}`);
    assert.is(summary.applied.passErrors, 0);
  } finally { sock.close(); lab.destroy(); }
});

test('DROP: every frame is counted by our stats and the XDP program, none reaches a socket', async () => {
  const lab = new NetLab();
  const sock = dgram.createSocket('udp4');
  try {
    const { peerNs, v } = oneVeth(lab);
    let received = 0;
    sock.on('message', () => { received++; });
    await new Promise<void>((r) => sock.bind(9998, A, r));
    const run = startLive([`${GUESTS}/drop-all.ts`, '--iface', v.name]);
    await run.attached;
    const frame = eth({ src: v.peerMac, dst: v.mac }, ipv4({ src: B, dst: A }, udp({ sport: 4444, dport: 9998 }, 'drop me')));
    const N = 3000;
    // Paced so the socket's rings never overflow: this is about DROP, not load.
    assert.is(await sendFrames(lab, peerNs, v.peer, [frame], N, { gapUs: 100 }), N);
    await new Promise((r) => setTimeout(r, 1500));
    run.stop();
    const { summary } = await run.done;
    assert.is(received, 0);
    assert.is(summary.verdicts.drop, N, JSON.stringify(summary.socket));
    assert.is(summary.packets, N);
    assert.is(summary.applied.drop, N);
    assert.is(summary.socket.rxDropped, 0);
    assert.is(summary.frames.held, 0);
  } finally { sock.close(); lab.destroy(); }
});

test('REDIRECT: a forwarding handler carries frames between two veth pairs, byte-identical', async () => {
  const lab = new NetLab();
  try {
    const left = lab.addNetns(), right = lab.addNetns();
    const l = lab.addVeth({ peerNs: left });
    const r = lab.addVeth({ peerNs: right });
    const run = startLive([`${GUESTS}/forward.ts`, '--iface', `${l.name},${r.name}`]);
    await run.attached;
    const frames = Array.from({ length: 40 }, (_, i) => eth({ src: '02:aa:00:00:00:01', dst: '02:bb:00:00:00:02' },
      ipv4({ src: '10.80.0.1', dst: '10.80.0.2', id: i }, udp({ sport: 1000 + i, dport: 2000 }, `frame ${i}`))));
    const cap = capture(lab, right, r.peer, frames.length, 8000, 0x0800);
    await cap.ready;
    assert.is(await sendFrames(lab, left, l.peer, frames, frames.length, { gapUs: 500 }), frames.length);
    const got = await cap.frames;
    run.stop();
    const { summary } = await run.done;
    assert.is(got.length, frames.length);
    got.forEach((f, i) => assert.equal(Buffer.from(f).toString('hex'), Buffer.from(frames[i]).toString('hex'), `frame ${i}`));
    assert.ok(summary.verdicts.redirect >= frames.length);
    assert.not.ok(xdpAttached(l.name)); assert.not.ok(xdpAttached(r.name));
  } finally { lab.destroy(); }
});

test('a trapping handler on a live port: the trapping frame is ABORTED, the following frames are still handled', async () => {
  const lab = new NetLab();
  try {
    const { peerNs, v } = oneVeth(lab);
    const run = startLive([`${GUESTS}/trap-on-marker.ts`, '--iface', v.name]);
    await run.attached;
    const good = eth({ src: v.peerMac, dst: v.mac }, ipv4({ src: B, dst: A }, udp({ sport: 1, dport: 9 }, 'fine')));
    const bad = Uint8Array.from(good); bad[0] = 0xee; // the handler traps on a first byte of 0xee
    assert.is(await sendFrames(lab, peerNs, v.peer, [good, bad, good, good], 4, { gapUs: 1000 }), 4);
    assert.is(await sendFrames(lab, peerNs, v.peer, [good], 20, { gapUs: 200 }), 20);
    await new Promise((r) => setTimeout(r, 800));
    run.stop();
    const { summary } = await run.done;
    assert.is(summary.traps, 1);
    assert.is(summary.verdicts.aborted, 1);
    assert.ok(summary.verdicts.pass >= 23, `pass ${summary.verdicts.pass}`);
    assert.is(summary.frames.held, 0);
  } finally { lab.destroy(); }
});

test('--queue all runs one worker per receive queue and accounts for every frame', async () => {
  const lab = new NetLab();
  try {
    const peerNs = lab.addNetns();
    const v = lab.addVeth({ peerNs, queues: 2 });
    const run = startLive([`${GUESTS}/drop-all.ts`, '--iface', v.name, '--queue', 'all', '--mode', 'drv']);
    await run.attached;
    const frames = Array.from({ length: 16 }, (_, i) => eth({ src: v.peerMac, dst: v.mac },
      ipv4({ src: `10.81.0.${i + 1}`, dst: '10.81.1.1' }, udp({ sport: 1000 + i, dport: 2000 + i }, 'q'))));
    const N = 1600;
    assert.is(await sendFrames(lab, peerNs, v.peer, frames, N), N);
    await new Promise((r) => setTimeout(r, 1500));
    run.stop();
    const { status, summary } = await run.done;
    assert.is(status, 0);
    assert.equal([...new Set(summary.ports.map((p: { queue: number }) => p.queue))].sort(), [0, 1]);
    assert.is(summary.verdicts.drop, N);
    assert.is(summary.frames.held, 0);
  } finally { lab.destroy(); }
});

test('another XDP program on the interface: refused in one line, replaced with --force', async () => {
  const lab = new NetLab();
  try {
    const v = lab.addVeth({ peerNs: lab.addNetns() });
    lab.ip(null, ['link', 'set', 'dev', v.name, 'xdpgeneric', 'obj', foreignProgram(), 'sec', 'xdp']);
    const r = wasmxdp(['run', `${GUESTS}/drop-all.ts`, '--iface', v.name, '--duration', '1']);
    assert.is(r.status, 1);
    assert.match(r.stderr, /foreign_pass/);
    assert.match(r.stderr, /--force|force/);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.is(xdpOf(v.name)?.prog?.name, 'foreign_pass', 'left alone');
    const forced = wasmxdp(['run', `${GUESTS}/drop-all.ts`, '--iface', v.name, '--duration', '1', '--force', '--json']);
    assert.is(forced.status, 0, forced.stderr);
    assert.not.ok(xdpAttached(v.name), 'ours detached after the run');
  } finally { lab.destroy(); }
});

test('without the capabilities: one line naming what is missing', async () => {
  const lab = new NetLab();
  try {
    const v = lab.addVeth({ peerNs: lab.addNetns() });
    const r = spawnSync('setpriv', ['--inh-caps=-all', '--bounding-set=-all', '--', process.execPath, path.join(ROOT, 'bin/wasmxdp.js'),
      'run', `${GUESTS}/drop-all.ts`, '--iface', v.name, '--duration', '1'], { cwd: ROOT, encoding: 'utf8', timeout: 60000,
      env: { ...process.env } });
    assert.is(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /CAP_NET_ADMIN|CAP_BPF|CAP_IPC_LOCK|CAP_NET_RAW/);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.not.ok(xdpAttached(v.name));
  } finally { lab.destroy(); }
});

test('errors: no such interface is one clear line', () => {
  const r = wasmxdp(['run', 'examples/udp-reflector', '--iface', 'wxnope0']);
  assert.is(r.status, 1);
  assert.match(r.stderr, /no interface named wxnope0/);
  assert.is(r.stderr.trim().split('\n').length, 1);
});

test.run();
