// Generates the bundled capture, examples/captures/mix.pcapng (and the same
// frames as classic mix.pcap), plus its README. Seeded, so every run writes the
// same bytes: tests and example READMEs can rely on exact counts.
//
//   npm run gen:capture            (writes examples/captures/)
//   node dist/test/helpers/gen-capture.js <out-dir>
//
// Each frame's kind is stored as its pcapng comment ("kind=<kind>") so a frame
// found by a handler test can be traced back to what it was meant to be.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeClassicPcap, writePcapng, type WritablePacket } from '../../pipeline/capture/index.js';
import {
  arp, bytesOf, concat, dnsQuery, eth, icmp6Echo, icmpEcho, ipv4, ipv6, tcp, udp,
  DNS_TYPE_A, DNS_TYPE_AAAA, DNS_TYPE_ANY, ETH_P_IPV4, IPPROTO_HOPOPTS, IPPROTO_UDP,
  type Ipv6Ext, type L3, type L4, type VlanTag,
} from './packets.js';

export const MIX_SEED = 0x5eed2026;
/** 2026-01-01T00:00:00Z: a fixed start so timestamps are reproducible. */
const START_NS = 1_767_225_600_000_000_000n;
/** Flows start within this window; the capture spans about a minute. */
const WINDOW_US = 60_000_000;

export interface MixFrame extends WritablePacket { kind: string; tsNs: bigint; comment: string }

/** mulberry32: tiny, fast, and the same on every platform. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const KIND_DESCRIPTIONS: Record<string, string> = {
  'ipv4-tcp-http': 'IPv4 TCP sessions to port 80: handshake, GET and response segments, FIN or RST close',
  'ipv4-tcp-https': 'IPv4 TCP sessions to port 443 (TLS-looking payload)',
  'ipv4-tcp-ssh': 'IPv4 TCP sessions to port 22 (SSH banner, then opaque data)',
  'ipv4-tcp-telnet': 'IPv4 TCP sessions to port 23 (telnet)',
  'ipv6-tcp-http': 'IPv6 TCP sessions to port 80',
  'ipv6-tcp-https': 'IPv6 TCP sessions to port 443',
  'ipv6-tcp-ssh': 'IPv6 TCP sessions to port 22',
  'ipv6-tcp-telnet': 'IPv6 TCP sessions to port 23',
  'ipv4-udp-dns': 'IPv4 DNS queries to port 53 (A/AAAA; names include ads.example.com, tracker.example.net, www.example.org)',
  'ipv6-udp-dns': 'IPv6 DNS queries to port 53',
  'ipv4-udp-dns-any': 'IPv4 DNS queries with QTYPE ANY (255)',
  'ipv6-udp-dns-any': 'IPv6 DNS queries with QTYPE ANY (255)',
  'ipv4-udp-echo': 'IPv4 UDP to the echo port 7',
  'ipv6-udp-echo': 'IPv6 UDP to the echo port 7',
  'vlan-ipv4-udp-echo': '802.1Q-tagged (VLAN 10) IPv4 UDP to port 7',
  'vlan-ipv6-udp-echo': '802.1Q-tagged (VLAN 10) IPv6 UDP to port 7',
  'ipv4-udp-ntp': 'IPv4 NTP client requests to port 123',
  'ipv6-udp-ntp': 'IPv6 NTP client requests to port 123',
  'ipv4-icmp-echo': 'ICMP echo requests and replies',
  'ipv6-icmp6-echo': 'ICMPv6 echo requests and replies',
  'arp': 'ARP requests and replies',
  'vlan-ipv4-tcp': '802.1Q-tagged (VLAN 20) IPv4 TCP segments to port 80',
  'qinq-ipv4-udp': 'QinQ frames (outer 802.1ad VLAN 100, inner 802.1Q VLAN 200) carrying IPv4 UDP',
  'qinq-ipv6-tcp': 'QinQ frames (outer 802.1ad VLAN 100, inner 802.1Q VLAN 300) carrying IPv6 TCP',
  'ipv6-ext-udp': 'IPv6 with extension headers (hop-by-hop, destination options, routing, fragment) before UDP',
  'ipv6-ext-tcp': 'IPv6 with hop-by-hop and destination options before TCP',
  'ipv4-frag-first': 'IPv4 first fragments (MF set, offset 0, UDP header inside)',
  'ipv4-frag-later': 'IPv4 later fragments (offset > 0, no L4 header)',
  'bad-runt': 'malformed: runt frames of 1-13 bytes, shorter than an Ethernet header',
  'bad-ipv4-truncated': 'malformed: IPv4 header cut short by the end of the frame',
  'bad-ipv6-truncated': 'malformed: IPv6 header cut short by the end of the frame',
  'bad-tcp-truncated': 'malformed: TCP header cut short by the end of the frame',
  'bad-vlan-truncated': 'malformed: 802.1Q TPID with the tag cut off',
  'bad-ipv4-total-length': 'malformed: IPv4 total length larger than the frame',
  'bad-ipv4-ihl': 'malformed: IPv4 IHL below 5, or larger than the frame holds',
  'bad-ipv4-version': 'malformed: EtherType IPv4 but IP version 5 or 6',
  'bad-udp-length': 'malformed: UDP length larger than the datagram, or below 8',
  'bad-tcp-data-offset': 'malformed: TCP data offset below 5 or beyond the segment',
  'bad-ipv6-payload-length': 'malformed: IPv6 payload length larger than the frame',
  'bad-ipv6-ext-overrun': 'malformed: IPv6 extension header whose length runs past the end of the frame',
};

const HTTP_GET = (host: string): string => `GET / HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n`;
const HTTP_OK = 'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 44\r\n\r\n<html><body>wasmxdp example</body></html>\r\n';
const DNS_NAMES = ['ads.example.com', 'tracker.example.net', 'www.example.org', 'mail.example.com', 'cdn.example.net', 'api.example.org', 'example.com'];

class Mix {
  readonly frames: MixFrame[] = [];
  readonly rand: () => number;
  constructor(seed: number) { this.rand = rng(seed); }

  int(lo: number, hi: number): number { return lo + Math.floor(this.rand() * (hi - lo + 1)); }
  pick<T>(xs: readonly T[]): T { return xs[Math.floor(this.rand() * xs.length)]; }
  bytes(n: number): Uint8Array { return Uint8Array.from({ length: n }, () => this.int(0, 255)); }
  startUs(): number { return this.int(0, WINDOW_US); }

  host4(client: boolean): string { return client ? `10.0.${this.int(0, 3)}.${this.int(2, 250)}` : this.pick(['203.0.113.10', '203.0.113.80', '198.51.100.7', '198.51.100.53']); }
  host6(client: boolean): string { return client ? `2001:db8:1::${this.int(2, 0xfff).toString(16)}` : this.pick(['2001:db8:2::10', '2001:db8:2::80', '2001:db8:2::53']); }
  mac(): string { return `02:00:00:${this.int(0, 255).toString(16).padStart(2, '0')}:${this.int(0, 255).toString(16).padStart(2, '0')}:${this.int(1, 254).toString(16).padStart(2, '0')}`; }

  /** Adds a frame; well-formed ones get Ethernet's minimum-size padding as on a real wire. */
  add(kind: string, atUs: number, frame: Uint8Array, pad = true): void {
    const data = pad && frame.length < 60 ? concat(frame, new Uint8Array(60 - frame.length)) : frame;
    this.frames.push({ kind, data, tsNs: START_NS + BigInt(atUs) * 1000n, comment: `kind=${kind}` });
  }
}

type Ip = 4 | 6;

function l3(ipv: Ip, src: string, dst: string, inner: L4, extra: { ext?: Ipv6Ext[] } = {}): L3 {
  return ipv === 4
    ? ipv4({ src, dst, ttl: 64, id: 0 }, inner)
    : ipv6({ src, dst, hopLimit: 64, ext: extra.ext }, inner);
}

/** A TCP session: handshake, some data each way, then FIN/ACK close or a RST. */
function tcpSession(m: Mix, ipv: Ip, dport: number, kind: string, vlan?: (number | VlanTag)[]): void {
  const cMac = m.mac(), sMac = m.mac();
  const c = ipv === 4 ? m.host4(true) : m.host6(true);
  const s = ipv === 4 ? m.host4(false) : m.host6(false);
  const sport = m.int(32768, 60999);
  let t = m.startUs();
  let cSeq = m.int(0, 0x7fffffff), sSeq = m.int(0, 0x7fffffff);
  const send = (fromClient: boolean, flags: string, payload?: Uint8Array | string): void => {
    const p = bytesOf(payload);
    const seg = fromClient
      ? tcp({ sport, dport, seq: cSeq, ack: flags.includes('A') ? sSeq : 0, flags, window: 64240 }, p)
      : tcp({ sport: dport, dport: sport, seq: sSeq, ack: cSeq, flags, window: 65160 }, p);
    const frame = fromClient
      ? eth({ src: cMac, dst: sMac, vlan }, l3(ipv, c, s, seg))
      : eth({ src: sMac, dst: cMac, vlan }, l3(ipv, s, c, seg));
    m.add(kind, t, frame);
    const adv = p.length + (flags.includes('S') || flags.includes('F') ? 1 : 0);
    if (fromClient) cSeq = (cSeq + adv) >>> 0; else sSeq = (sSeq + adv) >>> 0;
    t += m.int(50, 20_000);
  };
  send(true, 'S');
  if (m.rand() < 0.08) { send(false, 'RA'); return; } // port closed
  send(false, 'SA');
  send(true, 'A');
  const rounds = m.int(1, 4);
  for (let i = 0; i < rounds; i++) {
    if (dport === 80) { send(true, 'PA', HTTP_GET(m.pick(DNS_NAMES))); send(false, 'PA', HTTP_OK); }
    else if (dport === 22) { send(true, 'PA', i === 0 ? 'SSH-2.0-OpenSSH_9.2p1\r\n' : m.bytes(m.int(32, 300))); send(false, 'PA', i === 0 ? 'SSH-2.0-OpenSSH_9.6\r\n' : m.bytes(m.int(32, 600))); }
    else if (dport === 23) { send(false, 'PA', Uint8Array.of(0xff, 0xfd, 0x18, 0xff, 0xfd, 0x20)); send(true, 'PA', 'root\r\n'); }
    else { send(true, 'PA', concat(Uint8Array.of(0x16, 0x03, 0x01), m.bytes(m.int(100, 500)))); send(false, 'PA', concat(Uint8Array.of(0x17, 0x03, 0x03), m.bytes(m.int(200, 1400)))); }
    send(true, 'A');
  }
  if (m.rand() < 0.15) { send(true, 'RA'); return; }
  send(true, 'FA'); send(false, 'A'); send(false, 'FA'); send(true, 'A');
}

function udpExchange(m: Mix, ipv: Ip, kind: string, dport: number, payload: Uint8Array, reply: boolean, vlan?: (number | VlanTag)[]): void {
  const cMac = m.mac(), sMac = m.mac();
  const c = ipv === 4 ? m.host4(true) : m.host6(true);
  const s = ipv === 4 ? m.host4(false) : m.host6(false);
  const sport = m.int(32768, 60999);
  const t = m.startUs();
  m.add(kind, t, eth({ src: cMac, dst: sMac, vlan }, l3(ipv, c, s, udp({ sport, dport }, payload))));
  if (reply) m.add(kind, t + m.int(100, 5000), eth({ src: sMac, dst: cMac, vlan }, l3(ipv, s, c, udp({ sport: dport, dport: sport }, payload))));
}

function ntpRequest(m: Mix): Uint8Array {
  const b = new Uint8Array(48);
  b[0] = 0x23; // LI 0, version 4, mode 3 (client)
  b.set(m.bytes(8), 40); // transmit timestamp
  return b;
}

/** A real application payload for the port, so dissectors see no malformation we did not mean. */
function udpPayload(m: Mix, dport: number): Uint8Array {
  if (dport === 53) return dnsQuery({ id: m.int(0, 0xffff), qname: m.pick(DNS_NAMES), qtype: m.pick([DNS_TYPE_A, DNS_TYPE_AAAA]) });
  if (dport === 123) return ntpRequest(m);
  return m.bytes(m.int(8, 200));
}

function echoPair(m: Mix, ipv: Ip): void {
  const cMac = m.mac(), sMac = m.mac();
  const c = ipv === 4 ? m.host4(true) : m.host6(true);
  const s = ipv === 4 ? m.host4(false) : m.host6(false);
  const id = m.int(1, 0xffff);
  let t = m.startUs();
  const n = m.int(1, 4);
  for (let seq = 1; seq <= n; seq++) {
    const payload = m.bytes(56);
    const req = ipv === 4 ? icmpEcho({ id, seq }, payload) : icmp6Echo({ id, seq }, payload);
    const rep = ipv === 4 ? icmpEcho({ id, seq, type: 0 }, payload) : icmp6Echo({ id, seq, type: 129 }, payload);
    const kind = ipv === 4 ? 'ipv4-icmp-echo' : 'ipv6-icmp6-echo';
    m.add(kind, t, eth({ src: cMac, dst: sMac }, l3(ipv, c, s, req)));
    if (m.rand() < 0.9) m.add(kind, t + m.int(200, 40_000), eth({ src: sMac, dst: cMac }, l3(ipv, s, c, rep)));
    t += 1_000_000;
  }
}

function arpPair(m: Mix): void {
  // Everyone asks for the gateway, which always answers from the same MAC.
  const a = m.mac(), b = '02:00:00:00:00:fe';
  const ipA = m.host4(true), ipB = '10.0.0.1';
  const t = m.startUs();
  m.add('arp', t, eth({ src: a, dst: 'ff:ff:ff:ff:ff:ff' }, arp({ op: 1, senderMac: a, senderIp: ipA, targetIp: ipB })));
  if (m.rand() < 0.8) m.add('arp', t + m.int(50, 2000), eth({ src: b, dst: a }, arp({ op: 2, senderMac: b, senderIp: ipB, targetMac: a, targetIp: ipA })));
}

function ipv6Ext(m: Mix): void {
  const t = m.startUs();
  const c = m.host6(true), s = m.host6(false);
  if (m.rand() < 0.6) {
    const chains: Ipv6Ext[][] = [
      [{ type: 'hop', options: Uint8Array.of(5, 2, 0, 0) }], // router alert
      [{ type: 'dest' }],
      [{ type: 'hop' }, { type: 'dest' }],
      [{ type: 'routing', routingType: 4, segmentsLeft: 0, addresses: ['2001:db8:9::1'] }],
      [{ type: 'fragment', offset: 0, more: false, id: m.int(1, 0xffffff) }], // atomic fragment
      [{ type: 'hop' }, { type: 'routing', routingType: 4, segmentsLeft: 0, addresses: ['2001:db8:9::2'] }, { type: 'dest' }],
    ];
    const dport = m.pick([53, 7, 123]);
    m.add('ipv6-ext-udp', t, eth({}, l3(6, c, s, udp({ sport: m.int(1024, 65535), dport }, udpPayload(m, dport)), { ext: m.pick(chains) })));
  } else {
    m.add('ipv6-ext-tcp', t, eth({}, l3(6, c, s, tcp({ sport: m.int(32768, 60999), dport: m.pick([80, 443, 22]), flags: 'S' }), { ext: [{ type: 'hop' }, { type: 'dest' }] })));
  }
}

/** A UDP datagram split into IPv4 fragments of 8-byte-aligned pieces. */
function ipv4Fragments(m: Mix): void {
  const c = m.host4(true), s = m.host4(false);
  let t = m.startUs();
  const payload = m.bytes(m.int(1500, 3800));
  // Build the whole UDP datagram once (checksum over all of it), then cut it.
  const whole = ipv4({ src: c, dst: s }, udp({ sport: m.int(32768, 60999), dport: m.pick([7, 5000, 9000]) }, payload)).bytes.subarray(20);
  const id = m.int(1, 0xffff);
  const piece = 1480;
  for (let off = 0; off < whole.length; off += piece) {
    const part = whole.subarray(off, Math.min(whole.length, off + piece));
    const more = off + piece < whole.length;
    const kind = off === 0 ? 'ipv4-frag-first' : 'ipv4-frag-later';
    m.add(kind, t, eth({}, ipv4({ src: c, dst: s, id, mf: more, fragOffset: off / 8, proto: IPPROTO_UDP }, part)));
    t += m.int(5, 200);
  }
}

function malformed(m: Mix): void {
  const t = m.startUs();
  const c = m.host4(true), s = m.host4(false);
  const c6 = m.host6(true), s6 = m.host6(false);
  const good4 = eth({}, ipv4({ src: c, dst: s }, tcp({ sport: 40000, dport: 80, flags: 'S' })));
  const good6 = eth({}, ipv6({ src: c6, dst: s6 }, tcp({ sport: 40000, dport: 443, flags: 'S' })));
  switch (m.int(0, 11)) {
    case 0: m.add('bad-runt', t, m.bytes(m.int(1, 13)), false); break;
    case 1: m.add('bad-ipv4-truncated', t, good4.subarray(0, 14 + m.int(1, 19)), false); break;
    case 2: m.add('bad-ipv6-truncated', t, good6.subarray(0, 14 + m.int(1, 39)), false); break;
    case 3: m.add('bad-tcp-truncated', t, good4.subarray(0, 34 + m.int(1, 19)), false); break;
    case 4: m.add('bad-vlan-truncated', t, concat(good4.subarray(0, 12), Uint8Array.of(0x81, 0x00), m.bytes(m.int(0, 1))), false); break;
    case 5: m.add('bad-ipv4-total-length', t, eth({}, ipv4({ src: c, dst: s, totalLength: m.int(200, 65535) }, udp({ sport: 5000, dport: 53 }, m.bytes(20)))), false); break;
    case 6: {
      const ihl = m.pick([0, 1, 3, 4, 15]);
      m.add('bad-ipv4-ihl', t, eth({}, ipv4({ src: c, dst: s, ihl }, udp({ sport: 5000, dport: 7 }, m.bytes(4)))), false);
      break;
    }
    case 7: m.add('bad-ipv4-version', t, eth({ type: ETH_P_IPV4 }, ipv4({ src: c, dst: s, version: m.pick([5, 6]) }, udp({ sport: 5000, dport: 7 }, m.bytes(16))).bytes), false); break;
    case 8: m.add('bad-udp-length', t, eth({}, ipv4({ src: c, dst: s }, udp({ sport: 5000, dport: m.pick([7, 53, 123]), length: m.pick([0, 4, 7, 300, 65535]) }, m.bytes(12)))), false); break;
    case 9: m.add('bad-tcp-data-offset', t, eth({}, ipv4({ src: c, dst: s }, tcp({ sport: 40000, dport: m.pick([22, 23, 80]), flags: 'S', dataOffset: m.pick([0, 2, 4, 15]) }))), false); break;
    case 10: m.add('bad-ipv6-payload-length', t, eth({}, ipv6({ src: c6, dst: s6, payloadLength: m.int(100, 65535) }, udp({ sport: 5000, dport: 7 }, m.bytes(10)))), false); break;
    default: {
      // Hop-by-hop header whose length says 8*(1+n) bytes but the frame ends first.
      const claimed = m.int(4, 255); // at least 40 bytes; the frame holds at most 32 after the header
      const ext = new Uint8Array(8);
      ext[1] = claimed;
      m.add('bad-ipv6-ext-overrun', t, eth({}, ipv6({ src: c6, dst: s6, proto: IPPROTO_UDP, ext: [{ type: 'raw', proto: IPPROTO_HOPOPTS, bytes: ext }] }, m.bytes(m.int(0, 24)))), false);
    }
  }
}

export function generateMix(seed = MIX_SEED): MixFrame[] {
  const m = new Mix(seed);
  const sessions: [Ip, number, string][] = [
    [4, 80, 'ipv4-tcp-http'], [4, 443, 'ipv4-tcp-https'], [4, 22, 'ipv4-tcp-ssh'], [4, 23, 'ipv4-tcp-telnet'],
    [6, 80, 'ipv6-tcp-http'], [6, 443, 'ipv6-tcp-https'], [6, 22, 'ipv6-tcp-ssh'], [6, 23, 'ipv6-tcp-telnet'],
  ];
  for (let i = 0; i < 120; i++) { const [ipv, port, kind] = m.pick(sessions); tcpSession(m, ipv, port, kind); }
  for (let i = 0; i < 30; i++) tcpSession(m, 4, 80, 'vlan-ipv4-tcp', [20]);
  for (let i = 0; i < 20; i++) tcpSession(m, 6, m.pick([80, 22]), 'qinq-ipv6-tcp', [100, 300]);
  for (let i = 0; i < 260; i++) {
    const ipv: Ip = m.rand() < 0.65 ? 4 : 6;
    const any = m.rand() < 0.12;
    const qtype = any ? DNS_TYPE_ANY : (ipv === 6 && m.rand() < 0.5 ? DNS_TYPE_AAAA : m.pick([DNS_TYPE_A, DNS_TYPE_AAAA]));
    const q = dnsQuery({ id: m.int(0, 0xffff), qname: m.pick(DNS_NAMES), qtype });
    udpExchange(m, ipv, `ipv${ipv}-udp-dns${any ? '-any' : ''}`, 53, q, false);
  }
  for (let i = 0; i < 100; i++) {
    const ipv: Ip = m.rand() < 0.5 ? 4 : 6;
    const tagged = m.rand() < 0.35;
    udpExchange(m, ipv, `${tagged ? 'vlan-' : ''}ipv${ipv}-udp-echo`, 7, m.bytes(m.int(1, 200)), m.rand() < 0.7, tagged ? [10] : undefined);
  }
  for (let i = 0; i < 60; i++) { const ipv: Ip = m.rand() < 0.7 ? 4 : 6; udpExchange(m, ipv, `ipv${ipv}-udp-ntp`, 123, ntpRequest(m), false); }
  for (let i = 0; i < 40; i++) { const port = m.pick([53, 7, 5000]); udpExchange(m, 4, 'qinq-ipv4-udp', port, udpPayload(m, port), false, [100, 200]); }
  for (let i = 0; i < 60; i++) echoPair(m, m.rand() < 0.6 ? 4 : 6);
  for (let i = 0; i < 60; i++) arpPair(m);
  for (let i = 0; i < 80; i++) ipv6Ext(m);
  for (let i = 0; i < 25; i++) ipv4Fragments(m);
  for (let i = 0; i < 240; i++) malformed(m);
  // Interleave the flows by time; the sort is stable, so ties keep their order.
  return m.frames.sort((a, b) => (a.tsNs < b.tsNs ? -1 : a.tsNs > b.tsNs ? 1 : 0));
}

export function countByKind(frames: readonly MixFrame[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const k of Object.keys(KIND_DESCRIPTIONS)) counts.set(k, 0);
  for (const f of frames) counts.set(f.kind, (counts.get(f.kind) ?? 0) + 1);
  return counts;
}

function readme(frames: readonly MixFrame[]): string {
  const counts = countByKind(frames);
  const rows = [...counts].map(([k, n]) => `| \`${k}\` | ${n} | ${KIND_DESCRIPTIONS[k] ?? ''} |`);
  const bad = [...counts].filter(([k]) => k.startsWith('bad-')).reduce((s, [, n]) => s + n, 0);
  return `# Bundled captures

Generated by \`test/helpers/gen-capture.ts\` (\`npm run gen:capture\`) with seed
0x${MIX_SEED.toString(16)}; do not edit by hand. Every run writes the same bytes.

- \`mix.pcapng\`: ${frames.length} Ethernet frames, one interface (link type 1,
  nanosecond timestamps). Each packet's comment is \`kind=<kind>\` from the table below.
- \`mix.pcap\`: the same frames in classic pcap (microsecond timestamps, no comments).

Timestamps start at 2026-01-01T00:00:00Z and span about a minute; flows are
interleaved by time. Well-formed frames shorter than 60 bytes carry Ethernet
padding after the IP datagram, as on a real wire. ${bad} frames are malformed on
purpose (the \`bad-\` kinds): handlers must survive them.

| kind | frames | what |
|---|---:|---|
${rows.join('\n')}
| **total** | **${frames.length}** | |
`;
}

export function writeMix(outDir: string, seed = MIX_SEED): MixFrame[] {
  const frames = generateMix(seed);
  fs.mkdirSync(outDir, { recursive: true });
  writePcapng(path.join(outDir, 'mix.pcapng'), frames);
  // Classic pcap has no comments; strip them so nothing suggests otherwise.
  writeClassicPcap(path.join(outDir, 'mix.pcap'), frames.map(({ data, tsNs }) => ({ data, tsNs })));
  fs.writeFileSync(path.join(outDir, 'README.md'), readme(frames));
  return frames;
}

const self = fileURLToPath(import.meta.url);
if (process.argv[1] && path.resolve(process.argv[1]) === self) {
  const root = path.resolve(path.dirname(self), '../../..');
  const out = process.argv[2] ?? path.join(root, 'examples/captures');
  const frames = writeMix(out);
  console.log(`wrote ${frames.length} frames to ${path.join(out, 'mix.pcapng')} and mix.pcap`);
}
