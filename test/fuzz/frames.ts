// Seeded random frames for the fuzzers: well-formed frames of every kind the
// SDK parses, then mutated (truncated, bytes flipped, length fields lying,
// IPv6 extension chains that loop or overrun, DNS names with compression
// loops). Everything is a function of the Rng, so a seed reproduces a run.

import {
  DNS_TYPE_A, DNS_TYPE_AAAA, IPPROTO_DSTOPTS, IPPROTO_HOPOPTS, IPPROTO_ROUTING, Ipv6Ext, L3, L4,
  arp, concat, dnsLabels, dnsName, dnsPointer, dnsQuery, eth, icmp6Echo, icmpEcho, ipv4, ipv6, tcp, udp,
} from '../helpers/packets.js';

/** mulberry32: small, fast, and the same on every machine. */
export class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0; }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** 0 .. n-1 */
  int(n: number): number { return n <= 0 ? 0 : this.next() % n; }
  chance(p: number): boolean { return this.next() / 0x100000000 < p; }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)]; }
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.next() & 0xff;
    return b;
  }
}

/** Largest frame the fuzzers build (fits a 2048-byte frame after 256 bytes of headroom, with tailroom to spare). */
export const MAX_FRAME = 1400;

const ip4s = ['10.0.0.1', '10.0.0.2', '192.168.1.7', '8.8.8.8', '203.0.113.9', '0.0.0.0', '255.255.255.255'];
const ip6s = ['2001:db8::1', '2001:db8::2', 'fe80::1', '::1', 'ff02::1', '::'];
const names = ['example.com', 'a.b.c.d.e.f.g', 'x', 'very-long-label-'.repeat(3) + '.org', 'wasmxdp.test', ''];

function maybe<T>(r: Rng, p: number, v: () => T): T | undefined { return r.chance(p) ? v() : undefined; }

function payload(r: Rng): Uint8Array { return r.bytes(r.int(r.chance(0.1) ? 600 : 64)); }

/** A DNS message, sometimes with names that point in loops or overrun. */
export function dnsMessage(r: Rng): Uint8Array {
  const k = r.int(8);
  let nameRaw: Uint8Array | undefined;
  switch (k) {
    case 0: nameRaw = dnsPointer(12); break; // points at itself
    case 1: nameRaw = concat(dnsLabels('a.b'), dnsPointer(12)); break; // labels, then back to the start
    case 2: nameRaw = concat(Uint8Array.of(63), r.bytes(r.int(63))); break; // label longer than the message
    case 3: nameRaw = concat(dnsLabels('x'), dnsPointer(r.int(0x3fff))); break; // pointer anywhere
    case 4: nameRaw = r.bytes(r.int(40)); break;
    default: break;
  }
  const msg = dnsQuery({
    id: r.int(0x10000),
    flags: r.chance(0.8) ? 0x0100 : r.int(0x10000),
    qname: r.pick(names) || 'example.com',
    nameRaw,
    qtype: r.pick([DNS_TYPE_A, DNS_TYPE_AAAA, 255, r.int(0x10000)]),
    qdcount: maybe(r, 0.2, () => r.int(0x10000)),
    ancount: maybe(r, 0.1, () => r.int(4)),
    questions: r.chance(0.2) ? [{ nameRaw: concat(dnsLabels('www'), dnsPointer(12 + r.int(20))) }] : undefined,
    extra: maybe(r, 0.1, () => concat(dnsName('b.example'), r.bytes(r.int(20)))),
  });
  return msg;
}

function l4(r: Rng, v6: boolean): L4 {
  switch (r.int(4)) {
    case 0: {
      const dns = r.chance(0.4);
      return udp({
        sport: r.chance(0.5) ? 53 : r.int(0x10000),
        dport: dns ? 53 : r.int(0x10000),
        length: maybe(r, 0.1, () => r.int(0x10000)),
        checksum: maybe(r, 0.05, () => r.int(0x10000)),
      }, dns ? dnsMessage(r) : payload(r));
    }
    case 1:
      return tcp({
        sport: r.int(0x10000), dport: r.pick([22, 80, 443, r.int(0x10000)]), seq: r.next(), ack: r.next(),
        flags: r.int(256), window: r.int(0x10000),
        dataOffset: maybe(r, 0.1, () => r.int(16)),
      } as never, payload(r));
    case 2:
      return v6 ? icmp6Echo({ id: r.int(0x10000), seq: r.int(0x10000) }, payload(r)) : icmpEcho({ id: r.int(0x10000), seq: r.int(0x10000) }, payload(r));
    default:
      return udp({ sport: r.int(0x10000), dport: r.int(0x10000) }, payload(r));
  }
}

function ext(r: Rng): Ipv6Ext[] {
  const out: Ipv6Ext[] = [];
  const n = r.int(r.chance(0.2) ? 12 : 4);
  for (let i = 0; i < n; i++) {
    switch (r.int(6)) {
      case 0: out.push({ type: 'hop', options: r.bytes(r.int(20)) }); break;
      case 1: out.push({ type: 'dest', options: r.bytes(r.int(20)) }); break;
      case 2: out.push({ type: 'routing', routingType: r.int(5), segmentsLeft: r.int(3), addresses: [r.pick(ip6s)] }); break;
      case 3: out.push({ type: 'fragment', offset: r.int(0x2000), more: r.chance(0.5), id: r.next() }); break;
      case 4: // a header whose length field runs past the packet
        out.push({ type: 'raw', proto: r.pick([IPPROTO_HOPOPTS, IPPROTO_ROUTING, IPPROTO_DSTOPTS]), bytes: concat(Uint8Array.of(0, 255), r.bytes(6)) });
        break;
      default: // a header naming itself as the next one, again and again
        for (let k = 0; k < 8; k++) out.push({ type: 'raw', proto: IPPROTO_DSTOPTS, bytes: Uint8Array.of(IPPROTO_DSTOPTS, 0, 1, 4, 0, 0, 0, 0) });
    }
  }
  return out;
}

function l3(r: Rng): L3 | Uint8Array {
  switch (r.int(5)) {
    case 0:
    case 1:
      return ipv4({
        src: r.pick(ip4s), dst: r.pick(ip4s), ttl: r.int(256), id: r.int(0x10000), tos: r.int(256),
        df: r.chance(0.5), mf: r.chance(0.1), fragOffset: maybe(r, 0.1, () => r.int(0x2000)),
        options: maybe(r, 0.1, () => r.bytes(4 * r.int(11))),
        ihl: maybe(r, 0.05, () => r.int(16)), totalLength: maybe(r, 0.1, () => r.int(0x10000)),
        version: maybe(r, 0.03, () => r.int(16)), checksum: maybe(r, 0.05, () => r.int(0x10000)),
      }, l4(r, false));
    case 2:
    case 3:
      return ipv6({
        src: r.pick(ip6s), dst: r.pick(ip6s), hopLimit: r.int(256), trafficClass: r.int(256), flowLabel: r.int(0x100000),
        ext: ext(r), payloadLength: maybe(r, 0.1, () => r.int(0x10000)), version: maybe(r, 0.03, () => r.int(16)),
      }, l4(r, true));
    default:
      return arp({ op: r.pick([1, 2, r.int(0x10000)]), senderIp: r.pick(ip4s), targetIp: r.pick(ip4s) });
  }
}

function mac(r: Rng): Uint8Array { return r.bytes(6); }

/** A frame as a parser meets it on the wire: usually well formed, often not. */
export function randomFrame(r: Rng): Uint8Array {
  let f: Uint8Array;
  if (r.chance(0.05)) {
    f = r.bytes(r.int(200));
  } else {
    const vlan = r.chance(0.2) ? Array.from({ length: 1 + r.int(3) }, () => r.int(4096)) : undefined;
    f = eth({ src: mac(r), dst: mac(r), vlan, type: maybe(r, 0.03, () => r.int(0x10000)) }, l3(r));
  }
  return mutate(r, f);
}

export function mutate(r: Rng, frame: Uint8Array): Uint8Array {
  let f = frame.length > MAX_FRAME ? frame.slice(0, MAX_FRAME) : frame.slice();
  const rounds = r.chance(0.4) ? 1 + r.int(3) : 0;
  for (let i = 0; i < rounds; i++) {
    switch (r.int(4)) {
      case 0: f = f.slice(0, r.int(f.length + 1)); break; // truncate anywhere, even inside the Ethernet header
      case 1: if (f.length) f[r.int(f.length)] ^= 1 << r.int(8); break;
      case 2: if (f.length) f[r.int(f.length)] = r.pick([0, 0xff, 0x80, 0x7f, r.int(256)]); break;
      default: if (f.length > 1) { const at = r.int(f.length - 1); f[at] = 0xff; f[at + 1] = r.int(256); } // a lying 16-bit field
    }
  }
  return f;
}

/** A DNS query over UDP (IPv4 or IPv6), then mutated like any frame. */
export function dnsFrame(r: Rng): Uint8Array {
  const u = udp({ sport: r.int(0x10000), dport: 53, length: maybe(r, 0.05, () => r.int(0x10000)) }, dnsMessage(r));
  const ip = r.chance(0.7)
    ? ipv4({ src: r.pick(ip4s), dst: r.pick(ip4s), mf: r.chance(0.05), fragOffset: maybe(r, 0.05, () => r.int(0x2000)) }, u)
    : ipv6({ src: r.pick(ip6s), dst: r.pick(ip6s), ext: r.chance(0.3) ? ext(r) : undefined }, u);
  return mutate(r, eth({ src: mac(r), dst: mac(r), vlan: r.chance(0.1) ? [r.int(4096)] : undefined }, ip));
}

/** Mostly UDP datagrams to random ports, sometimes anything else. */
export function udpFrame(r: Rng): Uint8Array {
  if (r.chance(0.2)) return randomFrame(r);
  const u = udp({ sport: r.int(0x10000), dport: r.pick([7, 53, 9999, r.int(0x10000)]), length: maybe(r, 0.05, () => r.int(0x10000)) }, payload(r));
  const ip = r.chance(0.6) ? ipv4({ src: r.pick(ip4s), dst: r.pick(ip4s), ttl: r.int(256) }, u) : ipv6({ src: r.pick(ip6s), dst: r.pick(ip6s) }, u);
  return mutate(r, eth({ src: mac(r), dst: mac(r) }, ip));
}
