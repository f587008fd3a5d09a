// The packet a handler sees. One instance per module, reset per descriptor.
// `data .. data+len` is the packet; the frame extends `headroom` bytes before
// and `tailroom` bytes after it, which is what adjustHead/adjustTail may use.
//
// Header accessors (eth(), ipv4(), udp(), ...) return an unmanaged view whose
// `this` is the header's address, or null when the packet does not carry that
// header intact. Bounds are checked once, when a layer is first parsed; the
// result is cached until the next packet (or until `invalidate()`), so calling
// an accessor again costs a field load. Nothing here allocates.

import { load16be } from "./bytes";
import { Arp, ARP_LEN } from "./arp";
import { Ethernet, Vlan } from "./ethernet";
import { Icmp, ICMP_HLEN } from "./icmp";
import { Ipv4, ipv4HeaderLength } from "./ipv4";
import { Ipv6, IPV6_HLEN, isIpv6Header } from "./ipv6";
import {
  ETH_HLEN, ETH_P_8021AD, ETH_P_8021Q, ETH_P_ARP, ETH_P_IPV4, ETH_P_IPV6, ETH_P_QINQ_OLD,
  IPPROTO_AH, IPPROTO_DSTOPTS, IPPROTO_FRAGMENT, IPPROTO_HOPOPTS, IPPROTO_ICMP, IPPROTO_ICMPV6,
  IPPROTO_ROUTING, IPPROTO_TCP, IPPROTO_UDP, MAX_IPV6_EXT_HEADERS, MAX_VLAN_TAGS, VLAN_HLEN,
} from "./proto";
import { Tcp, TCP_MIN_HLEN } from "./tcp";
import { Udp, UDP_HLEN } from "./udp";

// Which layers have been parsed for the current packet.
const PARSED_L2: u8 = 1;
const PARSED_L3: u8 = 2;
const PARSED_L4: u8 = 4;

// What sits at the L3 offset.
const L3_NONE: u8 = 0;
const L3_ARP: u8 = 1;
const L3_IPV4: u8 = 2;
const L3_IPV6: u8 = 3;

// What sits at the L4 offset (only set when its header is intact).
const L4_NONE: u8 = 0;
const L4_TCP: u8 = 1;
const L4_UDP: u8 = 2;
const L4_ICMP: u8 = 3;
const L4_ICMP6: u8 = 4;

export class Packet {
  data: usize = 0;
  len: u32 = 0;
  port: u16 = 0;
  queue: u16 = 0;
  headroom: u32 = 0;
  tailroom: u32 = 0;

  // Parse cache; offsets are relative to `data`.
  private parsed: u8 = 0;
  private tags: u8 = 0;
  private l3Kind: u8 = L3_NONE;
  private l4Kind: u8 = L4_NONE;
  private type: u16 = 0;
  private l3Off: u32 = 0;
  private l3End: u32 = 0;
  private proto: i32 = -1;
  private l4Off: u32 = 0;
  private payOff: u32 = 0;
  private payLen: u32 = 0;
  private frag: bool = false;
  private fragMore: bool = false;
  private fragOff: u32 = 0;
  private fragIdent: u32 = 0;
  private v6PseudoDst: u32 = 0;

  reset(addr: u32, len: u32, port: u16, queue: u16, headroom: u16, tailroom: u16): void {
    this.data = <usize>addr;
    this.len = len;
    this.port = port;
    this.queue = queue;
    this.headroom = headroom;
    this.tailroom = tailroom;
    this.parsed = 0;
  }

  // @ts-ignore: decorator
  @inline get end(): usize { return this.data + <usize>this.len; }

  /** True when `n` bytes starting at byte offset `off` lie inside the packet. */
  // @ts-ignore: decorator
  @inline has(off: u32, n: u32): bool {
    return <u64>off + <u64>n <= <u64>this.len;
  }

  /**
   * Forgets what was parsed. adjustHead/adjustTail call it; call it yourself
   * after rewriting a field the parse depends on (a type, a length, a protocol).
   */
  // @ts-ignore: decorator
  @inline invalidate(): void { this.parsed = 0; }

  /** Grows (delta < 0) or shrinks (delta > 0) the packet at its head. */
  adjustHead(delta: i32): bool {
    if (delta < 0) {
      const grow = <u32>(-delta);
      if (grow > this.headroom) return false;
      this.data -= grow; this.len += grow;
      this.headroom -= grow;
    } else {
      const cut = <u32>delta;
      if (cut > this.len) return false;
      this.data += cut; this.len -= cut;
      this.headroom += cut;
    }
    this.parsed = 0;
    return true;
  }

  /** Grows (delta > 0) or shrinks (delta < 0) the packet at its tail. */
  adjustTail(delta: i32): bool {
    if (delta > 0) {
      const grow = <u32>delta;
      if (grow > this.tailroom) return false;
      this.len += grow; this.tailroom -= grow;
    } else {
      const cut = <u32>(-delta);
      if (cut > this.len) return false;
      this.len -= cut; this.tailroom += cut;
    }
    this.parsed = 0;
    return true;
  }

  // ------------------------------------------------------------ layer 2

  /** The Ethernet header, or null for a packet shorter than 14 bytes. */
  eth(): Ethernet | null {
    return this.len >= ETH_HLEN ? changetype<Ethernet>(this.data) : null;
  }

  /** Number of 802.1Q / 802.1ad tags after the MAC addresses (QinQ: 2). */
  get vlanCount(): i32 { this.parseL2(); return <i32>this.tags; }

  /** Tag `i`, outermost first, or null. */
  vlan(i: i32): Vlan | null {
    this.parseL2();
    if (<u32>i >= <u32>this.tags) return null;
    return changetype<Vlan>(this.data + 12 + <usize>i * VLAN_HLEN);
  }

  /** EtherType after any VLAN tags; 0 when there is no Ethernet header. */
  get etherType(): u16 { this.parseL2(); return this.type; }

  /** Byte offset of the L3 header from `data` (after the tags). */
  get l3Offset(): u32 { this.parseL2(); return this.l3Off; }

  private parseL2(): void {
    if (this.parsed & PARSED_L2) return;
    this.parsed |= PARSED_L2;
    this.tags = 0;
    this.type = 0;
    this.l3Off = 0;
    if (this.len < ETH_HLEN) return;
    const p = this.data;
    let off: u32 = 12;
    let t = load16be(p + off);
    let n: u32 = 0;
    while (t == ETH_P_8021Q || t == ETH_P_8021AD || t == ETH_P_QINQ_OLD) {
      // A tag is only a tag if the type after it is inside the packet too.
      if (n == MAX_VLAN_TAGS || off + VLAN_HLEN + 2 > this.len) { this.tags = <u8>n; this.l3Off = 0; this.type = 0; return; }
      off += VLAN_HLEN;
      n++;
      t = load16be(p + off);
    }
    this.tags = <u8>n;
    this.type = t;
    this.l3Off = off + 2;
  }

  // ------------------------------------------------------------ layer 3

  /** The ARP packet (Ethernet/IPv4 ARP only), or null. */
  arp(): Arp | null {
    this.parseL3();
    return this.l3Kind == L3_ARP ? changetype<Arp>(this.data + this.l3Off) : null;
  }

  /** The IPv4 header, or null when absent, malformed or truncated. */
  ipv4(): Ipv4 | null {
    this.parseL3();
    return this.l3Kind == L3_IPV4 ? changetype<Ipv4>(this.data + this.l3Off) : null;
  }

  /** The IPv6 fixed header, or null when absent, malformed or truncated. */
  ipv6(): Ipv6 | null {
    this.parseL3();
    return this.l3Kind == L3_IPV6 ? changetype<Ipv6>(this.data + this.l3Off) : null;
  }

  /**
   * The transport protocol: IPv4's protocol field, or IPv6's last next-header
   * after the extension headers. -1 without IP or when the extension chain is
   * malformed, truncated or longer than MAX_IPV6_EXT_HEADERS.
   */
  get l4Proto(): i32 { this.parseL3(); return this.proto; }

  /** Byte offset of the transport header from `data`; 0 when l4Proto is -1. */
  get l4Offset(): u32 { this.parseL3(); return this.l4Off; }

  /** Byte offset from `data` where the IP packet ends (Ethernet padding excluded). */
  get l3EndOffset(): u32 { this.parseL3(); return this.l3End; }

  /** True for an IPv4 or IPv6 fragment (first or later). */
  get isFragment(): bool { this.parseL3(); return this.frag; }
  /** Fragment offset in bytes (0 for the first fragment and unfragmented packets). */
  get fragOffset(): u32 { this.parseL3(); return this.fragOff; }
  get moreFragments(): bool { this.parseL3(); return this.fragMore; }
  /**
   * Fragment identification: IPv4's 16-bit id when isFragment, IPv6's 32-bit
   * one whenever a fragment header is present (atomic fragments too); else 0.
   */
  get fragId(): u32 { this.parseL3(); return this.fragIdent; }

  /**
   * Address of the destination the IPv6 pseudo-header uses: the final one from
   * a routing header (types 0, 2 and 4) when segments are left, else the IPv6
   * destination; 0 without IPv6.
   */
  get pseudoDstPtr(): usize {
    this.parseL3();
    return this.l3Kind == L3_IPV6 ? this.data + this.v6PseudoDst : 0;
  }

  private parseL3(): void {
    if (this.parsed & PARSED_L3) return;
    this.parseL2();
    this.parsed |= PARSED_L3;
    this.l3Kind = L3_NONE;
    this.proto = -1;
    this.l3End = 0;
    this.l4Off = 0;
    this.frag = false;
    this.fragMore = false;
    this.fragOff = 0;
    this.fragIdent = 0;
    const off = this.l3Off;
    if (off == 0) return;
    const p = this.data + off;
    const avail = this.len - off;
    const type = this.type;
    if (type == ETH_P_IPV4) {
      const hl = ipv4HeaderLength(p, avail);
      if (hl == 0) return;
      const ip = changetype<Ipv4>(p);
      this.l3Kind = L3_IPV4;
      this.l3End = off + <u32>ip.totalLength;
      this.proto = <i32>ip.protocol;
      this.l4Off = off + hl;
      if (ip.isFragment) {
        this.frag = true;
        this.fragMore = ip.moreFragments;
        this.fragOff = ip.fragOffset;
        this.fragIdent = <u32>ip.id;
      }
    } else if (type == ETH_P_IPV6) {
      if (!isIpv6Header(p, avail)) return;
      this.l3Kind = L3_IPV6;
      this.l3End = off + IPV6_HLEN + <u32>load16be(p + 4);
      this.v6PseudoDst = off + 24;
      this.walkIpv6(load<u8>(p + 6), off + IPV6_HLEN);
    } else if (type == ETH_P_ARP) {
      if (avail < ARP_LEN) return;
      // Ethernet (1) / IPv4 (0x0800), 6-byte and 4-byte addresses.
      if ((load<u64>(p) & 0xffffffffffff) != 0x040600080100) return;
      this.l3Kind = L3_ARP;
      this.l3End = off + ARP_LEN;
    }
  }

  /**
   * Follows IPv6 extension headers from `nh` at offset `off`. Each step moves
   * forward by at least 8 bytes and the number of steps is bounded, so a
   * hostile chain cannot loop; anything that overruns leaves l4Proto at -1.
   */
  private walkIpv6(first: u8, start: u32): void {
    const p = this.data;
    const end = this.l3End;
    let nh = first;
    let off = start;
    for (let i: u32 = 0; i <= MAX_IPV6_EXT_HEADERS; i++) {
      let hl: u32;
      if (nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING || nh == IPPROTO_DSTOPTS) {
        if (off + 8 > end) return;
        hl = (<u32>load<u8>(p + off + 1) + 1) << 3;
        if (off + hl > end) return;
        if (nh == IPPROTO_ROUTING) this.noteRouting(off, hl);
      } else if (nh == IPPROTO_FRAGMENT) {
        if (off + 8 > end) return;
        hl = 8;
        const w = load16be(p + off + 2);
        this.fragOff = <u32>(w & 0xfff8);
        this.fragMore = (w & 1) != 0;
        // An atomic fragment (offset 0, no more) is a whole packet (RFC 6946).
        this.frag = this.fragOff != 0 || this.fragMore;
        this.fragIdent = bswap<u32>(load<u32>(p + off + 4));
      } else if (nh == IPPROTO_AH) {
        if (off + 8 > end) return;
        hl = (<u32>load<u8>(p + off + 1) + 2) << 2;
        if (off + hl > end) return;
      } else {
        this.proto = <i32>nh;
        this.l4Off = off;
        return;
      }
      nh = load<u8>(p + off);
      off += hl;
    }
  }

  // With segments left, the pseudo-header destination is the final one (RFC 8200 8.1).
  private noteRouting(off: u32, hl: u32): void {
    const p = this.data + off;
    const rtype = load<u8>(p + 2);
    const left = load<u8>(p + 3);
    if (left == 0 || hl < 8 + 16) return;
    if (rtype == 0 || rtype == 2) this.v6PseudoDst = off + hl - 16;
    else if (rtype == 4) this.v6PseudoDst = off + 8; // SRH: segment list[0] is the last segment
  }

  // ------------------------------------------------------------ layer 4

  /** The TCP header, or null (not TCP, a later fragment, malformed, truncated). */
  tcp(): Tcp | null {
    this.parseL4();
    return this.l4Kind == L4_TCP ? changetype<Tcp>(this.data + this.l4Off) : null;
  }

  /** The UDP header, or null (not UDP, a later fragment, malformed, truncated). */
  udp(): Udp | null {
    this.parseL4();
    return this.l4Kind == L4_UDP ? changetype<Udp>(this.data + this.l4Off) : null;
  }

  /** The ICMP header (over IPv4), or null. */
  icmp(): Icmp | null {
    this.parseL4();
    return this.l4Kind == L4_ICMP ? changetype<Icmp>(this.data + this.l4Off) : null;
  }

  /** The ICMPv6 header (over IPv6), or null. */
  icmp6(): Icmp | null {
    this.parseL4();
    return this.l4Kind == L4_ICMP6 ? changetype<Icmp>(this.data + this.l4Off) : null;
  }

  /**
   * Byte offset from `data` of what follows the transport header (after the
   * IP headers for protocols the SDK does not parse); 0 when there is none.
   */
  get payloadOffset(): u32 { this.parseL4(); return this.payOff; }
  /** Payload bytes (UDP: per its length field; others: up to the IP end). */
  get payloadLength(): u32 { this.parseL4(); return this.payLen; }

  private parseL4(): void {
    if (this.parsed & PARSED_L4) return;
    this.parseL3();
    this.parsed |= PARSED_L4;
    this.l4Kind = L4_NONE;
    this.payOff = 0;
    this.payLen = 0;
    const proto = this.proto;
    if (proto < 0) return;
    const off = this.l4Off;
    const avail = this.l3End - off;
    // A later fragment carries no transport header.
    if (this.fragOff != 0) return;
    const p = this.data + off;
    let hl: u32 = 0;
    let kind = L4_NONE;
    let plen: u32 = 0;
    if (proto == IPPROTO_TCP) {
      if (avail < TCP_MIN_HLEN) return;
      hl = <u32>(load<u8>(p + 12) >> 4) << 2;
      if (hl < TCP_MIN_HLEN || hl > avail) return;
      kind = L4_TCP;
      plen = avail - hl;
    } else if (proto == IPPROTO_UDP) {
      if (avail < UDP_HLEN) return;
      hl = UDP_HLEN;
      const ulen = <u32>load16be(p + 4);
      if (this.fragMore) {
        // First fragment: the datagram continues in later fragments.
        plen = avail - hl;
      } else {
        if (ulen < UDP_HLEN || ulen > avail) return;
        plen = ulen - hl;
      }
      kind = L4_UDP;
    } else if (proto == IPPROTO_ICMP && this.l3Kind == L3_IPV4) {
      if (avail < ICMP_HLEN) return;
      hl = ICMP_HLEN;
      kind = L4_ICMP;
      plen = avail - hl;
    } else if (proto == IPPROTO_ICMPV6 && this.l3Kind == L3_IPV6) {
      if (avail < ICMP_HLEN) return;
      hl = ICMP_HLEN;
      kind = L4_ICMP6;
      plen = avail - hl;
    } else {
      plen = avail;
    }
    this.l4Kind = kind;
    this.payOff = off + hl;
    this.payLen = plen;
  }
}
