// Test frames, built byte by byte with correct checksums by default, and the TypeScript
// reference parsers/checksums that tests assert guest results against.
//
// Builders nest like the packet does, outermost first:
//
//   eth({ src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02', vlan: [100] },
//     ipv4({ src: '10.0.0.1', dst: '10.0.0.2', ttl: 9 },
//       udp({ sport: 1000, dport: 53 }, dnsQuery({ id: 1, qname: 'example.com' }))))
//
// - `eth(opts, inner)` returns the finished frame (Uint8Array). `vlan` lists tags
//   outermost first; numbers are VLAN ids, objects set pcp/dei/tpid. With two or
//   more tags the outer ones use TPID 0x88a8 (QinQ) unless `tpid` says otherwise.
// - L3 builders (`ipv4`, `ipv6`, `arp`) return an `L3` ({ etherType, bytes }).
// - L4 builders (`udp`, `tcp`, `icmpEcho`, `icmp`, `icmp6Echo`, `icmp6`) return an
//   `L4` whose checksum is computed once the enclosing IP header knows the
//   addresses (pseudo-header). Their `payload` is a Uint8Array or a string.
// - Any `inner` may be raw bytes instead (give `type`/`proto` in the opts then).
// - Every length and checksum field can be overridden (`totalLength`, `ihl`,
//   `checksum`, `length`, `dataOffset`, ...) to build malformed frames.
// - Addresses: MACs 'aa:bb:..', IPv4 dotted quads, IPv6 text ('2001:db8::1');
//   byte arrays are accepted everywhere too.
//
// Reference side: `internetChecksum`, `ipv4HeaderChecksumOk`, `l4ChecksumOk` and
// `parseFrame` (offsets and fields of a frame, computed independently of the
// guest SDK) for assertions.

export type Bytes = Uint8Array;
export type Payload = Uint8Array | string | undefined;

export interface L3 { readonly etherType: number; readonly bytes: Uint8Array }
export interface L4 {
  readonly proto: number;
  /** Encodes the segment; `src`/`dst` are the addresses for the pseudo-header (4 or 16 bytes). */
  encode(src: Uint8Array, dst: Uint8Array): Uint8Array;
}

export const ETH_P_IPV4 = 0x0800;
export const ETH_P_ARP = 0x0806;
export const ETH_P_IPV6 = 0x86dd;
export const ETH_P_8021Q = 0x8100;
export const ETH_P_8021AD = 0x88a8;
export const IPPROTO_HOPOPTS = 0;
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ROUTING = 43;
export const IPPROTO_FRAGMENT = 44;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_NONE = 59;
export const IPPROTO_DSTOPTS = 60;

// ---------------------------------------------------------------- addresses

export function mac(m: string | Uint8Array): Uint8Array {
  if (m instanceof Uint8Array) { if (m.length !== 6) throw new Error('MAC needs 6 bytes'); return m; }
  const parts = m.split(/[:-]/);
  if (parts.length !== 6) throw new Error(`bad MAC ${m}`);
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

export function ip4(a: string | Uint8Array): Uint8Array {
  if (a instanceof Uint8Array) { if (a.length !== 4) throw new Error('IPv4 needs 4 bytes'); return a; }
  const parts = a.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255))) throw new Error(`bad IPv4 ${a}`);
  return Uint8Array.from(parts);
}

/** IPv4 address as an unsigned 32-bit number (network order read big-endian). */
export function ip4u32(a: string | Uint8Array): number {
  const b = ip4(a);
  return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
}

export function ip6(a: string | Uint8Array): Uint8Array {
  if (a instanceof Uint8Array) { if (a.length !== 16) throw new Error('IPv6 needs 16 bytes'); return a; }
  const halves = a.split('::');
  if (halves.length > 2) throw new Error(`bad IPv6 ${a}`);
  const words = (s: string) => (s === '' ? [] : s.split(':').map((w) => parseInt(w, 16)));
  const head = words(halves[0]);
  const tail = halves.length === 2 ? words(halves[1]) : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const all = [...head, ...new Array(fill).fill(0), ...tail];
  if (all.length !== 8 || all.some((w) => !(w >= 0 && w <= 0xffff))) throw new Error(`bad IPv6 ${a}`);
  const out = new Uint8Array(16);
  all.forEach((w, i) => { out[2 * i] = w >> 8; out[2 * i + 1] = w & 0xff; });
  return out;
}

export function fmtMac(b: Uint8Array, off = 0): string {
  return Array.from(b.subarray(off, off + 6), (x) => x.toString(16).padStart(2, '0')).join(':');
}
export function fmtIp4(b: Uint8Array, off = 0): string {
  return Array.from(b.subarray(off, off + 4)).join('.');
}
/** Canonical (RFC 5952) IPv6 text, as tshark prints it. */
export function fmtIp6(b: Uint8Array, off = 0): string {
  const w = Array.from({ length: 8 }, (_, i) => (b[off + 2 * i] << 8) | b[off + 2 * i + 1]);
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (w[i] !== 0) { i++; continue; }
    let j = i; while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(w);
  return hex(w.slice(0, bestStart)) + '::' + hex(w.slice(bestStart + bestLen));
}

// ---------------------------------------------------------------- bytes

export function bytesOf(p: Payload): Uint8Array {
  if (p === undefined) return new Uint8Array(0);
  return typeof p === 'string' ? new TextEncoder().encode(p) : p;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function put16(b: Uint8Array, off: number, v: number): void { b[off] = (v >> 8) & 0xff; b[off + 1] = v & 0xff; }
function put32(b: Uint8Array, off: number, v: number): void { put16(b, off, (v >>> 16) & 0xffff); put16(b, off + 2, v & 0xffff); }
export function get16(b: Uint8Array, off: number): number { return (b[off] << 8) | b[off + 1]; }
export function get32(b: Uint8Array, off: number): number { return ((get16(b, off) << 16) | get16(b, off + 2)) >>> 0; }

// ---------------------------------------------------------------- checksums

/** Ones'-complement sum of 16-bit big-endian words, not yet complemented. */
export function onesSum(b: Uint8Array, start = 0, end = b.length, init = 0): number {
  let s = init;
  let i = start;
  for (; i + 1 < end; i += 2) s += (b[i] << 8) | b[i + 1];
  if (i < end) s += b[i] << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** RFC 1071 Internet checksum of `b[start, end)`. */
export function internetChecksum(b: Uint8Array, start = 0, end = b.length, init = 0): number {
  return ~onesSum(b, start, end, init) & 0xffff;
}

/** Sum of the TCP/UDP/ICMPv6 pseudo-header (v4 when the addresses have 4 bytes). */
export function pseudoHeaderSum(src: Uint8Array, dst: Uint8Array, proto: number, length: number): number {
  const ph = new Uint8Array(src.length === 4 ? 12 : 40);
  if (src.length === 4) {
    ph.set(src, 0); ph.set(dst, 4); ph[9] = proto; put16(ph, 10, length);
  } else {
    ph.set(src, 0); ph.set(dst, 16); put32(ph, 32, length); ph[39] = proto;
  }
  return onesSum(ph);
}

/** Checksum of an L4 segment with its checksum field taken as zero. */
export function l4Checksum(seg: Uint8Array, csumOff: number, src: Uint8Array | null, dst: Uint8Array | null, proto: number): number {
  const copy = seg.slice(); put16(copy, csumOff, 0);
  const init = src && dst ? pseudoHeaderSum(src, dst, proto, seg.length) : 0;
  return internetChecksum(copy, 0, copy.length, init);
}

// ---------------------------------------------------------------- Ethernet

export interface VlanTag { id: number; pcp?: number; dei?: boolean; tpid?: number }
export interface EthOptions {
  src?: string | Uint8Array;
  dst?: string | Uint8Array;
  /** Tags outermost first. */
  vlan?: (number | VlanTag)[];
  /** EtherType after the tags; defaults to the inner L3's. */
  type?: number;
}

export const DEFAULT_SRC_MAC = '02:00:00:00:00:01';
export const DEFAULT_DST_MAC = '02:00:00:00:00:02';

export function eth(opts: EthOptions, inner: L3 | Uint8Array): Uint8Array {
  const body = inner instanceof Uint8Array ? inner : inner.bytes;
  const type = opts.type ?? (inner instanceof Uint8Array ? undefined : inner.etherType);
  if (type === undefined) throw new Error('eth: raw payload needs opts.type');
  const tags = (opts.vlan ?? []).map((t) => (typeof t === 'number' ? { id: t } : t));
  const hdr = new Uint8Array(14 + 4 * tags.length);
  hdr.set(mac(opts.dst ?? DEFAULT_DST_MAC), 0);
  hdr.set(mac(opts.src ?? DEFAULT_SRC_MAC), 6);
  tags.forEach((t, i) => {
    const outer = i < tags.length - 1;
    const tpid = t.tpid ?? (outer ? ETH_P_8021AD : ETH_P_8021Q);
    put16(hdr, 12 + 4 * i, tpid);
    put16(hdr, 14 + 4 * i, ((t.pcp ?? 0) << 13) | (t.dei ? 0x1000 : 0) | (t.id & 0xfff));
  });
  put16(hdr, 12 + 4 * tags.length, type);
  return concat(hdr, body);
}

// ---------------------------------------------------------------- ARP

export interface ArpOptions {
  /** 1 request, 2 reply. */
  op?: number;
  senderMac?: string | Uint8Array;
  senderIp?: string | Uint8Array;
  targetMac?: string | Uint8Array;
  targetIp?: string | Uint8Array;
}

export function arp(o: ArpOptions): L3 {
  const b = new Uint8Array(28);
  put16(b, 0, 1); put16(b, 2, ETH_P_IPV4); b[4] = 6; b[5] = 4;
  put16(b, 6, o.op ?? 1);
  b.set(mac(o.senderMac ?? DEFAULT_SRC_MAC), 8);
  b.set(ip4(o.senderIp ?? '10.0.0.1'), 14);
  b.set(mac(o.targetMac ?? '00:00:00:00:00:00'), 18);
  b.set(ip4(o.targetIp ?? '10.0.0.2'), 24);
  return { etherType: ETH_P_ARP, bytes: b };
}

// ---------------------------------------------------------------- IPv4

export interface Ipv4Options {
  src?: string | Uint8Array;
  dst?: string | Uint8Array;
  ttl?: number;
  id?: number;
  tos?: number;
  df?: boolean;
  mf?: boolean;
  /** Fragment offset in 8-byte units. */
  fragOffset?: number;
  /** Options, padded with zeros to a multiple of 4 bytes. */
  options?: Uint8Array;
  /** Protocol; defaults to the inner L4's. */
  proto?: number;
  // Overrides for malformed headers.
  ihl?: number;
  version?: number;
  totalLength?: number;
  checksum?: number;
}

export function ipv4(o: Ipv4Options, inner: L4 | Uint8Array): L3 {
  const src = ip4(o.src ?? '10.0.0.1');
  const dst = ip4(o.dst ?? '10.0.0.2');
  const proto = o.proto ?? (inner instanceof Uint8Array ? undefined : inner.proto);
  if (proto === undefined) throw new Error('ipv4: raw payload needs opts.proto');
  const opt = o.options ?? new Uint8Array(0);
  const optLen = (opt.length + 3) & ~3;
  if (optLen > 40) throw new Error('ipv4: at most 40 bytes of options');
  const body = inner instanceof Uint8Array ? inner : inner.encode(src, dst);
  const h = new Uint8Array(20 + optLen);
  h[0] = ((o.version ?? 4) << 4) | ((o.ihl ?? (5 + optLen / 4)) & 0xf);
  h[1] = o.tos ?? 0;
  put16(h, 2, o.totalLength ?? h.length + body.length);
  put16(h, 4, o.id ?? 0x1234);
  put16(h, 6, (o.df ? 0x4000 : 0) | (o.mf ? 0x2000 : 0) | ((o.fragOffset ?? 0) & 0x1fff));
  h[8] = o.ttl ?? 64;
  h[9] = proto;
  h.set(src, 12); h.set(dst, 16); h.set(opt, 20);
  put16(h, 10, o.checksum ?? internetChecksum(h));
  return { etherType: ETH_P_IPV4, bytes: concat(h, body) };
}

// ---------------------------------------------------------------- IPv6

export type Ipv6Ext =
  | { type: 'hop' | 'dest'; /** TLV options; padded with PadN to a multiple of 8 with the 2-byte header. */ options?: Uint8Array }
  | { type: 'routing'; routingType?: number; segmentsLeft?: number; addresses?: (string | Uint8Array)[] }
  | { type: 'fragment'; /** In 8-byte units. */ offset?: number; more?: boolean; id?: number }
  /** Any header verbatim: `bytes[0]` (next header) is filled in. */
  | { type: 'raw'; proto: number; bytes: Uint8Array };

export interface Ipv6Options {
  src?: string | Uint8Array;
  dst?: string | Uint8Array;
  hopLimit?: number;
  trafficClass?: number;
  flowLabel?: number;
  ext?: Ipv6Ext[];
  /** Final protocol; defaults to the inner L4's. */
  proto?: number;
  payloadLength?: number;
  version?: number;
}

const EXT_PROTO = { hop: IPPROTO_HOPOPTS, dest: IPPROTO_DSTOPTS, routing: IPPROTO_ROUTING, fragment: IPPROTO_FRAGMENT } as const;

function extBytes(e: Ipv6Ext, next: number): Uint8Array {
  let b: Uint8Array;
  if (e.type === 'hop' || e.type === 'dest') {
    const opt = e.options ?? new Uint8Array(0);
    const len = (2 + opt.length + 7) & ~7;
    b = new Uint8Array(len);
    b.set(opt, 2);
    const pad = len - 2 - opt.length;
    if (pad === 1) b[2 + opt.length] = 0; // Pad1
    else if (pad > 1) { b[2 + opt.length] = 1; b[3 + opt.length] = pad - 2; } // PadN
  } else if (e.type === 'routing') {
    const addrs = (e.addresses ?? []).map(ip6);
    b = new Uint8Array(8 + 16 * addrs.length);
    b[2] = e.routingType ?? 0;
    b[3] = e.segmentsLeft ?? addrs.length;
    addrs.forEach((a, i) => b.set(a, 8 + 16 * i));
  } else if (e.type === 'fragment') {
    b = new Uint8Array(8);
    put16(b, 2, ((e.offset ?? 0) << 3) | (e.more ? 1 : 0));
    put32(b, 4, e.id ?? 0xabcd);
    b[0] = next;
    return b;
  } else {
    b = (e as { bytes: Uint8Array }).bytes.slice();
    b[0] = next;
    return b;
  }
  b[0] = next;
  b[1] = b.length / 8 - 1;
  return b;
}

function extProto(e: Ipv6Ext): number { return e.type === 'raw' ? e.proto : EXT_PROTO[e.type]; }

export function ipv6(o: Ipv6Options, inner: L4 | Uint8Array): L3 {
  const src = ip6(o.src ?? '2001:db8::1');
  const dst = ip6(o.dst ?? '2001:db8::2');
  const proto = o.proto ?? (inner instanceof Uint8Array ? undefined : inner.proto);
  if (proto === undefined) throw new Error('ipv6: raw payload needs opts.proto');
  const ext = o.ext ?? [];
  // RFC 8200 8.1: with a routing header the pseudo-header uses the final destination.
  let finalDst = dst;
  for (const e of ext) {
    if (e.type === 'routing' && (e.segmentsLeft ?? e.addresses?.length ?? 0) > 0 && e.addresses?.length) {
      finalDst = ip6(e.addresses[e.addresses.length - 1]);
    }
  }
  const body = inner instanceof Uint8Array ? inner : inner.encode(src, finalDst);
  const exts = ext.map((e, i) => extBytes(e, i + 1 < ext.length ? extProto(ext[i + 1]) : proto));
  const payload = concat(...exts, body);
  const h = new Uint8Array(40);
  const tc = o.trafficClass ?? 0;
  put32(h, 0, (((o.version ?? 6) << 28) | (tc << 20) | ((o.flowLabel ?? 0) & 0xfffff)) >>> 0);
  put16(h, 4, o.payloadLength ?? payload.length);
  h[6] = ext.length ? extProto(ext[0]) : proto;
  h[7] = o.hopLimit ?? 64;
  h.set(src, 8); h.set(dst, 24);
  return { etherType: ETH_P_IPV6, bytes: concat(h, payload) };
}

// ---------------------------------------------------------------- UDP / TCP

export interface UdpOptions {
  sport?: number;
  dport?: number;
  length?: number;
  /** Forced checksum value (0 means "none" over IPv4). */
  checksum?: number;
}

export function udp(o: UdpOptions, payload?: Payload): L4 {
  const data = bytesOf(payload);
  return {
    proto: IPPROTO_UDP,
    encode(src, dst) {
      const b = new Uint8Array(8 + data.length);
      put16(b, 0, o.sport ?? 12345); put16(b, 2, o.dport ?? 7);
      put16(b, 4, o.length ?? b.length);
      b.set(data, 8);
      let c = o.checksum ?? l4Checksum(b, 6, src, dst, IPPROTO_UDP);
      if (o.checksum === undefined && c === 0) c = 0xffff; // RFC 768: computed zero is sent as all ones
      put16(b, 6, c);
      return b;
    },
  };
}

export const TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_PSH = 0x08, TCP_ACK = 0x10, TCP_URG = 0x20, TCP_ECE = 0x40, TCP_CWR = 0x80;
const TCP_FLAG_LETTERS: Record<string, number> = { F: TCP_FIN, S: TCP_SYN, R: TCP_RST, P: TCP_PSH, A: TCP_ACK, U: TCP_URG, E: TCP_ECE, C: TCP_CWR };

export interface TcpOptions {
  sport?: number;
  dport?: number;
  seq?: number;
  ack?: number;
  /** A number, or letters from "FSRPAUEC" (e.g. 'SA' = SYN+ACK). */
  flags?: number | string;
  window?: number;
  urgent?: number;
  /** TCP options, padded with zeros (EOL) to a multiple of 4 bytes. */
  options?: Uint8Array;
  dataOffset?: number;
  checksum?: number;
}

export function tcpFlags(f: number | string | undefined): number {
  if (f === undefined) return TCP_ACK;
  if (typeof f === 'number') return f;
  let v = 0;
  for (const ch of f.toUpperCase()) {
    const bit = TCP_FLAG_LETTERS[ch];
    if (bit === undefined) throw new Error(`tcp: unknown flag letter ${ch}`);
    v |= bit;
  }
  return v;
}

export function tcp(o: TcpOptions, payload?: Payload): L4 {
  const data = bytesOf(payload);
  return {
    proto: IPPROTO_TCP,
    encode(src, dst) {
      const opt = o.options ?? new Uint8Array(0);
      const hl = 20 + ((opt.length + 3) & ~3);
      const b = new Uint8Array(hl + data.length);
      put16(b, 0, o.sport ?? 40000); put16(b, 2, o.dport ?? 80);
      put32(b, 4, o.seq ?? 1000); put32(b, 8, o.ack ?? 0);
      b[12] = (o.dataOffset ?? hl / 4) << 4;
      b[13] = tcpFlags(o.flags);
      put16(b, 14, o.window ?? 65535);
      put16(b, 18, o.urgent ?? 0);
      b.set(opt, 20); b.set(data, hl);
      put16(b, 16, o.checksum ?? l4Checksum(b, 16, src, dst, IPPROTO_TCP));
      return b;
    },
  };
}

// ---------------------------------------------------------------- ICMP / ICMPv6

export interface IcmpOptions { type: number; code?: number; /** Bytes 4-7 of the header. */ rest?: number; checksum?: number }
export interface EchoOptions { id?: number; seq?: number; /** Default request (8 for ICMP, 128 for ICMPv6). */ type?: number; checksum?: number }

function icmpLike(proto: number, o: IcmpOptions, payload: Payload): L4 {
  const data = bytesOf(payload);
  return {
    proto,
    encode(src, dst) {
      const b = new Uint8Array(8 + data.length);
      b[0] = o.type; b[1] = o.code ?? 0;
      put32(b, 4, o.rest ?? 0);
      b.set(data, 8);
      // ICMP (v4) has no pseudo-header; ICMPv6 has one.
      const ph = proto === IPPROTO_ICMPV6;
      put16(b, 2, o.checksum ?? l4Checksum(b, 2, ph ? src : null, ph ? dst : null, proto));
      return b;
    },
  };
}

export function icmp(o: IcmpOptions, payload?: Payload): L4 { return icmpLike(IPPROTO_ICMP, o, payload); }
export function icmp6(o: IcmpOptions, payload?: Payload): L4 { return icmpLike(IPPROTO_ICMPV6, o, payload); }
export function icmpEcho(o: EchoOptions = {}, payload?: Payload): L4 {
  return icmp({ type: o.type ?? 8, rest: (((o.id ?? 1) << 16) | (o.seq ?? 1)) >>> 0, checksum: o.checksum }, payload);
}
export function icmp6Echo(o: EchoOptions = {}, payload?: Payload): L4 {
  return icmp6({ type: o.type ?? 128, rest: (((o.id ?? 1) << 16) | (o.seq ?? 1)) >>> 0, checksum: o.checksum }, payload);
}

// ---------------------------------------------------------------- DNS

/** Encodes a domain name as length-prefixed labels ending in the root label. */
export function dnsName(name: string): Uint8Array {
  const labels = name.replace(/\.$/, '').split('.').filter((l) => l.length > 0);
  return concat(...labels.map((l) => { const b = bytesOf(l); return concat(Uint8Array.of(b.length), b); }), Uint8Array.of(0));
}

/** Labels without the root label, for building names that end in a pointer. */
export function dnsLabels(name: string): Uint8Array {
  const n = dnsName(name);
  return n.subarray(0, n.length - 1);
}

/** A compression pointer to message offset `off` (offsets count from the DNS header). */
export function dnsPointer(off: number): Uint8Array { return Uint8Array.of(0xc0 | ((off >> 8) & 0x3f), off & 0xff); }

export interface DnsQuestion { qname?: string; /** Encoded name verbatim (pointers, malformed labels). */ nameRaw?: Uint8Array; qtype?: number; qclass?: number }
export interface DnsQueryOptions extends DnsQuestion {
  id?: number;
  /** Header flags word; default 0x0100 (standard query, RD). */
  flags?: number;
  /** More questions after the first (pointers may refer to earlier names). */
  questions?: DnsQuestion[];
  qdcount?: number;
  ancount?: number;
  nscount?: number;
  arcount?: number;
  /** Appended after the questions verbatim. */
  extra?: Uint8Array;
}

export const DNS_TYPE_A = 1, DNS_TYPE_AAAA = 28, DNS_TYPE_ANY = 255;

export function dnsQuery(o: DnsQueryOptions): Uint8Array {
  const qs: DnsQuestion[] = [o, ...(o.questions ?? [])];
  const h = new Uint8Array(12);
  put16(h, 0, o.id ?? 0x4242);
  put16(h, 2, o.flags ?? 0x0100);
  put16(h, 4, o.qdcount ?? qs.length);
  put16(h, 6, o.ancount ?? 0); put16(h, 8, o.nscount ?? 0); put16(h, 10, o.arcount ?? 0);
  const parts = qs.map((q) => {
    const tail = new Uint8Array(4);
    put16(tail, 0, q.qtype ?? DNS_TYPE_A); put16(tail, 2, q.qclass ?? 1);
    return concat(q.nameRaw ?? dnsName(q.qname ?? 'example.com'), tail);
  });
  return concat(h, ...parts, o.extra ?? new Uint8Array(0));
}

// ---------------------------------------------------------------- reference parser

export interface ParsedFrame {
  dst: string;
  src: string;
  vlans: { tpid: number; id: number; pcp: number; dei: boolean }[];
  etherType: number;
  l3Off: number;
  ipVersion: 0 | 4 | 6;
  /** Final protocol after IPv6 extension headers (-1 when not IP). */
  proto: number;
  ipSrc: Uint8Array | null;
  ipDst: Uint8Array | null;
  l4Off: number;
  l4Len: number;
  /** False when a length field points past the frame. */
  complete: boolean;
}

/**
 * Independent, straightforward parse of a well-formed frame for assertions.
 * IP with the wrong version nibble (or IPv4 IHL < 5) is left unparsed (ipVersion 0).
 */
export function parseFrame(f: Uint8Array): ParsedFrame {
  let off = 12;
  const vlans: ParsedFrame['vlans'] = [];
  let type = get16(f, off);
  while ((type === ETH_P_8021Q || type === ETH_P_8021AD) && off + 6 <= f.length) {
    const tci = get16(f, off + 2);
    vlans.push({ tpid: type, id: tci & 0xfff, pcp: tci >> 13, dei: (tci & 0x1000) !== 0 });
    off += 4;
    type = get16(f, off);
  }
  const l3Off = off + 2;
  const r: ParsedFrame = {
    dst: fmtMac(f, 0), src: fmtMac(f, 6), vlans, etherType: type, l3Off, ipVersion: 0, proto: -1,
    ipSrc: null, ipDst: null, l4Off: -1, l4Len: 0, complete: true,
  };
  const version = f.length > l3Off ? f[l3Off] >> 4 : 0;
  if (type === ETH_P_IPV4 && version === 4 && (f[l3Off] & 0xf) >= 5) {
    const ihl = (f[l3Off] & 0xf) * 4;
    const total = get16(f, l3Off + 2);
    r.ipVersion = 4; r.proto = f[l3Off + 9];
    r.ipSrc = f.slice(l3Off + 12, l3Off + 16); r.ipDst = f.slice(l3Off + 16, l3Off + 20);
    r.l4Off = l3Off + ihl; r.l4Len = total - ihl;
    r.complete = l3Off + total <= f.length;
  } else if (type === ETH_P_IPV6 && version === 6) {
    r.ipVersion = 6;
    r.ipSrc = f.slice(l3Off + 8, l3Off + 24); r.ipDst = f.slice(l3Off + 24, l3Off + 40);
    const end = l3Off + 40 + get16(f, l3Off + 4);
    let nh = f[l3Off + 6];
    let p = l3Off + 40;
    for (;;) {
      if (nh === IPPROTO_HOPOPTS || nh === IPPROTO_ROUTING || nh === IPPROTO_DSTOPTS) {
        const next = f[p]; p += (f[p + 1] + 1) * 8; nh = next;
      } else if (nh === IPPROTO_FRAGMENT) {
        const next = f[p]; p += 8; nh = next;
      } else break;
    }
    r.proto = nh; r.l4Off = p; r.l4Len = end - p;
    r.complete = end <= f.length;
  }
  return r;
}

/** True when the IPv4 header at `off` checksums to zero. */
export function ipv4HeaderChecksumOk(f: Uint8Array, off: number): boolean {
  const ihl = (f[off] & 0xf) * 4;
  return onesSum(f, off, off + ihl) === 0xffff;
}

/** Routing-header-aware destination for the IPv6 pseudo-header of a parsed frame. */
function pseudoDst(f: Uint8Array, p: ParsedFrame): Uint8Array {
  if (p.ipVersion !== 6) return p.ipDst!;
  let nh = f[p.l3Off + 6];
  let off = p.l3Off + 40;
  let dst = p.ipDst!;
  while (nh === IPPROTO_HOPOPTS || nh === IPPROTO_ROUTING || nh === IPPROTO_DSTOPTS || nh === IPPROTO_FRAGMENT) {
    const len = nh === IPPROTO_FRAGMENT ? 8 : (f[off + 1] + 1) * 8;
    if (nh === IPPROTO_ROUTING && f[off + 3] > 0 && len > 8) dst = f.slice(off + len - 16, off + len);
    nh = f[off]; off += len;
  }
  return dst;
}

/**
 * Verifies the L4 checksum of a frame (TCP, UDP, ICMP, ICMPv6 over IPv4/IPv6).
 * A zero UDP checksum over IPv4 means "none" and passes; over IPv6 it fails.
 */
export function l4ChecksumOk(f: Uint8Array): boolean {
  const p = parseFrame(f);
  if (!p.ipVersion || !p.complete) return false;
  const seg = f.subarray(p.l4Off, p.l4Off + p.l4Len);
  const off = p.proto === IPPROTO_TCP ? 16 : p.proto === IPPROTO_UDP ? 6 : p.proto === IPPROTO_ICMP || p.proto === IPPROTO_ICMPV6 ? 2 : -1;
  if (off < 0 || seg.length < off + 2) return false;
  if (p.proto === IPPROTO_UDP && get16(seg, 6) === 0) return p.ipVersion === 4;
  const init = p.proto === IPPROTO_ICMP ? 0 : pseudoHeaderSum(p.ipSrc!, pseudoDst(f, p), p.proto, seg.length);
  return onesSum(seg, 0, seg.length, init) === 0xffff;
}

/**
 * A 64-byte raw frame from `src` to `dst` (MACs) with a local-experimental
 * EtherType (0x88b5): nothing but the program under test looks at it.
 */
export function experimentalFrame(dst: string, src: string): Uint8Array {
  const f = new Uint8Array(64);
  f.set(mac(dst), 0);
  f.set(mac(src), 6);
  f[12] = 0x88; f[13] = 0xb5;
  return f;
}
