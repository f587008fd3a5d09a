// PASS verdicts: frames the pipeline answers with PASS are reinjected into the
// kernel stack of their ingress interface (BPF_PROG_RUN with LIVE_FRAMES) and
// must be delivered exactly once: in SKB mode the kernel runs the attached
// steering program on the reinjected skb again, and the loop guard must let it
// through instead of steering it back into the socket.
import dgram from 'node:dgram';
import * as assert from 'uvu/assert';
import { memoryPages } from '../../host/abi.js';
import { Batch } from '../../host/batch.js';
import { XskPortSet } from '../../native/index.js';
import { liveSuite } from '../helpers/live.js';
import { NetLab } from '../helpers/netns.js';
import { capture, pump, sendFrames } from '../helpers/traffic.js';
import { eth, icmpEcho, ipv4, udp as udpSeg } from '../helpers/packets.js';
import { buildSteeringVariant, openWithProgram, rawPortOptions } from '../helpers/xdp.js';

const test = await liveSuite('native/pass-reinject');

const LOCAL = '10.77.0.1', PEER = '10.77.0.2', PORT = 5555;

for (const mode of ['skb', 'drv'] as const) {
  test(`${mode}: ICMP echo is answered by the kernel and a UDP datagram arrives exactly once`, async () => {
    const lab = new NetLab();
    const udp = dgram.createSocket('udp4');
    let set: XskPortSet | undefined;
    try {
      const peerNs = lab.addNetns();
      const v = lab.addVeth({ peerNs, addr: `${LOCAL}/24`, peerAddr: `${PEER}/24` });
      const datagrams: string[] = [];
      udp.on('message', (m) => datagrams.push(String(m)));
      await new Promise<void>((resolve) => udp.bind(PORT, LOCAL, resolve));

      const pages = memoryPages(1);
      set = XskPortSet.open({ memory: new WebAssembly.Memory({ initial: pages, maximum: pages }) });
      set.addPort({ ifname: v.name, mode });
      const batch = new Batch();
      set.bindBatch(batch);
      set.receive(0, 0);

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
      const pass = (b: Batch, i: number) => { b.action[i] = 2; b.outAddr[i] = b.addr[i]; b.outLen[i] = b.len[i]; };
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
      if (mode === 'skb') assert.is(p.guardPass, received, 'guard recognised each reinjected frame');
      else assert.is(p.guardPass, 0, 'driver mode never sees the reinjected skb');
      const f = set.frames();
      assert.is(f.free + f.fill + f.tx + f.held, f.total);
      assert.is(f.held, 0);
    } finally {
      set?.close();
      udp.close();
      lab.destroy();
    }
  });
}

test('skb: real traffic right after a reinjection is still steered into the socket', async () => {
  const lab = new NetLab();
  let set: XskPortSet | undefined;
  try {
    const peerNs = lab.addNetns();
    const v = lab.addVeth({ peerNs, addr: `${LOCAL}/24`, peerAddr: `${PEER}/24` });
    const pages = memoryPages(1);
    set = XskPortSet.open({ memory: new WebAssembly.Memory({ initial: pages, maximum: pages }) });
    set.addPort({ ifname: v.name, mode: 'skb' });
    const batch = new Batch();
    set.bindBatch(batch);
    set.receive(0, 0);
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
    assert.is(p.guardPass, p.reinjected);
    assert.is(set.counters(0).pass, 100);
  } finally {
    set?.close();
    lab.destroy();
  }
});

// Control experiment: the same program built without the guard. In SKB mode a
// single PASSed frame then comes back into the socket over and over; in driver
// mode it does not (which is why the guard is armed in SKB mode only).
for (const mode of ['skb', 'drv'] as const) {
  test(`${mode}: control: without the guard ${mode === 'skb' ? 'a PASSed frame loops' : 'nothing loops'}`, async () => {
    const lab = new NetLab();
    let native: ReturnType<typeof openWithProgram> | undefined;
    try {
      const obj = buildSteeringVariant(['WASMXDP_NO_GUARD']);
      const peerNs = lab.addNetns();
      const v = lab.addVeth({ peerNs });
      native = openWithProgram(obj);
      native.addPort(rawPortOptions(v.name, mode));
      const batch = new Batch();
      native.bindBatch(batch);
      native.receive(0, 0);
      await sendFrames(lab, peerNs, v.peer, [eth({ src: v.peerMac, dst: v.mac, type: 0x88b5 }, new Uint8Array(46))], 1);
      let received = 0;
      const end = Date.now() + 1000;
      while (Date.now() < end && received < 2000) {
        const n = native.receive(256, 10);
        for (let i = 0; i < n; i++) { batch.action[i] = 2; batch.outAddr[i] = batch.addr[i]; batch.outLen[i] = batch.len[i]; }
        if (n) native.apply(n);
        received += n;
        if (mode === 'drv' && received >= 1 && Date.now() > end - 700) break;
      }
      if (mode === 'skb') assert.ok(received >= 2000, `looped: ${received} receptions of one frame`);
      else assert.is(received, 1);
    } finally {
      native?.close();
      lab.destroy();
    }
  });
}

test.run();
