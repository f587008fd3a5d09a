// Packet's header views, run inside a real sandbox: a test guest reports every
// field the SDK extracts and the suite compares them with what the builder put
// in the frame; malformed and truncated frames must give "not this header"
// without a trap and without reading past the packet's end.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { PROJECT_ROOT } from '../../host/compile.js';
import { Sandbox } from '../../host/sandbox.js';
import { guestModule, runGuest, FrameInput } from '../helpers/guest.js';
import {
  arp, concat, dnsQuery, eth, get16, icmp6Echo, icmpEcho, ip4u32, ip6, ipv4, ipv6, l4Checksum, mac, parseFrame,
  tcp, udp, ETH_P_8021AD, ETH_P_8021Q, ETH_P_ARP, ETH_P_IPV4, ETH_P_IPV6, IPPROTO_DSTOPTS, IPPROTO_HOPOPTS,
  IPPROTO_TCP, IPPROTO_UDP, TCP_ACK, TCP_PSH, TCP_SYN,
} from '../helpers/packets.js';
import {
  beInt, decodeReport, has, signed, Report, F_ARP, F_DF, F_ETH, F_FRAGMENT, F_ICMP, F_ICMP6, F_IPV4,
  F_IPV4_CSUM_OK, F_IPV6, F_L4_CSUM_OK, F_MORE_FRAGMENTS, F_TCP, F_UDP,
} from './report.js';

const GUEST = path.join(PROJECT_ROOT, 'test/guest-sdk/guests/fields.ts');
const test = suite('guest-sdk/packet');

let sandbox: Sandbox;

test.before(async () => {
  sandbox = new Sandbox(await guestModule(GUEST), { log: () => {} });
});

async function report(frame: FrameInput): Promise<Report> {
  const before = sandbox.stats.traps;
  const { results } = await runGuest(GUEST, [frame], { sandbox });
  assert.is(sandbox.stats.traps, before, 'the guest trapped');
  return decodeReport(results[0].bytes);
}

async function reports(frames: FrameInput[]): Promise<Report[]> {
  const before = sandbox.stats.traps;
  const { results } = await runGuest(GUEST, frames, { sandbox });
  assert.is(sandbox.stats.traps, before, 'the guest trapped');
  return results.map((r) => decodeReport(r.bytes));
}

const MAC_A = '02:11:22:33:44:55', MAC_B = '0a:bb:cc:dd:ee:ff';

test('Ethernet addresses and type of an untagged IPv4/UDP frame', async () => {
  const f = eth({ src: MAC_A, dst: MAC_B }, ipv4({}, udp({ sport: 1, dport: 2 }, 'x')));
  const r = await report(f);
  assert.ok(has(r, F_ETH));
  assert.is(r.ethDst, beInt(mac(MAC_B)));
  assert.is(r.ethSrc, beInt(mac(MAC_A)));
  assert.is(Number(r.etherType), ETH_P_IPV4);
  assert.is(Number(r.vlanCount), 0);
  assert.is(Number(r.l3Offset), 14);
});

test('802.1Q tag: VLAN id, priority, EtherType after the tag', async () => {
  const f = eth({ vlan: [{ id: 100, pcp: 5 }] }, ipv6({}, udp({}, 'x')));
  const r = await report(f);
  assert.is(Number(r.vlanCount), 1);
  assert.is(Number(r.vlan0Tpid), ETH_P_8021Q);
  assert.is(Number(r.vlan0Tci), (5 << 13) | 100);
  assert.is(Number(r.ethType), ETH_P_8021Q);
  assert.is(Number(r.etherType), ETH_P_IPV6);
  assert.is(Number(r.l3Offset), 18);
  assert.ok(has(r, F_IPV6) && has(r, F_UDP));
});

test('QinQ: two tags, outer 802.1ad, inner 802.1Q', async () => {
  const f = eth({ vlan: [200, 4094] }, ipv4({}, tcp({}, '')));
  const r = await report(f);
  assert.is(Number(r.vlanCount), 2);
  assert.is(Number(r.vlan0Tpid), ETH_P_8021AD);
  assert.is(Number(r.vlan0Tci) & 0xfff, 200);
  assert.is(Number(r.vlan1Tpid), ETH_P_8021Q);
  assert.is(Number(r.vlan1Tci) & 0xfff, 4094);
  assert.is(Number(r.etherType), ETH_P_IPV4);
  assert.is(Number(r.l3Offset), 22);
  assert.ok(has(r, F_IPV4) && has(r, F_TCP));
});

test('ARP request and reply', async () => {
  const [req, rep] = await reports([
    eth({}, arp({ op: 1, senderMac: MAC_A, senderIp: '192.168.1.1', targetIp: '192.168.1.2' })),
    eth({}, arp({ op: 2, senderMac: MAC_B, senderIp: '192.168.1.2', targetMac: MAC_A, targetIp: '192.168.1.1' })),
  ]);
  assert.ok(has(req, F_ARP) && !has(req, F_IPV4));
  assert.is(Number(req.etherType), ETH_P_ARP);
  assert.is(Number(req.arpOp), 1);
  assert.is(req.arpSenderMac, beInt(mac(MAC_A)));
  assert.is(Number(req.arpSenderIp), ip4u32('192.168.1.1'));
  assert.is(req.arpTargetMac, 0n);
  assert.is(Number(req.arpTargetIp), ip4u32('192.168.1.2'));
  assert.is(Number(rep.arpOp), 2);
  assert.is(rep.arpTargetMac, beInt(mac(MAC_A)));
  assert.is(signed(rep.l4Proto), -1);
});

test('IPv4 fields: addresses, TTL, id, TOS, DF, options, checksum', async () => {
  const opts = Uint8Array.of(0x94, 0x04, 0, 0, 1, 1); // router alert + 2 NOPs, padded to 8
  const f = eth({}, ipv4({ src: '10.1.2.3', dst: '192.0.2.77', ttl: 3, id: 0xbeef, tos: 0xb8, df: true, options: opts }, udp({ sport: 5353, dport: 53 }, 'hello')));
  const r = await report(f);
  assert.ok(has(r, F_IPV4) && has(r, F_UDP) && has(r, F_DF) && !has(r, F_FRAGMENT));
  assert.is(Number(r.v4Src), ip4u32('10.1.2.3'));
  assert.is(Number(r.v4Dst), ip4u32('192.0.2.77'));
  assert.is(Number(r.v4Ttl), 3);
  assert.is(Number(r.v4Id), 0xbeef);
  assert.is(Number(r.v4Tos), 0xb8);
  assert.is(Number(r.v4Ihl), 7);
  assert.is(Number(r.v4OptionsLength), 8);
  assert.is(Number(r.v4Proto), IPPROTO_UDP);
  assert.is(Number(r.v4TotalLength), f.length - 14);
  assert.is(Number(r.v4Checksum), get16(f, 24));
  assert.ok(has(r, F_IPV4_CSUM_OK));
  assert.is(Number(r.l4Offset), 14 + 28);
  assert.is(Number(r.udpSport), 5353);
  assert.is(Number(r.udpDport), 53);
  assert.is(Number(r.udpLength), 13);
  assert.is(Number(r.payloadOffset), 14 + 28 + 8);
  assert.is(Number(r.payloadLength), 5);
});

test('IPv4 fragments: the first carries the UDP header, later ones none', async () => {
  const [first, later] = await reports([
    eth({}, ipv4({ id: 777, mf: true }, udp({ sport: 9, dport: 10, length: 1000 }, new Uint8Array(64)))),
    eth({}, ipv4({ id: 777, fragOffset: 9, proto: IPPROTO_UDP }, new Uint8Array(64))),
  ]);
  assert.ok(has(first, F_FRAGMENT) && has(first, F_MORE_FRAGMENTS) && has(first, F_UDP));
  assert.is(Number(first.fragOffset), 0);
  assert.is(Number(first.fragId), 777);
  assert.is(Number(first.payloadLength), 64, 'the first fragment\'s payload ends with the fragment');
  assert.ok(has(later, F_FRAGMENT) && !has(later, F_MORE_FRAGMENTS) && !has(later, F_UDP));
  assert.is(Number(later.fragOffset), 72);
  assert.is(signed(later.l4Proto), IPPROTO_UDP);
});

test('IPv6 fields: addresses as hi/lo, traffic class, flow label, hop limit', async () => {
  const src = '2001:db8:1:2:3:4:5:6', dst = 'fe80::1';
  const f = eth({}, ipv6({ src, dst, hopLimit: 7, trafficClass: 0x2e, flowLabel: 0xabcde }, udp({ dport: 7 }, 'abc')));
  const r = await report(f);
  assert.ok(has(r, F_IPV6) && has(r, F_UDP));
  assert.is(r.v6SrcHi, beInt(ip6(src), 0, 8));
  assert.is(r.v6SrcLo, beInt(ip6(src), 8, 8));
  assert.is(r.v6DstHi, beInt(ip6(dst), 0, 8));
  assert.is(r.v6DstLo, beInt(ip6(dst), 8, 8));
  assert.is(Number(r.v6HopLimit), 7);
  assert.is(Number(r.v6TrafficClass), 0x2e);
  assert.is(Number(r.v6FlowLabel), 0xabcde);
  assert.is(Number(r.v6PayloadLength), 11);
  assert.is(Number(r.v6NextHeader), IPPROTO_UDP);
  assert.is(Number(r.l4Offset), 54);
  assert.ok(has(r, F_L4_CSUM_OK));
});

test('IPv6 extension chain: hop-by-hop, routing, fragment, destination options', async () => {
  const f = eth({}, ipv6({ ext: [
    { type: 'hop', options: Uint8Array.of(5, 2, 0, 0) },
    { type: 'routing', addresses: ['2001:db8::a', '2001:db8::b'] },
    { type: 'fragment', offset: 0, more: true, id: 0x12345678 },
    { type: 'dest', options: new Uint8Array(10) },
  ] }, tcp({ sport: 443, dport: 50000, flags: 'PA' }, 'data')));
  const p = parseFrame(f);
  const r = await report(f);
  assert.is(Number(r.v6NextHeader), IPPROTO_HOPOPTS);
  assert.is(signed(r.l4Proto), IPPROTO_TCP);
  assert.is(Number(r.l4Offset), p.l4Off);
  assert.is(Number(r.l4Offset), 54 + 8 + 40 + 8 + 16);
  assert.ok(has(r, F_FRAGMENT) && has(r, F_MORE_FRAGMENTS) && has(r, F_TCP));
  assert.is(Number(r.fragId), 0x12345678);
  assert.is(Number(r.tcpSport), 443);
  assert.is(Number(r.tcpFlags), TCP_PSH | TCP_ACK);
});

test('IPv6 later fragment: protocol known, no transport header', async () => {
  const f = eth({}, ipv6({ ext: [{ type: 'fragment', offset: 100, id: 5 }], proto: IPPROTO_UDP }, new Uint8Array(40)));
  const r = await report(f);
  assert.ok(has(r, F_FRAGMENT) && !has(r, F_UDP));
  assert.is(Number(r.fragOffset), 800);
  assert.is(signed(r.l4Proto), IPPROTO_UDP);
});

test('IPv6 atomic fragment (offset 0, no more fragments) is a whole packet', async () => {
  const f = eth({}, ipv6({ ext: [{ type: 'fragment', offset: 0, more: false, id: 0xa1b2c3d4 }] }, udp({ dport: 53 }, 'q')));
  const r = await report(f);
  assert.not.ok(has(r, F_FRAGMENT));
  assert.ok(has(r, F_UDP) && has(r, F_L4_CSUM_OK));
  assert.is(Number(r.fragId), 0xa1b2c3d4);
});

test('TCP fields: ports, seq/ack, flags, window, urgent, options and payload', async () => {
  const opts = Uint8Array.of(2, 4, 0x05, 0xb4, 1, 3, 3, 7); // MSS 1460, NOP, window scale 7
  const f = eth({}, ipv4({}, tcp({ sport: 40001, dport: 22, seq: 0xdeadbeef, ack: 0x01020304, flags: 'SA', window: 29200, urgent: 0, options: opts }, 'payload!')));
  const r = await report(f);
  assert.ok(has(r, F_TCP));
  assert.is(Number(r.tcpSport), 40001);
  assert.is(Number(r.tcpDport), 22);
  assert.is(Number(r.tcpSeq), 0xdeadbeef);
  assert.is(Number(r.tcpAck), 0x01020304);
  assert.is(Number(r.tcpFlags), TCP_SYN | TCP_ACK);
  assert.is(Number(r.tcpDataOffset), 7);
  assert.is(Number(r.tcpWindow), 29200);
  assert.is(Number(r.tcpChecksum), get16(f, 34 + 16));
  assert.is(Number(r.payloadOffset), 34 + 28);
  assert.is(Number(r.payloadLength), 8);
  assert.ok(has(r, F_L4_CSUM_OK));
});

test('ICMP and ICMPv6 echo: type, code, id, sequence', async () => {
  const [v4, v6] = await reports([
    eth({}, ipv4({}, icmpEcho({ id: 0x1234, seq: 9 }, 'ping'))),
    eth({}, ipv6({}, icmp6Echo({ id: 0x4321, seq: 10, type: 129 }, 'pong'))),
  ]);
  assert.ok(has(v4, F_ICMP) && !has(v4, F_ICMP6));
  assert.is(Number(v4.icmpType), 8);
  assert.is(Number(v4.icmpId), 0x1234);
  assert.is(Number(v4.icmpSeq), 9);
  assert.ok(has(v4, F_L4_CSUM_OK));
  assert.ok(has(v6, F_ICMP6) && !has(v6, F_ICMP));
  assert.is(Number(v6.icmpType), 129);
  assert.is(Number(v6.icmpCode), 0);
  assert.is(Number(v6.icmpId), 0x4321);
  assert.is(Number(v6.icmpSeq), 10);
  assert.ok(has(v6, F_L4_CSUM_OK));
});

test('a transport the SDK does not parse: protocol, offset and payload after the IP headers', async () => {
  const [v4, v6] = await reports([
    eth({}, ipv4({ proto: 47 }, new Uint8Array(24))),
    eth({}, ipv6({ ext: [{ type: 'dest' }], proto: 132 }, new Uint8Array(30))),
  ]);
  assert.is(signed(v4.l4Proto), 47);
  assert.is(Number(v4.l4Offset), 34);
  assert.is(Number(v4.payloadOffset), 34);
  assert.is(Number(v4.payloadLength), 24);
  assert.is(signed(v6.l4Proto), 132);
  assert.is(Number(v6.payloadOffset), 62);
  assert.is(Number(v6.payloadLength), 30);
  assert.not.ok(has(v4, F_TCP) || has(v4, F_UDP) || has(v6, F_TCP) || has(v6, F_UDP));
});

test('Ethernet padding is not payload: lengths come from the IP header', async () => {
  const f = concat(eth({}, ipv4({}, udp({}, 'ab'))), new Uint8Array(20));
  const r = await report(f);
  assert.ok(has(r, F_UDP));
  assert.is(Number(r.payloadLength), 2);
  assert.ok(has(r, F_L4_CSUM_OK));
});

// Every prefix of a frame, with the rest of the frame left in memory behind
// the packet: a header is reported exactly when it lies inside the prefix.
const TRUNCATION_FRAMES: [string, Uint8Array][] = [
  ['IPv4/UDP/DNS', eth({}, ipv4({}, udp({ dport: 53 }, dnsQuery({ qname: 'example.com' }))))],
  ['QinQ IPv4/TCP with options', eth({ vlan: [10, 20] }, ipv4({ options: Uint8Array.of(1, 1, 1, 1) }, tcp({ options: Uint8Array.of(2, 4, 5, 0xb4) }, 'x')))],
  ['VLAN IPv6 ext chain/TCP', eth({ vlan: [30] }, ipv6({ ext: [{ type: 'hop' }, { type: 'routing', addresses: ['::1'] }, { type: 'fragment' }, { type: 'dest' }] }, tcp({}, 'y')))],
  ['IPv4/ICMP', eth({}, ipv4({}, icmpEcho({}, 'z')))],
  ['IPv6/ICMPv6', eth({}, ipv6({}, icmp6Echo({}, 'z')))],
  ['ARP', eth({ vlan: [5] }, arp({}))],
];

test('every truncation point gives "not this header", never a trap or an overread', async () => {
  for (const [name, f] of TRUNCATION_FRAMES) {
    const p = parseFrame(f);
    const full = await report(f);
    const inputs: FrameInput[] = [];
    for (let k = 0; k < f.length; k++) inputs.push({ bytes: f, len: k });
    const rs = await reports(inputs);
    rs.forEach((r, k) => {
      const at = `${name} cut at ${k}`;
      assert.is(has(r, F_ETH), k >= 14, at + ': eth');
      // A tag counts once the type after it is inside the packet.
      const tags = p.vlans.filter((_, i) => k >= 12 + 4 * (i + 1) + 2).length;
      assert.is(Number(r.vlanCount), tags, at + ': vlanCount');
      assert.is(Number(r.etherType), k >= p.l3Off ? p.etherType : 0, at + ': etherType');
      // Nothing of L3 or above survives losing any byte of the L3 packet.
      for (const flag of [F_ARP, F_IPV4, F_IPV6, F_TCP, F_UDP, F_ICMP, F_ICMP6]) assert.not.ok(has(r, flag), `${at}: flag ${flag}`);
      assert.is(signed(r.l4Proto), -1, at + ': l4Proto');
      assert.is(Number(r.payloadLength), 0, at + ': payloadLength');
    });
    assert.ok(Number(full.flags) & (F_ARP | F_IPV4 | F_IPV6), `${name} parses when whole`);
  }
});

// Deterministic mutations of valid frames: flipped bytes in the headers,
// random lengths. Whatever the SDK reports must lie inside the packet.
function mutants(count: number): Uint8Array[] {
  let x = 0x2545f491;
  const next = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
  const bases = TRUNCATION_FRAMES.map(([, f]) => f);
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const f = bases[i % bases.length].slice();
    const flips = 1 + (next() % 4);
    for (let j = 0; j < flips; j++) f[next() % Math.min(f.length, 80)] = next() & 0xff;
    out.push(f.subarray(0, f.length - (next() % 3 === 0 ? next() % f.length : 0)));
  }
  return out;
}

test('mutated frames: no trap, and every reported header lies inside the packet', async () => {
  const frames = mutants(3000);
  const rs = await reports(frames);
  rs.forEach((r, i) => {
    const len = frames[i].length, at = `mutant ${i}`;
    const l3 = Number(r.l3Offset);
    if (has(r, F_IPV4)) assert.ok(l3 + Number(r.v4TotalLength) <= len && Number(r.v4Ihl) * 4 <= Number(r.v4TotalLength), at + ': IPv4');
    if (has(r, F_IPV6)) assert.ok(l3 + 40 + Number(r.v6PayloadLength) <= len, at + ': IPv6');
    if (has(r, F_ARP)) assert.ok(l3 + 28 <= len, at + ': ARP');
    if (has(r, F_TCP)) assert.ok(Number(r.l4Offset) + Number(r.tcpDataOffset) * 4 <= len && Number(r.tcpDataOffset) >= 5, at + ': TCP');
    if (has(r, F_UDP)) assert.ok(Number(r.l4Offset) + 8 <= len, at + ': UDP');
    if (has(r, F_ICMP) || has(r, F_ICMP6)) assert.ok(Number(r.l4Offset) + 8 <= len, at + ': ICMP');
    assert.ok(Number(r.payloadOffset) + Number(r.payloadLength) <= len, at + ': payload');
  });
  assert.ok(rs.filter((r) => has(r, F_TCP) || has(r, F_UDP)).length > 100, 'many mutants still parse to L4');
});

test('malformed headers are "not this header"', async () => {
  const cases: [string, Uint8Array, (r: Report) => void][] = [
    ['IPv4 IHL 4', eth({}, ipv4({ ihl: 4 }, udp({}, 'x'))), (r) => assert.not.ok(has(r, F_IPV4))],
    ['IPv4 version 5', eth({}, ipv4({ version: 5 }, udp({}, 'x'))), (r) => assert.not.ok(has(r, F_IPV4))],
    ['IPv4 IHL beyond total length', eth({}, ipv4({ ihl: 15, totalLength: 40 }, udp({}, new Uint8Array(60)))), (r) => assert.not.ok(has(r, F_IPV4))],
    ['IPv4 total length past the frame', eth({}, ipv4({ totalLength: 200 }, udp({}, 'x'))), (r) => assert.not.ok(has(r, F_IPV4))],
    ['IPv4 total length too short for UDP', eth({}, ipv4({ totalLength: 24 }, udp({}, 'x'))), (r) => { assert.ok(has(r, F_IPV4)); assert.not.ok(has(r, F_UDP)); }],
    ['UDP length past the IP end', eth({}, ipv4({}, udp({ length: 100 }, 'x'))), (r) => assert.not.ok(has(r, F_UDP))],
    ['UDP length below 8', eth({}, ipv4({}, udp({ length: 7 }, 'x'))), (r) => assert.not.ok(has(r, F_UDP))],
    ['TCP data offset 4', eth({}, ipv4({}, tcp({ dataOffset: 4 }, 'x'))), (r) => assert.not.ok(has(r, F_TCP))],
    ['TCP data offset past the IP end', eth({}, ipv4({}, tcp({ dataOffset: 15 }, 'x'))), (r) => assert.not.ok(has(r, F_TCP))],
    ['IPv6 payload length past the frame', eth({}, ipv6({ payloadLength: 500 }, udp({}, 'x'))), (r) => assert.not.ok(has(r, F_IPV6))],
    ['IPv6 version 4', eth({}, ipv6({ version: 4 }, udp({}, 'x'))), (r) => assert.not.ok(has(r, F_IPV6))],
    ['IPv6 ext header overruns the payload', eth({}, ipv6({ ext: [{ type: 'raw', proto: IPPROTO_DSTOPTS, bytes: Uint8Array.of(0, 200, 0, 0, 0, 0, 0, 0) }] }, udp({}, 'x'))),
      (r) => { assert.ok(has(r, F_IPV6)); assert.is(signed(r.l4Proto), -1); assert.not.ok(has(r, F_UDP)); }],
    ['IPv6 chain of 9 extension headers', eth({}, ipv6({ ext: Array.from({ length: 9 }, () => ({ type: 'dest' as const })) }, udp({}, 'x'))),
      (r) => { assert.ok(has(r, F_IPV6)); assert.is(signed(r.l4Proto), -1); assert.not.ok(has(r, F_UDP)); }],
    ['ICMP over IPv6 is not ICMPv6', eth({}, ipv6({ proto: 1 }, icmpEcho({}, 'x').encode(ip6('::1'), ip6('::2')))), (r) => { assert.not.ok(has(r, F_ICMP)); assert.not.ok(has(r, F_ICMP6)); }],
    ['ARP for another protocol', eth({ type: ETH_P_ARP }, Uint8Array.of(0, 1, 0x86, 0xdd, 6, 16, ...new Uint8Array(50))), (r) => assert.not.ok(has(r, F_ARP))],
    ['five VLAN tags', eth({ vlan: [1, 2, 3, 4, 5] }, ipv4({}, udp({}, 'x'))), (r) => { assert.is(Number(r.etherType), 0); assert.not.ok(has(r, F_IPV4)); }],
  ];
  const rs = await reports(cases.map((c) => c[1]));
  cases.forEach(([name, , check], i) => {
    try { check(rs[i]); } catch (e) { (e as Error).message = `${name}: ${(e as Error).message}`; throw e; }
  });
});

test('checksums: computed values match the reference, corruption is detected', async () => {
  const good = eth({}, ipv4({ src: '1.2.3.4', dst: '5.6.7.8' }, tcp({ flags: 'S' }, 'abc')));
  const bad = good.slice();
  bad[24] ^= 0xff; // IPv4 header checksum
  bad[34 + 16] ^= 0x55; // TCP checksum
  const v6 = eth({}, ipv6({ ext: [{ type: 'routing', addresses: ['2001:db8::99'] }] }, udp({}, 'odd')));
  const [g, b, r6] = await reports([good, bad, v6]);
  assert.ok(has(g, F_IPV4_CSUM_OK) && has(g, F_L4_CSUM_OK));
  assert.not.ok(has(b, F_IPV4_CSUM_OK));
  assert.not.ok(has(b, F_L4_CSUM_OK));
  assert.is(Number(b.v4ChecksumComputed), get16(good, 24));
  assert.is(Number(b.l4ChecksumComputed), get16(good, 34 + 16));
  const p = parseFrame(good);
  assert.is(Number(g.l4ChecksumComputed), l4Checksum(good.subarray(p.l4Off), 16, p.ipSrc, p.ipDst, IPPROTO_TCP));
  // With a routing header the pseudo-header uses the final destination.
  assert.ok(has(r6, F_L4_CSUM_OK));
  assert.is(Number(r6.l4ChecksumComputed), get16(v6, parseFrame(v6).l4Off + 6));
});

test.run();
