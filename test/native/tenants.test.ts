// Tenant classification and quotas in the XDP program, on the real kernel:
// frames sent into a veth (namespaces of our own) arrive at the AF_XDP socket
// with the tenant id the selectors give them (first match in config order),
// and a tenant over its packet rate is dropped in the kernel and counted.
import * as assert from 'uvu/assert';
import { memoryPages } from '../../host/abi.js';
import { Batch } from '../../host/batch.js';
import { XskPortSet, type TenantSelector } from '../../native/index.js';
import { liveSuite } from '../helpers/live.js';
import { withTenantRig, type TenantRig } from '../helpers/tenant-rig.js';
import { NetLab, type Veth } from '../helpers/netns.js';
import { pump, sendFrames } from '../helpers/traffic.js';
import { eth, ipv4, ipv6, tcp, udp, type VlanTag } from '../helpers/packets.js';

const test = await liveSuite('native/tenants');

type Rig = TenantRig;
const withRig = withTenantRig;

/** A frame carrying a marker "<tk:name>" so the receiver knows which one it got. */
interface Probe { name: string; frame: Uint8Array; tenant: number }

function v4(v: Veth, name: string, dst: string, o: { vlan?: (number | VlanTag)[]; proto?: 'udp' | 'tcp'; dport?: number } = {}): Uint8Array {
  const l4 = (o.proto === 'tcp' ? tcp : udp)({ sport: 4000, dport: o.dport ?? 9 }, `<tk:${name}>`);
  return eth({ src: v.peerMac, dst: v.mac, vlan: o.vlan }, ipv4({ src: '10.200.0.2', dst }, l4));
}

function v6(v: Veth, name: string, dst: string, dport: number, hop = false): Uint8Array {
  return eth({ src: v.peerMac, dst: v.mac }, ipv6({ src: '2001:db8:ff::2', dst, ext: hop ? [{ type: 'hop' }] : [] }, udp({ sport: 4000, dport }, `<tk:${name}>`)));
}

const markerOf = (b: Uint8Array) => /<tk:([\w-]+)>/.exec(Buffer.from(b).toString('latin1'))?.[1];

/** Sends the probes (each `copies` times), pumps until all arrived; returns name -> tenants seen. */
async function deliver(r: Rig, probes: Probe[], copies = 1): Promise<Map<string, number[]>> {
  const seen = new Map<string, number[]>();
  const want = probes.length * copies;
  const sent = sendFrames(r.lab, r.v.peerNs, r.v.peer, probes.map((p) => p.frame), want);
  let received = 0;
  await pump(r.set, r.batch, {
    until: (n) => (received = n) >= want, timeoutMs: 10000,
    onFrame: (b, i) => {
      const name = markerOf(r.bytes.subarray(b.addr[i], b.addr[i] + b.len[i]));
      if (!name) return;  // not ours
      if (!seen.has(name)) seen.set(name, []);
      seen.get(name)!.push(r.tenant[i]);
    },
  });
  assert.is(await sent, want);
  assert.ok(received >= want, `received ${received} of ${want}`);
  return seen;
}

function assertTenants(seen: Map<string, number[]>, probes: Probe[], copies = 1): void {
  for (const p of probes) {
    assert.equal(seen.get(p.name), Array(copies).fill(p.tenant), `frame ${p.name} -> tenant ${p.tenant}`);
  }
}

// Config order is priority: rule 4 (/24) precedes rule 5 (/25), so 203.0.113.200 is tenant 5.
const RULES: TenantSelector[] = [
  { tenant: 1, dst: '198.51.100.0/24' },
  { tenant: 2, dst: '2001:db8:5::/48', proto: 'udp', dport: 53 },
  { tenant: 3, vlan: 300 },
  { tenant: 4, proto: 'tcp', dport: [8000, 8080] },
  { tenant: 5, dst: '203.0.113.0/24' },
  { tenant: 6, dst: '203.0.113.128/25' },
  { tenant: 7, vlan: 100, innerVlan: 200 },
  { tenant: 8, dst: '192.0.2.1', proto: 17 },
];

function probes(v: Veth): Probe[] {
  return [
    { name: 'v4-prefix', frame: v4(v, 'v4-prefix', '198.51.100.7'), tenant: 1 },
    { name: 'v6-dns', frame: v6(v, 'v6-dns', '2001:db8:5::1', 53), tenant: 2 },
    { name: 'v6-dns-hop', frame: v6(v, 'v6-dns-hop', '2001:db8:5:ff::9', 53, true), tenant: 2 },
    { name: 'v6-other-port', frame: v6(v, 'v6-other-port', '2001:db8:5::1', 54), tenant: 0 },
    { name: 'v6-outside', frame: v6(v, 'v6-outside', '2001:db8:6::1', 53), tenant: 0 },
    { name: 'vlan300', frame: v4(v, 'vlan300', '10.0.0.1', { vlan: [300] }), tenant: 3 },
    { name: 'vlan300-v4-prefix', frame: v4(v, 'vlan300-v4-prefix', '198.51.100.9', { vlan: [300] }), tenant: 1 },
    { name: 'vlan301', frame: v4(v, 'vlan301', '10.0.0.1', { vlan: [301] }), tenant: 0 },
    { name: 'tcp-8080', frame: v4(v, 'tcp-8080', '10.9.9.9', { proto: 'tcp', dport: 8080 }), tenant: 4 },
    { name: 'udp-8080', frame: v4(v, 'udp-8080', '10.9.9.9', { proto: 'udp', dport: 8080 }), tenant: 0 },
    { name: 'first-match', frame: v4(v, 'first-match', '203.0.113.200'), tenant: 5 },
    { name: 'qinq', frame: v4(v, 'qinq', '10.0.0.1', { vlan: [100, 200] }), tenant: 7 },
    { name: 'qinq-other-inner', frame: v4(v, 'qinq-other-inner', '10.0.0.1', { vlan: [100, 201] }), tenant: 0 },
    { name: 'host-udp', frame: v4(v, 'host-udp', '192.0.2.1'), tenant: 8 },
    { name: 'host-tcp', frame: v4(v, 'host-tcp', '192.0.2.1', { proto: 'tcp' }), tenant: 0 },
    { name: 'unmatched', frame: v4(v, 'unmatched', '10.1.2.3'), tenant: 0 },
  ];
}

for (const mode of ['skb', 'drv'] as const) {
  test(`${mode}: frames arrive with the tenant of the first matching rule (prefix v4/v6, VLAN, QinQ, proto+dport), else 0`, () => withRig(mode, async (r) => {
    r.set.setTenantSelectors(0, RULES);
    const ps = probes(r.v);
    const seen = await deliver(r, ps, 3);
    assertTenants(seen, ps, 3);
    assert.is(r.set.counters(0).tenantMetaMissing, 0, 'every frame carried its metadata');
    // The kernel's per-tenant counters saw the same split.
    const byTenant = new Map(r.set.tenantCounters(0).map((c) => [c.tenant, c]));
    for (let t = 0; t <= 8; t++) {
      const expected = ps.filter((p) => p.tenant === t).length * 3;
      const c = byTenant.get(t);
      if (t === 0) {
        assert.ok((c?.toUser ?? 0) >= expected, `tenant 0 toUser ${c?.toUser} >= ${expected}`);
      } else {
        assert.is(c?.matched ?? 0, expected, `tenant ${t} matched`);
        assert.is(c?.toUser ?? 0, expected, `tenant ${t} toUser`);
      }
      assert.is(c?.overQuota ?? 0, 0);
    }
  }));
}

test('VLAN tenants scale (40 VLAN ids, each its own list); priorities hold across dst, VLAN and catch-all rules', () => withRig('skb', async (r) => {
  const rules: TenantSelector[] = [
    { tenant: 50, dst: '198.51.100.0/24' },
    ...Array.from({ length: 40 }, (_, i) => ({ tenant: i + 1, vlan: 1000 + i })),
    { tenant: 60, dst: '203.0.113.0/24' },
    { tenant: 61 },
  ];
  r.set.setTenantSelectors(0, rules);
  const ps: Probe[] = [
    ...Array.from({ length: 40 }, (_, i) => ({ name: `vlan${1000 + i}`, frame: v4(r.v, `vlan${1000 + i}`, '10.0.0.1', { vlan: [1000 + i] }), tenant: i + 1 })),
    { name: 'dst-before-vlan', frame: v4(r.v, 'dst-before-vlan', '198.51.100.1', { vlan: [1005] }), tenant: 50 },
    { name: 'vlan-before-dst', frame: v4(r.v, 'vlan-before-dst', '203.0.113.1', { vlan: [1007] }), tenant: 8 },
    { name: 'untagged', frame: v4(r.v, 'untagged', '10.0.0.1'), tenant: 61 },
    { name: 'other-vlan', frame: v4(r.v, 'other-vlan', '10.0.0.1', { vlan: [2000] }), tenant: 61 },
  ];
  assertTenants(await deliver(r, ps), ps);
  // The next update empties the VLAN lists it does not name.
  r.set.setTenantSelectors(0, [{ tenant: 3, vlan: 1002 }]);
  r.set.setTenantSelectors(0, [{ tenant: 4, vlan: 1003 }]);
  const after: Probe[] = [
    { name: 'was-1002', frame: v4(r.v, 'was-1002', '10.0.0.1', { vlan: [1002] }), tenant: 0 },
    { name: 'now-1003', frame: v4(r.v, 'now-1003', '10.0.0.1', { vlan: [1003] }), tenant: 4 },
    { name: 'was-1010', frame: v4(r.v, 'was-1010', '10.0.0.1', { vlan: [1010] }), tenant: 0 },
  ];
  assertTenants(await deliver(r, after), after);
}));

test('first match in config order: the same two rules swapped swap the answer; an empty list makes every frame tenant 0', () => withRig('skb', async (r) => {
  const narrow = { name: 'narrow', frame: v4(r.v, 'narrow', '203.0.113.200'), tenant: 0 };
  const wide = { name: 'wide', frame: v4(r.v, 'wide', '203.0.113.5'), tenant: 0 };
  r.set.setTenantSelectors(0, [{ tenant: 5, dst: '203.0.113.0/24' }, { tenant: 6, dst: '203.0.113.128/25' }]);
  assertTenants(await deliver(r, [{ ...narrow, tenant: 5 }, { ...wide, tenant: 5 }]), [{ ...narrow, tenant: 5 }, { ...wide, tenant: 5 }]);
  r.set.setTenantSelectors(0, [{ tenant: 6, dst: '203.0.113.128/25' }, { tenant: 5, dst: '203.0.113.0/24' }]);
  assertTenants(await deliver(r, [{ ...narrow, tenant: 6 }, { ...wide, tenant: 5 }]), [{ ...narrow, tenant: 6 }, { ...wide, tenant: 5 }]);
  // A combined rule listed first only wins when all its fields match.
  r.set.setTenantSelectors(0, [{ tenant: 9, dst: '203.0.113.0/24', proto: 'tcp' }, { tenant: 5, dst: '203.0.113.0/24' }]);
  assertTenants(await deliver(r, [{ ...wide, tenant: 5 }]), [{ ...wide, tenant: 5 }]);
  r.set.setTenantSelectors(0, []);
  assertTenants(await deliver(r, [narrow, wide]), [narrow, wide]);
}));

test('selector updates are atomic: frames during hundreds of updates all keep their tenant', () => withRig('skb', async (r) => {
  // In B the /24 rule moves to id 1 and id 0 becomes a rule the frame fails: a
  // frame that saw B's rules with A's prefix entries (or the reverse) would get tenant 0.
  const A: TenantSelector[] = [{ tenant: 1, dst: '198.51.100.0/24' }];
  const B: TenantSelector[] = [{ tenant: 9, dst: '198.51.100.128/25', proto: 'tcp' }, { tenant: 1, dst: '198.51.100.0/24' }, { tenant: 2, vlan: 7 }];
  r.set.setTenantSelectors(0, A);
  const COUNT = 6000;
  let done = false, updates = 0, seen = 0;
  const wrong: number[] = [];
  const sending = sendFrames(r.lab, r.v.peerNs, r.v.peer, [v4(r.v, 'flip', '198.51.100.200')], COUNT, { gapUs: 20 }).then((n) => { done = true; return n; });
  const deadline = Date.now() + 30000;
  while ((!done || seen < COUNT) && Date.now() < deadline) {
    r.set.setTenantSelectors(0, updates++ % 2 ? A : B);
    const n = r.set.receive(r.batch.addr.length, 0);
    for (let i = 0; i < n; i++) {
      if (markerOf(r.bytes.subarray(r.batch.addr[i], r.batch.addr[i] + r.batch.len[i])) !== 'flip') continue;
      seen++;
      if (r.tenant[i] !== 1) wrong.push(r.tenant[i]);
      r.batch.action[i] = 1; r.batch.outAddr[i] = r.batch.addr[i]; r.batch.outLen[i] = r.batch.len[i];
    }
    if (n) r.set.apply(n);
    await new Promise((res) => setImmediate(res));
  }
  assert.is(await sending, COUNT);
  console.log(`# ${updates} selector updates while ${seen} frames arrived`);
  assert.is(seen, COUNT);
  assert.ok(updates >= 100, `${updates} updates`);
  assert.equal(wrong, [], 'no frame saw half an update');
}));

test('re-applying an unchanged quota keeps the bucket (no fresh burst); a changed one starts a new bucket', () => withRig('skb', async (r) => {
  r.set.setTenantSelectors(0, [{ tenant: 4, dst: '2001:db8:4::/48' }]);
  r.set.setTenantQuotas(0, [{ tenant: 4, pps: 1, burst: 5 }]);
  const f = [v6(r.v, 'q', '2001:db8:4::1', 9)];
  const delivered = async () => {
    const sent = await sendFrames(r.lab, r.v.peerNs, r.v.peer, f, 20);
    assert.is(sent, 20);
    return (await pump(r.set, r.batch, { until: () => false, timeoutMs: 300 })).received;
  };
  // Sending 20 frames takes well under a second: the 1-2 pps refill adds at most one.
  const first = await delivered();
  assert.ok(first >= 5 && first <= 6, `the burst: ${first}`);
  r.set.setTenantQuotas(0, [{ tenant: 4, pps: 1, burst: 5 }]);
  assert.ok(await delivered() <= 1, 'same quota again: still empty (at most the 1 pps refill)');
  r.set.setTenantQuotas(0, [{ tenant: 4, pps: 2, burst: 3 }]);
  const third = await delivered();
  assert.ok(third >= 3 && third <= 4, `new quota: its own burst: ${third}`);
  r.set.setTenantQuotas(0, []);
  assert.is(await delivered(), 20, 'no quota: unlimited');
  const c = r.set.tenantCounters(0).find((x) => x.tenant === 4)!;
  assert.is(c.matched, 80);
  assert.is(c.toUser + c.overQuota, 80);
}));

test('a tenant\'s quota holds across devices: two veths draw from one bucket', async () => {
  const lab = new NetLab();
  const pages = memoryPages(1);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  const set = XskPortSet.open({ memory });
  try {
    const peerNs = lab.addNetns();
    const a = lab.addVeth({ peerNs }), b = lab.addVeth({ peerNs });
    set.addPort({ ifname: a.name });
    set.addPort({ ifname: b.name });
    const batch = new Batch();
    set.bindBatch(batch);
    set.receive(0, 0);
    for (const port of [0, 1]) set.setTenantSelectors(port, [{ tenant: 5, dst: '198.51.100.0/24' }]);
    set.setTenantQuotas(0, [{ tenant: 5, pps: 1, burst: 10 }]);  // set through device a only
    const send = async (v: Veth) => {
      assert.is(await sendFrames(lab, peerNs, v.peer, [v4(v, 'shared', '198.51.100.9')], 10), 10);
      return (await pump(set, batch, { until: () => false, timeoutMs: 300 })).received;
    };
    assert.is(await send(a), 10, 'the burst, on device a');
    assert.ok(await send(b) <= 1, 'device b finds the bucket empty');
    const ca = set.tenantCounters(0).find((x) => x.tenant === 5)!, cb = set.tenantCounters(1).find((x) => x.tenant === 5)!;
    assert.is(ca.toUser, 10);
    assert.ok(cb.overQuota >= 9, JSON.stringify(cb));
  } finally {
    set.close();
    lab.destroy();
  }
});

test('frames of a queue without a socket are classified, counted as noSocket and passed to the stack', async () => {
  // veth in SKB mode reports every frame on rx queue 0; our only socket sits on queue 1.
  const lab = new NetLab();
  const pages = memoryPages(1);
  const set = XskPortSet.open({ memory: new WebAssembly.Memory({ initial: pages, maximum: pages }) });
  try {
    const v = lab.addVeth({ peerNs: lab.addNetns(), queues: 2 });
    set.addPort({ ifname: v.name, queue: 1 });
    set.setTenantSelectors(0, [{ tenant: 3, dst: '198.51.100.0/24' }]);
    set.setTenantQuotas(0, [{ tenant: 3, pps: 1000, burst: 10 }]);
    await sendFrames(lab, v.peerNs, v.peer, [v4(v, 'nosock', '198.51.100.1')], 30);
    const c = set.tenantCounters(0).find((x) => x.tenant === 3);
    assert.is(c?.matched, 30);
    assert.is(c?.toUser, 0);
    assert.ok(c!.noSocket >= 10 && c!.noSocket + c!.overQuota === 30, JSON.stringify(c));
    assert.is(set.programStats(0).noSocket, c!.noSocket);
  } finally {
    set.close();
    lab.destroy();
  }
});

test('bad selectors and quotas are refused naming the field; the active selectors stay in force', () => withRig('skb', async (r) => {
  r.set.setTenantSelectors(0, [{ tenant: 1, dst: '198.51.100.0/24' }]);
  const bad: [unknown, RegExp][] = [
    [[{ tenant: 1, dst: '198.51.100.0/33' }], /rules\[0\]\.dst/],
    [[{ tenant: 1 }, { tenant: 2, vlan: 4095 }], /rules\[1\]\.vlan/],
    [[{ tenant: 1, proto: 'gre' }], /rules\[0\]\.proto/],
    [[{ tenant: 1, proto: 'icmp', dport: 53 }], /rules\[0\]\.dport/],
    [[{ tenant: 1, dport: [90, 80] }], /rules\[0\]\.dport/],
    [[{ tenant: 256 }], /rules\[0\]\.tenant/],
  ];
  for (const [rules, field] of bad) {
    assert.throws(() => r.set.setTenantSelectors(0, rules as TenantSelector[]), (e: Error & { code?: string }) => e.code === 'E_CONFIG' && field.test(e.message));
  }
  assert.throws(() => r.set.setTenantQuotas(0, [{ tenant: 1, pps: 0 }]), /quotas\[0\]\.pps/);
  const p = { name: 'still', frame: v4(r.v, 'still', '198.51.100.1'), tenant: 1 };
  assertTenants(await deliver(r, [p]), [p]);
}));

for (const mode of ['skb', 'drv'] as const) test(`${mode}: over-quota frames are dropped in the kernel and counted per tenant; other tenants unaffected`, () => withRig(mode, async (r) => {
  r.set.setTenantSelectors(0, [{ tenant: 1, dst: '198.51.100.0/24' }, { tenant: 2, dst: '198.51.101.0/24' }]);
  const PPS = 1000, BURST = 100, FLOOD = 20000;
  r.set.setTenantQuotas(0, [{ tenant: 1, pps: PPS, burst: BURST }]);
  // 40 flood frames per frame of tenant 2, paced so the flood lasts long enough for the rate to show.
  const flood = v4(r.v, 'flood', '198.51.100.7');
  const quiet = v4(r.v, 'quiet', '198.51.101.7');
  const cycle = [...Array(40).fill(flood), quiet];
  const total = Math.round(FLOOD * cycle.length / 40);
  const got = { flood: 0, quiet: 0, other: 0 };
  let done = false;
  const t0 = process.hrtime.bigint();
  const sending = sendFrames(r.lab, r.v.peerNs, r.v.peer, cycle, total, { gapUs: 40 }).then((n) => { done = true; return n; });
  let seconds = 0;
  sending.then(() => { seconds = Number(process.hrtime.bigint() - t0) / 1e9; });
  await pump(r.set, r.batch, {
    until: () => done, timeoutMs: 60000,
    onFrame: (b, i) => {
      const name = markerOf(r.bytes.subarray(b.addr[i], b.addr[i] + b.len[i]));
      if (name === 'flood') { got.flood++; assert.is(r.tenant[i], 1); } else if (name === 'quiet') { got.quiet++; assert.is(r.tenant[i], 2); } else got.other++;
    },
  });
  await pump(r.set, r.batch, { until: () => false, timeoutMs: 200 });  // what is still in the ring
  const sent = await sending;
  assert.is(sent, total);
  const floodSent = total - total / 41;
  const c = new Map(r.set.tenantCounters(0).map((x) => [x.tenant, x]));
  const t1 = c.get(1)!, t2 = c.get(2)!;
  const expected = BURST + PPS * seconds;
  console.log(`# quota: ${floodSent} flood frames in ${seconds.toFixed(2)} s at pps ${PPS} burst ${BURST}: delivered ${got.flood} (expected <= ${expected.toFixed(0)}), dropped in kernel ${t1.overQuota}; tenant 2 delivered ${got.quiet}/${total / 41}`);
  assert.is(t1.matched, floodSent, 'every flood frame classified');
  assert.is(t1.toUser, got.flood, 'user space got exactly what the kernel let through');
  assert.is(t1.overQuota, floodSent - got.flood, 'the rest dropped in the kernel and counted');
  assert.ok(got.flood <= expected + 5, `delivered ${got.flood} <= burst + pps x ${seconds.toFixed(2)} s`);
  assert.ok(got.flood >= BURST + PPS * seconds * 0.5, `delivered ${got.flood} roughly burst + pps x time (>= half the rate part)`);
  assert.is(got.quiet, total / 41, 'tenant 2 (no quota) lost nothing');
  assert.is(t2.overQuota, 0);
  // Dropped frames cost user space nothing: they never reached the socket.
  assert.is(r.set.counters(0).rx, got.flood + got.quiet + got.other);
  assert.is(r.set.xdpStats(0).rxDropped, 0);
  assert.ok(r.set.programStats(0).drop >= t1.overQuota);
}));

test.run();
