// Live AF_XDP tests of XskPortSet on veth pairs inside namespaces of our own
// (scenarios adapted from the kernel's xskxceiver selftests). The port side runs
// in this process's namespace; the peer sends and captures with wx-pkt.
import * as assert from 'uvu/assert';
import { memoryPages, FRAME_AREA_OFFSET } from '../../host/abi.js';
import { Batch } from '../../host/batch.js';
import { XskPortSet } from '../../native/index.js';
import { liveSuite } from '../helpers/live.js';
import { NetLab } from '../helpers/netns.js';
import { capture, drop, pump, sendFrames } from '../helpers/traffic.js';
import { eth, ipv4, udp } from '../helpers/packets.js';

const test = await liveSuite('native/xsk-port-set');

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
    const sent = sendFrames(lab, peerNs, v.peer, [tmpl], total, { seqOffset, gapUs: 50 });
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

test.run();
