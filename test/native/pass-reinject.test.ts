// PASS verdicts: frames the pipeline answers with PASS are reinjected into the
// kernel stack of their ingress interface (an AF_PACKET socket whose frames the
// interface's tc egress filter turns around into its ingress with mirred) and
// must be delivered exactly once: the steering program must never see them
// again (in SKB mode the kernel skips XDP for mirred skbs), and nothing but
// the reinjected frames may be turned around.
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import * as assert from 'uvu/assert';
import { memoryPages } from '../../host/abi.js';
import { Batch } from '../../host/batch.js';
import { XskPortSet } from '../../native/index.js';
import { liveSuite } from '../helpers/live.js';
import { NetLab, type Veth } from '../helpers/netns.js';
import { capture, pump, sendFrames } from '../helpers/traffic.js';
import { eth, icmpEcho, ipv4, udp as udpSeg } from '../helpers/packets.js';
import { needing } from '../helpers/tools.js';

const test = await liveSuite('native/pass-reinject');

const withTc = needing(test, 'tc');
const LOCAL = '10.77.0.1', PEER = '10.77.0.2', PORT = 5555;
const LOAD_FRAMES = 100_000;
/** This namespace's UDP counters (the suite runs in a namespace of its own). */
function udpMib(): Record<string, number> {
  const lines = fs.readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
  const [names, values] = lines.map((l) => l.split(/\s+/).slice(1));
  return Object.fromEntries(names.map((n, i) => [n, Number(values[i])]));
}
interface PassLab { lab: NetLab; peerNs: string; v: Veth; udp: dgram.Socket; set: XskPortSet; batch: Batch }

/** A veth with addresses on both ends, a UDP socket bound to PORT on ours and one AF_XDP port on it; all torn down after fn. */
async function withPassLab(mode: 'skb' | 'drv', fn: (l: PassLab) => Promise<void>): Promise<void> {
  const lab = new NetLab();
  const udp = dgram.createSocket('udp4');
  let set: XskPortSet | undefined;
  try {
    const peerNs = lab.addNetns();
    const v = lab.addVeth({ peerNs, addr: `${LOCAL}/24`, peerAddr: `${PEER}/24` });
    await new Promise<void>((resolve) => udp.bind(PORT, LOCAL, resolve));
    const pages = memoryPages(1);
    set = XskPortSet.open({ memory: new WebAssembly.Memory({ initial: pages, maximum: pages }) });
    set.addPort({ ifname: v.name, mode });
    const batch = new Batch();
    set.bindBatch(batch);
    set.receive(0, 0);
    await fn({ lab, peerNs, v, udp, set, batch });
  } finally {
    set?.close();
    udp.close();
    lab.destroy();
  }
}

const pass = (b: Batch, i: number) => { b.action[i] = 2; b.outAddr[i] = b.addr[i]; b.outLen[i] = b.len[i]; };

/** tc on this process's namespace; only ever on interfaces the test's NetLab made. */
const tc = (args: string[]) => execFileSync('tc', args, { encoding: 'utf8' });

for (const mode of ['skb', 'drv'] as const) {
  test(`${mode}: ICMP echo is answered by the kernel and a UDP datagram arrives exactly once`, () => withPassLab(mode, async ({ lab, peerNs, v, udp, set, batch }) => {
    const datagrams: string[] = [];
    udp.on('message', (m) => datagrams.push(String(m)));
    const replies = capture(lab, peerNs, v.peer, 1, 6000, 0x0800);
    await replies.ready;
    const echo = eth({ src: v.peerMac, dst: v.mac }, ipv4({ src: PEER, dst: LOCAL }, icmpEcho({ id: 0x4242, seq: 7 }, 'wasmxdp pass')));
    // Our kernel must resolve the peer before it answers: the ARP reply comes through PASS too.
    const sentEcho = sendFrames(lab, peerNs, v.peer, [echo], 1);
    // A raw frame with a complete checksum: datagrams from the veth peer's own stack carry
    // a partial one (checksum offload), which the stack rejects once reinjected (see README).
    const dgram1 = eth({ src: v.peerMac, dst: v.mac }, ipv4({ src: PEER, dst: LOCAL }, udpSeg({ sport: 40000, dport: PORT }, 'exactly once')));
    const sentUdp = sendFrames(lab, peerNs, v.peer, [dgram1], 1);

    let gotReply: Uint8Array[] | null = null;
    replies.frames.then((f) => { gotReply = f; }, () => { gotReply = []; });
    const r1 = await pump(set, batch, { until: () => datagrams.length >= 1 && gotReply !== null, timeoutMs: 8000, verdict: pass });
    // Keep going a while: a looping frame would show up again here.
    const r2 = await pump(set, batch, { until: () => false, timeoutMs: 500, verdict: pass });
    await sentEcho;
    await sentUdp;

    assert.equal(datagrams, ['exactly once']);
    const reply = (gotReply ?? [])[0];
    assert.ok(reply, 'echo reply captured on the peer');
    assert.is(reply[23], 1, 'ICMP');
    assert.is(reply[34], 0, 'echo reply');
    assert.is((reply[38] << 8) | reply[39], 0x4242);

    const received = r1.received + r2.received;
    const c = set.counters(0), p = set.programStats(0);
    assert.is(c.pass, received);
    assert.is(c.passErrors, 0);
    assert.is(p.reinjected, received);
    // Every frame went into the socket once and only once.
    assert.is(p.redirect, received);
    const f = set.frames();
    assert.is(f.free + f.fill + f.tx + f.held, f.total);
    assert.is(f.held, 0);
  }));
}

test('skb: real traffic right after a reinjection is still steered into the socket', () => withPassLab('skb', async ({ lab, peerNs, v, set, batch }) => {
  const frames = Array.from({ length: 50 }, (_, i) => eth({ src: v.peerMac, dst: v.mac, type: 0x88b5 }, new Uint8Array(60).fill(i)));
  const sending = sendFrames(lab, peerNs, v.peer, frames, 200, { gapUs: 100 });
  // Alternate PASS and DROP: every frame must still reach the socket exactly once.
  let k = 0;
  const r = await pump(set, batch, {
    until: (n) => n >= 200, timeoutMs: 8000,
    verdict: (b, i) => { b.action[i] = k++ % 2 ? 1 : 2; b.outAddr[i] = b.addr[i]; b.outLen[i] = b.len[i]; },
  });
  await sending;
  assert.is(r.received, 200);
  const p = set.programStats(0);
  assert.is(p.redirect, 200);
  assert.is(p.reinjected, 100);
  assert.is(set.counters(0).pass, 100);
}));

for (const mode of ['skb', 'drv'] as const) {
  test(`${mode}: under load every PASSed datagram reaches the socket and no reinjection fails`, () => withPassLab(mode, async ({ lab, peerNs, v, set, batch }) => {
    const before = udpMib();
    const frame = eth({ src: v.peerMac, dst: v.mac }, ipv4({ src: PEER, dst: LOCAL }, udpSeg({ sport: 40001, dport: PORT }, 'load')));
    const sending = sendFrames(lab, peerNs, v.peer, [frame], LOAD_FRAMES);
    const r = await pump(set, batch, { until: (n) => n >= LOAD_FRAMES, timeoutMs: 30_000, verdict: pass });
    await sending;
    r.received += (await pump(set, batch, { until: () => false, timeoutMs: 300, verdict: pass })).received;
    const after = udpMib();
    const c = set.counters(0);
    assert.is(c.passErrors, 0, `errno ${c.passLastErrno}`);
    assert.is(c.pass, r.received);
    // The ring may drop frames when the sender outruns us, and the socket those its buffer
    // cannot hold; but UDP must have been handed each frame PASSed, once.
    assert.ok(r.received >= 20_000, `received ${r.received}`);
    assert.is(after.InDatagrams + after.RcvbufErrors - before.InDatagrams - before.RcvbufErrors, r.received);
    assert.is(set.programStats(0).reinjected, r.received);
  }));
}

withTc('only the reinjected frames are turned around: the host\'s own traffic still leaves the interface', () => withPassLab('drv', async ({ lab, peerNs, v, udp, set }) => {
    const filters = tc(['filter', 'show', 'dev', v.name, 'egress']);
    assert.match(filters, /wasmxdp_reinj_tc/);
    assert.match(filters, /mirred \(Ingress Redirect to device/);
    const out = capture(lab, peerNs, v.peer, 3, 6000, 0x0800);
    await out.ready;
    // A static neighbour entry: the datagrams leave without an ARP exchange first.
    lab.ip(null, ['neigh', 'replace', PEER, 'lladdr', v.peerMac, 'dev', v.name]);
    for (let i = 0; i < 3; i++) await new Promise<void>((resolve, reject) => udp.send(`own ${i}`, PORT, PEER, (e) => (e ? reject(e) : resolve())));
    const got = await out.frames;
    assert.is(got.length, 3, 'the peer received the host\'s datagrams');
    assert.is(set.programStats(0).reinjected, 0);
}));

withTc('close removes the filter, and the clsact qdisc only if it made it', async () => {
  const lab = new NetLab();
  try {
    const peerNs = lab.addNetns();
    const a = lab.addVeth({ peerNs });
    const b = lab.addVeth({ peerNs });
    // b already has a clsact qdisc with someone else's filter on it.
    tc(['qdisc', 'add', 'dev', b.name, 'clsact']);
    tc(['filter', 'add', 'dev', b.name, 'egress', 'prio', '7', 'u32', 'match', 'u32', '0', '0', 'flowid', '1:1']);
    for (const v of [a, b]) {
      const pages = memoryPages(1);
      const set = XskPortSet.open({ memory: new WebAssembly.Memory({ initial: pages, maximum: pages }) });
      set.addPort({ ifname: v.name, mode: 'drv' });
      assert.match(tc(['filter', 'show', 'dev', v.name, 'egress']), /wasmxdp_reinj_tc/);
      set.close();
      assert.not.match(tc(['filter', 'show', 'dev', v.name, 'egress']), /wasmxdp_reinj_tc/);
    }
    assert.not.match(tc(['qdisc', 'show', 'dev', a.name]), /clsact/);
    assert.match(tc(['qdisc', 'show', 'dev', b.name]), /clsact/);
    assert.match(tc(['filter', 'show', 'dev', b.name, 'egress']), /u32/);
  } finally {
    lab.destroy();
  }
});

test.run();
