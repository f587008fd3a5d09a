// examples/firewall: first-match ACL over prefixes, protocol and port ranges
// with the demo rules of examples/firewall/rules.ts. Hand-picked packets test
// each kind of condition; the bundled capture is checked against a TypeScript
// model of the same rule list evaluated on the reference parser's fields.
// The rules live in maps: the last tests replace them at run time through the
// TS MapsRegion, as the control plane does.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { Action } from '../../host/abi.js';
import { PROJECT_ROOT } from '../../host/compile.js';
import { openCapture } from '../../pipeline/capture/index.js';
import { assertAllocationFree, bundledFrames, BUNDLED_CAPTURE } from '../helpers/allocation.js';
import { MapsRegion } from '../../host/maps/region.js';
import { encodeFields } from '../../host/maps/schema.js';
import { Sandbox } from '../../host/sandbox.js';
import { guestModule } from '../helpers/guest.js';
import {
  arp, eth, get16, icmp6Echo, icmpEcho, ip4, ip6, ipv4, ipv6, parseFrame, tcp, udp,
  IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP,
  runHandler,
} from '../../pipeline/testing/index.js';

const HANDLER = path.join(PROJECT_ROOT, 'examples/firewall/handler.ts');
const test = suite('examples/firewall');
const { DROP, PASS } = { DROP: Action.DROP, PASS: Action.PASS };
const MAX_RULES = 64;
const COUNTER_DEFAULT = MAX_RULES, COUNTER_NOT_IP = MAX_RULES + 1, COUNTER_MALFORMED = MAX_RULES + 2;

async function verdicts(frames: Uint8Array[]) {
  const { results, sandbox, stats } = await runHandler(HANDLER, frames, { log: () => {} });
  assert.is(stats.traps, 0);
  return { actions: results.map((r) => r.action), counter: (i: number) => sandbox.counter(i) };
}

const v4tcp = (src: string, dst: string, dport: number, sport = 40000) => eth({}, ipv4({ src, dst }, tcp({ sport, dport, flags: 'S' })));
const v6tcp = (src: string, dst: string, dport: number, sport = 40000) => eth({}, ipv6({ src, dst }, tcp({ sport, dport, flags: 'S' })));
const v4udp = (src: string, dst: string, dport: number, sport = 40000) => eth({}, ipv4({ src, dst }, udp({ sport, dport }, 'x')));
const v6udp = (src: string, dst: string, dport: number, sport = 40000) => eth({}, ipv6({ src, dst }, udp({ sport, dport }, 'x')));

test('telnet is dropped over both families, whoever sends it (rule 0)', async () => {
  const { actions, counter } = await verdicts([
    v4tcp('10.0.2.5', '203.0.113.80', 23), v6tcp('2001:db8:1::5', '2001:db8:2::80', 23), eth({ vlan: [20] }, ipv4({ src: '10.0.2.5' }, tcp({ dport: 23 }))),
  ]);
  assert.equal(actions, [DROP, DROP, DROP]);
  assert.is(counter(0), 3);
});

test('the bad /24 is dropped before the DNS allow rule: first match wins', async () => {
  const { actions, counter } = await verdicts([v4udp('10.0.3.7', '198.51.100.53', 53), v4udp('10.0.4.7', '198.51.100.53', 53), v4udp('10.0.3.255', '1.1.1.1', 53), v4udp('10.0.2.255', '1.1.1.1', 53)]);
  assert.equal(actions, [DROP, PASS, DROP, PASS]);
  assert.is(counter(1), 2);
  assert.is(counter(2), 2);
});

test('port ranges are inclusive and prefixes exact: web to the IPv4 server', async () => {
  const s = '10.0.1.1', web = '203.0.113.80';
  const { actions } = await verdicts([
    v4tcp(s, web, 80), v4tcp(s, web, 443), v4tcp(s, web, 200), v4tcp(s, web, 79), v4tcp(s, web, 444), v4tcp(s, '203.0.113.81', 80),
  ]);
  assert.equal(actions, [PASS, PASS, PASS, DROP, DROP, DROP]);
});

test('IPv6 prefix /64 for the web servers; IPv4 rules never match IPv6', async () => {
  const c = '2001:db8:1::9';
  const { actions } = await verdicts([
    v6tcp(c, '2001:db8:2::80', 443), v6tcp(c, '2001:db8:2:0:ffff:ffff:ffff:ffff', 80), v6tcp(c, '2001:db8:2:1::80', 80),
    v6tcp(c, '2001:db8:2::80', 22), v6tcp('2001:db8:1::1', '::ffff:203.0.113.80', 80),
  ]);
  assert.equal(actions, [PASS, PASS, DROP, DROP, DROP]);
});

test('SSH only from the admin /24, replies only to it', async () => {
  const { actions } = await verdicts([
    v4tcp('10.0.2.7', '203.0.113.80', 22), v4tcp('10.0.1.7', '203.0.113.80', 22),
    v4tcp('203.0.113.80', '10.0.2.7', 50000, 22), v4tcp('203.0.113.80', '10.0.1.7', 50000, 22),
  ]);
  assert.equal(actions, [PASS, DROP, PASS, DROP]);
});

test('protocol-only rules: ICMP and ICMPv6 pass; other protocols fall to the default', async () => {
  const { actions, counter } = await verdicts([
    eth({}, ipv4({ src: '10.0.0.1' }, icmpEcho({}, 'ping'))), eth({}, ipv6({}, icmp6Echo({}, 'ping'))),
    eth({}, ipv4({ src: '10.0.0.1', proto: 47 }, new Uint8Array(24))), v4udp('10.0.0.1', '10.9.9.9', 9999),
  ]);
  assert.equal(actions, [PASS, PASS, DROP, DROP]);
  assert.is(counter(COUNTER_DEFAULT), 2);
});

test('fragments: the first is judged by its ports, later ones (no ports) only by port-less rules', async () => {
  const { actions } = await verdicts([
    eth({}, ipv4({ src: '10.0.0.1', mf: true }, udp({ dport: 53, length: 3000 }, new Uint8Array(32)))),
    eth({}, ipv4({ src: '10.0.0.1', fragOffset: 5, proto: IPPROTO_UDP }, new Uint8Array(32))),
    eth({}, ipv4({ src: '10.0.3.1', fragOffset: 5, proto: IPPROTO_UDP }, new Uint8Array(32))),
  ]);
  assert.equal(actions, [PASS, DROP, DROP]);
});

test('non-IP frames pass, malformed IP frames are dropped, each counted', async () => {
  const ok = v4tcp('10.0.2.7', '203.0.113.80', 22);
  const { actions, counter } = await verdicts([
    eth({}, arp({})), eth({ type: 0x88cc }, new Uint8Array(46)),
    ok.subarray(0, 30), ok.subarray(0, 40), eth({}, ipv4({ ihl: 4 }, udp({}, 'x'))), Uint8Array.of(1, 2, 3),
    eth({}, ipv6({ ext: [{ type: 'raw', proto: 60, bytes: Uint8Array.of(0, 9, 0, 0, 0, 0, 0, 0) }] }, udp({}, 'x'))),
    Uint8Array.from([...ok.subarray(0, 12), 0x81, 0x00]),
  ]);
  assert.equal(actions, [PASS, PASS, DROP, DROP, DROP, DROP, DROP, DROP]);
  assert.is(counter(COUNTER_NOT_IP), 2);
  assert.is(counter(COUNTER_MALFORMED), 6);
});

// The demo rules of examples/firewall/rules.ts, restated for the model.
interface ModelRule { action: number; family?: 4 | 6; proto?: number; src?: [Uint8Array, number]; dst?: [Uint8Array, number]; sport?: [number, number]; dport?: [number, number] }
const RULES: ModelRule[] = [
  { action: DROP, proto: IPPROTO_TCP, dport: [23, 23] },
  { action: DROP, family: 4, src: [ip4('10.0.3.0'), 24] },
  { action: PASS, proto: IPPROTO_UDP, dport: [53, 53] },
  { action: PASS, proto: IPPROTO_UDP, dport: [123, 123] },
  { action: PASS, proto: IPPROTO_TCP, family: 4, dst: [ip4('203.0.113.80'), 32], dport: [80, 443] },
  { action: PASS, proto: IPPROTO_TCP, family: 6, dst: [ip6('2001:db8:2::'), 64], dport: [80, 443] },
  { action: PASS, proto: IPPROTO_TCP, sport: [80, 80] },
  { action: PASS, proto: IPPROTO_TCP, sport: [443, 443] },
  { action: PASS, proto: IPPROTO_TCP, family: 4, src: [ip4('10.0.2.0'), 24], dport: [22, 22] },
  { action: PASS, proto: IPPROTO_TCP, family: 4, dst: [ip4('10.0.2.0'), 24], sport: [22, 22] },
  { action: PASS, proto: IPPROTO_ICMP },
  { action: PASS, proto: IPPROTO_ICMPV6 },
  { action: PASS, proto: IPPROTO_UDP, dport: [7, 7] },
  { action: PASS, proto: IPPROTO_UDP, sport: [7, 7] },
];

function inPrefix(a: Uint8Array, [p, len]: [Uint8Array, number]): boolean {
  for (let bit = 0; bit < len; bit++) {
    const m = 0x80 >> (bit % 8);
    if ((a[bit >> 3] & m) !== (p[bit >> 3] & m)) return false;
  }
  return true;
}

function modelVerdict(f: Uint8Array): number {
  const p = parseFrame(f);
  const later = p.ipVersion === 4 && (get16(f, p.l3Off + 6) & 0x1fff) !== 0;
  const ports = (p.proto === IPPROTO_TCP || p.proto === IPPROTO_UDP) && !later;
  const sport = ports ? get16(f, p.l4Off) : -1, dport = ports ? get16(f, p.l4Off + 2) : -1;
  for (const r of RULES) {
    if (r.family && r.family !== p.ipVersion) continue;
    if (r.proto !== undefined && r.proto !== p.proto) continue;
    if (r.src && (p.ipSrc!.length !== r.src[0].length || !inPrefix(p.ipSrc!, r.src))) continue;
    if (r.dst && (p.ipDst!.length !== r.dst[0].length || !inPrefix(p.ipDst!, r.dst))) continue;
    if ((r.sport || r.dport) && !ports) continue;
    if (r.sport && (sport < r.sport[0] || sport > r.sport[1])) continue;
    if (r.dport && (dport < r.dport[0] || dport > r.dport[1])) continue;
    return r.action;
  }
  return DROP;
}

test('the bundled capture agrees with a model of the rule list, frame by frame', async () => {
  const packets = [...openCapture(BUNDLED_CAPTURE)];
  const { actions } = await verdicts(packets.map((p) => p.data));
  const table = new Map<string, [number, number]>();
  packets.forEach((pk, i) => {
    const kind = (pk.comment ?? '').replace(/^kind=/, '');
    const expected = kind.startsWith('bad-') ? DROP : kind === 'arp' ? PASS : modelVerdict(pk.data);
    assert.is(actions[i], expected, `frame ${i + 1} (${kind})`);
    const row = table.get(kind) ?? [0, 0];
    row[actions[i] === PASS ? 0 : 1]++;
    table.set(kind, row);
  });
  // The demo set is meant to be interesting: both verdicts are common.
  const passed = actions.filter((a) => a === PASS).length;
  assert.ok(passed > packets.length / 4 && passed < (packets.length * 3) / 4, `passed ${passed} of ${packets.length}`);
  assert.ok([...table.values()].filter(([p, d]) => p > 0 && d > 0).length >= 5, 'several kinds are split by the rules');
});

// The rule record of examples/firewall/acl.ts as control-plane fields.
const RULE_SCHEMA = {
  action: 'u8', family: 'u8', proto: 'u8', srcLen: 'u8', dstLen: 'u8', pad: 'bytes3',
  sportLo: 'u16', sportHi: 'u16', dportLo: 'u16', dportHi: 'u16', src: 'bytes16', dst: 'bytes16',
} as const;
const hex16 = (a: Uint8Array) => Buffer.from([...a, ...new Uint8Array(16 - a.length)]).toString('hex');

function ruleRecord(r: ModelRule): Uint8Array {
  const family = r.family ?? (r.src ?? r.dst ? (((r.src ?? r.dst)![0].length === 4) ? 4 : 6) : 0);
  return encodeFields(RULE_SCHEMA, {
    action: r.action, family, proto: r.proto ?? 0, srcLen: r.src?.[1] ?? 0, dstLen: r.dst?.[1] ?? 0, pad: '000000',
    sportLo: r.sport?.[0] ?? 0, sportHi: r.sport?.[1] ?? 0xffff, dportLo: r.dport?.[0] ?? 0, dportHi: r.dport?.[1] ?? 0xffff,
    src: hex16(r.src?.[0] ?? new Uint8Array(0)), dst: hex16(r.dst?.[0] ?? new Uint8Array(0)),
  });
}

const u32 = (n: number) => encodeFields({ n: 'u32' }, { n });

/** Writes `rules` into fw_rules and their count into fw_meta, between batches. */
function installRules(region: MapsRegion, rules: ModelRule[]): void {
  const table = region.get('fw_rules');
  rules.forEach((r, i) => table.update(u32(i), ruleRecord(r)));
  region.get('fw_meta').typed({ i: 'u32' }, { count: 'u32', installed: 'u32' }).update({ i: 0 }, { count: rules.length, installed: 1 });
}

test('the demo rule set is installed in the fw_rules map at start-up, record for record as the model', async () => {
  const { sandbox } = await runHandler(HANDLER, [], { log: () => {} });
  const region = MapsRegion.of(sandbox.memory);
  assert.equal(region.get('fw_meta').typed({ i: 'u32' }, { count: 'u32', installed: 'u32' }).lookup({ i: 0 }), { count: RULES.length, installed: 1 });
  const table = region.get('fw_rules');
  RULES.forEach((r, i) => assert.equal(table.lookup(u32(i)), ruleRecord(r), `rule ${i}`));
});

test('the control plane replaces the rules between batches: the next batch obeys them, per-rule hits are counted', async () => {
  const module = await guestModule(HANDLER);
  const sandbox = new Sandbox(module, { log: () => {} });
  const region = MapsRegion.of(sandbox.memory);
  const frames = [v4tcp('10.0.1.1', '198.51.100.1', 8080), v6udp('2001:db8:1::1', '2001:db8:9::1', 5000), v4tcp('10.0.1.1', '198.51.100.1', 23)];
  const run = async () => (await runHandler(sandbox, frames)).results.map((r) => r.action);
  assert.equal(await run(), [DROP, DROP, DROP]);
  installRules(region, [
    { action: PASS, proto: IPPROTO_TCP, dport: [8000, 8999] },
    { action: PASS, family: 6, dst: [ip6('2001:db8:9::'), 48] },
  ]);
  region.get('fw_hits').clear();
  assert.equal(await run(), [PASS, PASS, DROP]);
  const hits = region.get('fw_hits');
  assert.equal([0, 1, 2, COUNTER_DEFAULT].map((i) => hits.counter(i).total), [1n, 1n, 0n, 1n]);
  // An empty rule set: everything IP falls to the default, and the demo set is not put back.
  region.get('fw_meta').update(u32(0), Uint8Array.of(0, 0, 0, 0, 1, 0, 0, 0));
  assert.equal(await run(), [DROP, DROP, DROP]);
  const again = new Sandbox(module, { log: () => {}, memory: sandbox.memory });
  assert.equal((await runHandler(again, [v4udp('10.0.0.1', '1.1.1.1', 53)])).results.map((r) => r.action), [DROP], 'a redeploy keeps the installed (empty) rule set');
});

test('a rule count beyond the table is capped at its 64 records', async () => {
  const module = await guestModule(HANDLER);
  const sandbox = new Sandbox(module, { log: () => {} });
  const region = MapsRegion.of(sandbox.memory);
  const table = region.get('fw_rules');
  table.clear();
  table.update(u32(MAX_RULES - 1), ruleRecord({ action: PASS }));
  region.get('fw_meta').update(u32(0), Uint8Array.of(0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0));
  const { results, stats } = await runHandler(sandbox, [v4udp('10.0.0.1', '10.0.0.2', 9)]);
  assert.is(stats.traps, 0);
  assert.equal(results.map((r) => r.action), [PASS]);
});

test('a million packets: no trap, no allocation', async () => {
  const ns = await assertAllocationFree(HANDLER, bundledFrames());
  console.log(`  firewall: ${ns.toFixed(0)} ns/packet over the bundled capture mix`);
});

test.run();
