// Live AF_XDP tests of XskPortSet on veth pairs inside namespaces of our own
// (scenarios adapted from the kernel's xskxceiver selftests). The port side runs
// in this process's namespace; the peer sends and captures with wx-pkt.
import { Worker } from 'node:worker_threads';
import * as assert from 'uvu/assert';
import { memoryPages, FRAME_AREA_OFFSET } from '../../host/abi.js';
import { Batch } from '../../host/batch.js';
import { XskPortSet } from '../../native/index.js';
import { liveSuite } from '../helpers/live.js';
import { NetLab, type Veth } from '../helpers/netns.js';
import { capture, drop, pump, sendFrames } from '../helpers/traffic.js';
import { eth, ipv4, udp } from '../helpers/packets.js';

const test = await liveSuite('native/xsk');

function newMemory(): WebAssembly.Memory {
  const pages = memoryPages(1);
  return new WebAssembly.Memory({ initial: pages, maximum: pages });
}

function frame(src: string, dst: string, payload: Uint8Array | string, sport = 4000): Uint8Array {
  return eth({ src, dst }, ipv4({ src: '10.99.0.2', dst: '10.99.0.1' }, udp({ sport, dport: 9 }, payload)));
}

function assertAccounted(set: XskPortSet): void {
  const f = set.frames();
  assert.is(f.free + f.fill + f.tx + f.held, f.total, `frames accounted: ${JSON.stringify(f)}`);
  assert.is(f.invalidAddrs, 0);
}

async function withLab(fn: (lab: NetLab, peerNs: string) => Promise<void>): Promise<void> {
  const lab = new NetLab();
  try {
    await fn(lab, lab.addNetns());
  } finally {
    lab.destroy();
  }
}

interface OnePort { lab: NetLab; peerNs: string; v: Veth; memory: WebAssembly.Memory; set: XskPortSet; batch: Batch }

/** One port with default options on a fresh veth pair, its batch bound and its fill ring filled. */
function withPort(fn: (p: OnePort) => Promise<void>): Promise<void> {
  return withLab(async (lab, peerNs) => {
    const v = lab.addVeth({ peerNs });
    const memory = newMemory();
    const set = XskPortSet.open({ memory });
    try {
      set.addPort({ ifname: v.name });
      const batch = new Batch();
      set.bindBatch(batch);
      set.receive(0, 0);
      await fn({ lab, peerNs, v, memory, set, batch });
    } finally {
      set.close();
    }
  });
}

for (const mode of ['skb', 'drv'] as const) {
  test(`${mode}: receives frames byte-identical at the configured headroom`, () => withLab(async (lab, peerNs) => {
    const v = lab.addVeth({ peerNs });
    const memory = newMemory();
    const set = XskPortSet.open({ memory });
    try {
      assert.is(set.addPort({ ifname: v.name, mode }), 0);
      const batch = new Batch();
      set.bindBatch(batch);
      assert.is(set.receive(batch.addr.length, 0), 0);  // fills the fill ring
      const frames = [0, 1, 2, 3, 4].map((i) => frame(v.peerMac, v.mac, `hello ${i} `.repeat(i * 20 + 1)));
      assert.is(await sendFrames(lab, peerNs, v.peer, frames, frames.length), 5);
      const got: Uint8Array[] = [];
      const bytes = new Uint8Array(memory.buffer);
      await pump(set, batch, {
        until: (n) => n >= 5, timeoutMs: 5000,
        onFrame: (b, i) => {
          assert.is(b.headroom[i], 256);
          assert.is(b.port[i], 0);
          assert.is(b.queue[i], 0);
          assert.is((b.addr[i] - b.headroom[i] - FRAME_AREA_OFFSET) % 2048, 0, 'frame aligned');
          assert.is(b.headroom[i] + b.len[i] + b.tailroom[i], 2048);
          got.push(bytes.slice(b.addr[i], b.addr[i] + b.len[i]));
        },
      });
      assert.equal(got.map((g) => Buffer.from(g).toString('hex')), frames.map((f) => Buffer.from(f).toString('hex')));
      assert.is(set.counters(0).rx, 5);
      assert.is(set.counters(0).drop, 5);
      assert.ok(set.programStats(0).redirect >= 5);
      assertAccounted(set);
      assert.is(set.frames().held, 0);
    } finally {
      set.close();
    }
  }));
}

test('a custom headroom moves the packet start', () => withLab(async (lab, peerNs) => {
  const v = lab.addVeth({ peerNs });
  const memory = newMemory();
  const set = XskPortSet.open({ memory, headroom: 512 });
  try {
    set.addPort({ ifname: v.name });
    const batch = new Batch();
    set.bindBatch(batch);
    set.receive(256, 0);
    await sendFrames(lab, peerNs, v.peer, [frame(v.peerMac, v.mac, 'x')], 1);
    const seen: number[] = [];
    await pump(set, batch, { until: (n) => n >= 1, timeoutMs: 5000, onFrame: (b, i) => seen.push(b.headroom[i]) });
    assert.equal(seen, [512]);
  } finally {
    set.close();
  }
}));

test('DROP recycles frames: 3x the UMEM worth of frames all arrive, in order, intact', () => withLab(async (lab, peerNs) => {
  const v = lab.addVeth({ peerNs });
  const memory = newMemory();
  // A small UMEM (256 frames) so recycling is exercised quickly.
  const set = XskPortSet.open({ memory, umemSize: 256 * 2048 });
  try {
    set.addPort({ ifname: v.name, rxSize: 512 });
    const batch = new Batch();
    set.bindBatch(batch);
    set.receive(256, 0);
    const total = 768;
    const tmpl = frame(v.peerMac, v.mac, new Uint8Array(64).fill(0xab));
    const seqOffset = tmpl.length - 64;
    const bytes = new Uint8Array(memory.buffer);
    const seqs: number[] = [];
    let bad = 0;
    // Paced so the 256-frame UMEM never runs dry (this test is about recycling, not overload).
    const sent = sendFrames(lab, peerNs, v.peer, [tmpl], total, { seqOffset, gapUs: 200 });
    await pump(set, batch, {
      until: (n) => n >= total, timeoutMs: 20000,
      onFrame: (b, i) => {
        const p = bytes.subarray(b.addr[i], b.addr[i] + b.len[i]);
        seqs.push(((p[seqOffset] << 24) | (p[seqOffset + 1] << 16) | (p[seqOffset + 2] << 8) | p[seqOffset + 3]) >>> 0);
        if (p.length !== tmpl.length || p.subarray(seqOffset + 4).some((x) => x !== 0xab)) bad++;
      },
    });
    assert.is(await sent, total);
    assert.is(seqs.length, total);
    assert.equal(seqs, Array.from({ length: total }, (_, i) => i), 'in order, none lost');
    assert.is(bad, 0);
    const st = set.xdpStats(0);
    assert.is(st.rxDropped, 0);
    assertAccounted(set);
  } finally {
    set.close();
  }
}));


const hexs = (fs: Uint8Array[]) => fs.map((f) => Buffer.from(f).toString('hex'));

function swapMacs(p: Uint8Array): void {
  const t = p.slice(0, 6);
  p.copyWithin(0, 6, 12);
  p.set(t, 6);
}

test('20000 frames of varied sizes arrive in order with correct payloads', () => withLab(async (lab, peerNs) => {
  const v = lab.addVeth({ peerNs });
  const memory = newMemory();
  const set = XskPortSet.open({ memory });
  try {
    set.addPort({ ifname: v.name, rxSize: 4096 });
    const batch = new Batch();
    set.bindBatch(batch);
    set.receive(0, 0);
    const total = 20000;
    // Four templates of different sizes, payload byte k = (k * 7 + size) & 255; sequence at payload start.
    const tmpls = [60, 200, 700, 1400].map((size) => {
      const payload = new Uint8Array(size).map((_, k) => (k * 7 + size) & 255);
      return frame(v.peerMac, v.mac, payload);
    });
    const seqOffset = 42;  // first payload byte (14 Ethernet + 20 IPv4 + 8 UDP)
    const bytes = new Uint8Array(memory.buffer);
    let next = 0, bad = 0;
    const sent = sendFrames(lab, peerNs, v.peer, tmpls, total, { seqOffset, gapUs: 20 });
    await pump(set, batch, {
      until: (n) => n >= total, timeoutMs: 30000,
      onFrame: (b, i) => {
        const p = bytes.subarray(b.addr[i], b.addr[i] + b.len[i]);
        const seq = ((p[42] << 24) | (p[43] << 16) | (p[44] << 8) | p[45]) >>> 0;
        const t = tmpls[seq % 4];
        if (seq !== next || p.length !== t.length || p.subarray(46).some((x, k) => x !== t[46 + k]) || p.subarray(0, 42).some((x, k) => x !== t[k])) bad++;
        next = seq + 1;
      },
    });
    assert.is(await sent, total);
    assert.is(next, total, `last sequence ${next - 1}; socket stats ${JSON.stringify(set.xdpStats(0))}`);
    assert.is(bad, 0);
    assertAccounted(set);
  } finally {
    set.close();
  }
}));

for (const mode of ['skb', 'drv'] as const) {
test(`${mode}: TX from the UMEM reaches the peer (reflect, more than one 32-frame kick)`, () => withLab(async (lab, peerNs) => {
  const v = lab.addVeth({ peerNs });
  const memory = newMemory();
  const set = XskPortSet.open({ memory });
  try {
    set.addPort({ ifname: v.name, mode });
    const batch = new Batch();
    set.bindBatch(batch);
    set.receive(256, 0);
    const n = 100;
    const frames = Array.from({ length: n }, (_, i) => frame(v.peerMac, v.mac, `reflect ${i}`, 5000 + i));
    const cap = capture(lab, peerNs, v.peer, n, 8000, 0x0800);
    await cap.ready;
    const bytes = new Uint8Array(memory.buffer);
    // Burst them in so one apply() queues more than 32 TX descriptors.
    await sendFrames(lab, peerNs, v.peer, frames, n);
    await pump(set, batch, {
      until: (k) => k >= n, timeoutMs: 5000,
      verdict: (b, i) => {
        swapMacs(bytes.subarray(b.addr[i], b.addr[i] + b.len[i]));
        b.action[i] = 3; b.outAddr[i] = b.addr[i]; b.outLen[i] = b.len[i];
      },
    });
    const got = await cap.frames;
    const want = frames.map((f) => { const c = f.slice(); swapMacs(c); return c; });
    assert.equal(hexs(got), hexs(want));
    assert.is(set.counters(0).tx, n);
    for (let i = 0; i < 50 && set.frames().tx > 0; i++) set.receive(256, 1);  // reaps completions
    assert.is(set.frames().tx, 0);
    const c = set.counters(0);
    assert.is(c.txCompleted, n, 'every frame sent is reported completed once');
    assert.is(c.txRingFull, 0);
    // Copy mode sends at most 32 frames per kick.
    assert.ok(c.kicks >= Math.ceil(n / 32), `kicks ${c.kicks}`);
    assert.ok(c.kicksBusy <= c.kicks, `busy ${c.kicksBusy} of ${c.kicks}`);
    assertAccounted(set);
  } finally {
    set.close();
  }
}));

}

test('TX honours a moved packet start (head grown into the headroom)', () => withPort(async ({ lab, peerNs, v, memory, set, batch }) => {
  const cap = capture(lab, peerNs, v.peer, 1, 5000, 0x88b5);
  await cap.ready;
  await sendFrames(lab, peerNs, v.peer, [frame(v.peerMac, v.mac, 'inner')], 1);
  const bytes = new Uint8Array(memory.buffer);
  let sentFrame = new Uint8Array(0);
  await pump(set, batch, {
    until: (k) => k >= 1, timeoutMs: 5000,
    verdict: (b, i) => {
      // Encapsulate: 14 new bytes in front (an outer Ethernet header of a local experimental type).
      const start = b.addr[i] - 14;
      bytes.set(bytes.slice(b.addr[i] + 6, b.addr[i] + 12), start);
      bytes.set(bytes.slice(b.addr[i], b.addr[i] + 6), start + 6);
      bytes[start + 12] = 0x88; bytes[start + 13] = 0xb5;
      b.action[i] = 3; b.outAddr[i] = start; b.outLen[i] = b.len[i] + 14;
      sentFrame = bytes.slice(start, start + b.len[i] + 14);
    },
  });
  assert.equal(hexs(await cap.frames), hexs([sentFrame]));
}));

for (const mode of ['skb', 'drv'] as const) {
test(`${mode}: REDIRECT between two veth pairs over the shared UMEM`, () => withLab(async (lab, peerNs) => {
  const v1 = lab.addVeth({ peerNs });
  const v2 = lab.addVeth({ peerNs });
  const memory = newMemory();
  const set = XskPortSet.open({ memory });
  try {
    assert.is(set.addPort({ ifname: v1.name, mode }), 0);
    assert.is(set.addPort({ ifname: v2.name, mode }), 1);
    const batch = new Batch();
    set.bindBatch(batch);
    set.receive(256, 0);
    const f1 = set.frames();
    assert.is(f1.fill, f1.total, 'both fill rings primed');
    const n = 64;
    const frames = Array.from({ length: n }, (_, i) => frame(v1.peerMac, v1.mac, `redirect ${i}`));
    const cap = capture(lab, peerNs, v2.peer, n, 8000, 0x0800);
    await cap.ready;
    await sendFrames(lab, peerNs, v1.peer, frames, n);
    await pump(set, batch, {
      until: (k) => k >= n, timeoutMs: 5000,
      verdict: (b, i) => { b.action[i] = 4; b.target[i] = 1; b.outAddr[i] = b.addr[i]; b.outLen[i] = b.len[i]; },
    });
    assert.equal(hexs(await cap.frames), hexs(frames));
    assert.is(set.counters(0).redirectOut, n);
    assert.is(set.counters(1).redirectIn, n);
    assertAccounted(set);
  } finally {
    set.close();
  }
}));

}

test('invalid verdicts are dropped, not sent, and leak nothing', () => withPort(async ({ lab, peerNs, v, memory, set, batch }) => {
  await sendFrames(lab, peerNs, v.peer, [frame(v.peerMac, v.mac, 'a'), frame(v.peerMac, v.mac, 'b'), frame(v.peerMac, v.mac, 'c')], 3);
  let k = 0;
  await pump(set, batch, {
    until: (n) => n >= 3, timeoutMs: 5000,
    verdict: (b, i) => {
      const kind = k++ % 3;
      b.outAddr[i] = b.addr[i]; b.outLen[i] = b.len[i];
      if (kind === 0) { b.action[i] = 3; b.outLen[i] = 4000; }          // past the frame end
      else if (kind === 1) { b.action[i] = 4; b.target[i] = 7; }        // no such port
      else { b.action[i] = 3; b.outAddr[i] = b.addr[i] + 4096; }        // another frame
    },
  });
  assert.is(set.counters(0).invalidVerdicts, 3);
  assert.is(set.counters(0).tx, 0);
  assert.is(set.xdpStats(0).txInvalidDescs, 0);
  // A frame returned twice or never handed out is refused.
  batch.addr[0] = FRAME_AREA_OFFSET + 12345; batch.action[0] = 1;
  set.apply(1);
  assert.is(set.frames().invalidAddrs, 1);
  const f = set.frames();
  assert.is(f.free + f.fill + f.tx + f.held, f.total);
}));

test('receive() applies the previous burst\'s verdicts first (one call per burst): TX sent, DROP recycled, a frame applied twice refused', () => withPort(async ({ lab, peerNs, v, memory, set, batch }) => {
  const n = 80;
  const frames = Array.from({ length: n }, (_, i) => frame(v.peerMac, v.mac, `fused ${i}`, 6000 + i));
  const cap = capture(lab, peerNs, v.peer, n / 2, 8000, 0x0800);
  await cap.ready;
  const bytes = new Uint8Array(memory.buffer);
  await sendFrames(lab, peerNs, v.peer, frames, n);
  // Small bursts: most verdicts ride on the next receive(); even ports reflect, odd ones drop.
  await pump(set, batch, {
    until: (k) => k >= n, timeoutMs: 5000, maxBurst: 7, fused: true,
    verdict: (b, i) => {
      const p = bytes.subarray(b.addr[i], b.addr[i] + b.len[i]);
      const reflect = ((p[34] << 8) | p[35]) % 2 === 0;
      if (reflect) swapMacs(p);
      b.action[i] = reflect ? 3 : 1; b.outAddr[i] = b.addr[i]; b.outLen[i] = b.len[i];
    },
  });
  const got = await cap.frames;
  const want = frames.filter((_, i) => i % 2 === 0).map((f) => { const c = f.slice(); swapMacs(c); return c; });
  assert.equal(hexs(got), hexs(want));
  const c = set.counters(0);
  assert.is(c.tx, n / 2);
  assert.is(c.drop, n / 2);
  for (let i = 0; i < 50 && set.frames().tx > 0; i++) set.receive(256, 1);
  assertAccounted(set);
  assert.is(set.frames().held, 0);
  // The last burst's first verdict again: its frame is no longer held, so it is refused, not sent or freed twice.
  set.receive(0, 0, 1);
  assert.is(set.frames().invalidAddrs, 1);
  assert.is(set.counters(0).tx, n / 2);
  assert.is(set.counters(0).drop, n / 2);
  const f = set.frames();
  assert.is(f.free + f.fill + f.tx + f.held, f.total);
}));

test('poll() with nothing to receive times out and burns no CPU', () => withLab(async (lab, peerNs) => {
  const v = lab.addVeth({ peerNs });
  const set = XskPortSet.open({ memory: newMemory() });
  try {
    set.addPort({ ifname: v.name });
    set.bindBatch(new Batch());
    set.receive(256, 0);
    const cpu0 = process.cpuUsage(), t0 = process.hrtime.bigint();
    let got = 0;
    for (let i = 0; i < 3; i++) got += set.receive(256, 200);
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    assert.is(got, 0);
    assert.ok(wallMs >= 590, `blocked ${wallMs} ms`);
    assert.ok(cpuMs < 30, `used ${cpuMs} ms of CPU while idle`);
  } finally {
    set.close();
  }
}));

test('RX-ring-full and fill-ring-empty statistics count when provoked, and frames stay accounted', () => withLab(async (lab, peerNs) => {
  const va = lab.addVeth({ peerNs });
  const vb = lab.addVeth({ peerNs });
  const memory = newMemory();
  // Port 0: tiny RX ring, plenty of frames -> RX ring fills.
  const a = XskPortSet.open({ memory, umemSize: 512 * 2048 });
  // Port 1 (own UMEM elsewhere in the same memory): 32 frames -> fill ring runs dry.
  const b = XskPortSet.open({ memory, umemOffset: FRAME_AREA_OFFSET + 512 * 2048, umemSize: 32 * 2048 });
  try {
    a.addPort({ ifname: va.name, rxSize: 64 });
    b.addPort({ ifname: vb.name, rxSize: 2048 });
    const ba = new Batch(), bb = new Batch();
    a.bindBatch(ba); b.bindBatch(bb);
    a.receive(0, 0); b.receive(0, 0);  // prime fill rings, receive nothing
    const f = frame(va.peerMac, va.mac, 'flood');
    await sendFrames(lab, peerNs, va.peer, [f], 200);
    await sendFrames(lab, peerNs, vb.peer, [frame(vb.peerMac, vb.mac, 'flood')], 200);
    const sa = a.xdpStats(0), sb = b.xdpStats(0);
    assert.ok(sa.rxRingFull > 0, `rxRingFull ${JSON.stringify(sa)}`);
    assert.ok(sb.rxFillRingEmptyDescs > 0, `rxFillRingEmptyDescs ${JSON.stringify(sb)}`);
    const ra = await pump(a, ba, { until: () => false, timeoutMs: 300 });
    const rb = await pump(b, bb, { until: () => false, timeoutMs: 300 });
    assert.is(ra.received, 64);
    assert.is(rb.received, 32);
    assertAccounted(a); assertAccounted(b);
    assert.is(a.frames().held + b.frames().held, 0);
  } finally {
    a.close(); b.close();
  }
}));

test('busy-poll sockets receive too', () => withLab(async (lab, peerNs) => {
  const v = lab.addVeth({ peerNs });
  const set = XskPortSet.open({ memory: newMemory() });
  try {
    set.addPort({ ifname: v.name, busyPollUsec: 20, busyPollBudget: 64 });
    const batch = new Batch();
    set.bindBatch(batch);
    set.receive(0, 0);
    await sendFrames(lab, peerNs, v.peer, [frame(v.peerMac, v.mac, 'busy')], 20);
    const r = await pump(set, batch, { until: (n) => n >= 20, timeoutMs: 5000 });
    assert.is(r.received, 20);
  } finally {
    set.close();
  }
}));

test('runs in a worker thread (blocking in poll there), the memory shared with the main thread', () => withLab(async (lab, peerNs) => {
  const v = lab.addVeth({ peerNs });
  const pages = memoryPages(1);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  const indexJs = new URL('../../native/index.js', import.meta.url).href;
  const batchJs = new URL('../../host/batch.js', import.meta.url).href;
  const code = `(async () => {
    const { parentPort, workerData } = await import('node:worker_threads');
    const { XskPortSet } = await import(${JSON.stringify(indexJs)});
    const { Batch } = await import(${JSON.stringify(batchJs)});
    const set = XskPortSet.open({ memory: workerData.memory });
    set.addPort({ ifname: workerData.ifname });
    const b = new Batch(); set.bindBatch(b); set.receive(0, 0);
    parentPort.postMessage({ ready: true });
    let got = 0, sum = 0; const end = Date.now() + 5000;
    while (got < 10 && Date.now() < end) {
      const n = set.receive(256, 100);
      for (let i = 0; i < n; i++) { sum += new Uint8Array(workerData.memory.buffer)[b.addr[i] + b.len[i] - 1]; b.action[i] = 1; }
      set.apply(n); got += n;
    }
    parentPort.postMessage({ got, sum, frames: set.frames() });
    set.close();
  })();`;
  const worker = new Worker(code, { eval: true, workerData: { memory, ifname: v.name } } as ConstructorParameters<typeof Worker>[1]);
  try {
    const messages: { ready?: boolean; got?: number; sum?: number; frames?: { held: number } }[] = [];
    const done = new Promise<void>((resolve, reject) => {
      worker.on('message', (m) => { messages.push(m); if (m.got !== undefined) resolve(); });
      worker.on('error', reject);
    });
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    await sendFrames(lab, peerNs, v.peer, Array.from({ length: 10 }, (_, i) => frame(v.peerMac, v.mac, String.fromCharCode(65 + i))), 10);
    await done;
    const last = messages[messages.length - 1];
    assert.is(last.got, 10);
    assert.is(last.sum, 65 * 10 + 45, 'payload bytes read through the shared memory');
    assert.is(last.frames?.held, 0);
  } finally {
    await worker.terminate();
  }
}));

// veth reports the rx queue to XDP only in driver mode (its per-queue NAPI); in
// SKB mode every frame shows queue 0.
test('drv: several queues of one device (veth with 2 rx queues), one port each', () => withLab(async (lab, peerNs) => {
  const v = lab.addVeth({ peerNs, queues: 2 });
  const memory = newMemory();
  const set = XskPortSet.open({ memory });
  try {
    assert.is(set.addPort({ ifname: v.name, queue: 0, mode: 'drv' }), 0);
    assert.is(set.addPort({ ifname: v.name, queue: 1, mode: 'drv' }), 1);
    const batch = new Batch();
    set.bindBatch(batch);
    set.receive(256, 0);
    const n = 128;
    const frames = Array.from({ length: 16 }, (_, i) => frame(v.peerMac, v.mac, `flow ${i}`, 6000 + i * 7));
    await sendFrames(lab, peerNs, v.peer, frames, n);
    const perQueue = [0, 0];
    await pump(set, batch, {
      until: (k) => k >= n, timeoutMs: 5000,
      onFrame: (b, i) => { perQueue[b.queue[i]]++; assert.is(b.queue[i], b.port[i]); },
    });
    assert.is(perQueue[0] + perQueue[1], n);
    assert.ok(perQueue[0] > 0 && perQueue[1] > 0, `both queues used: ${perQueue}`);
    assertAccounted(set);
  } finally {
    set.close();
  }
}));

test.run();
