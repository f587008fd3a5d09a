// Internet checksums (RFC 1071): the IPv4 header checksum, the TCP/UDP/ICMPv6
// pseudo-header checksums for IPv4 and IPv6, and RFC 1624 incremental updates
// for when a handler rewrites one field.
//
// A "sum" here is a ones'-complement sum of big-endian 16-bit words folded to
// 16 bits (not yet complemented); sums compose by csumCombine. A checksum is
// the complemented sum, as stored in a header.

import { load16be, store16be } from "./bytes";
import { Ipv4 } from "./ipv4";
import { Packet } from "./packet";
import { IPPROTO_ICMP, IPPROTO_UDP } from "./proto";

// @ts-ignore: decorator
@inline function fold(s: u64): u32 {
  s = (s & 0xffffffff) + (s >> 32);
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  return <u32>((s & 0xffff) + (s >> 16));
}

/** Adds two folded sums. */
// @ts-ignore: decorator
@inline export function csumCombine(a: u32, b: u32): u32 { return fold(<u64>a + <u64>b); }

/** Ones'-complement sum of `len` bytes at `ptr` (an odd last byte is padded with zero), plus `init`. */
export function csumAdd(ptr: usize, len: usize, init: u32 = 0): u32 {
  // Summing little-endian words and swapping once at the end gives the same
  // ones'-complement sum as summing big-endian words (RFC 1071 2(B)).
  let acc: u64 = 0;
  let i: usize = 0;
  for (; i + 4 <= len; i += 4) acc += <u64>load<u32>(ptr + i);
  if (i + 2 <= len) { acc += <u64>load<u16>(ptr + i); i += 2; }
  if (i < len) acc += <u64>load<u8>(ptr + i);
  const le = fold(acc);
  return csumCombine(<u32>bswap<u16>(<u16>le), init);
}

/** The checksum to store for a sum: its complement. */
// @ts-ignore: decorator
@inline export function csumFinish(sum: u32): u16 { return <u16>~fold(<u64>sum); }

/** RFC 1071 checksum of `len` bytes at `ptr`. */
export function checksum(ptr: usize, len: usize): u16 { return csumFinish(csumAdd(ptr, len)); }

/** Sum of the IPv4 pseudo-header (addresses as in Ipv4.src/dst). */
export function pseudoSumV4(src: u32, dst: u32, proto: u8, len: u32): u32 {
  const s: u64 = <u64>(src >> 16) + <u64>(src & 0xffff) + <u64>(dst >> 16) + <u64>(dst & 0xffff)
    + <u64>proto + <u64>len;
  return fold(s);
}

/** Sum of the IPv6 pseudo-header; `src`/`dst` point at 16-byte addresses. */
export function pseudoSumV6(src: usize, dst: usize, proto: u8, len: u32): u32 {
  let s = csumAdd(src, 16);
  s = csumAdd(dst, 16, s);
  return fold(<u64>s + <u64>(len >> 16) + <u64>(len & 0xffff) + <u64>proto);
}

/**
 * Checksum of a segment whose checksum field (at `ptr + csumOff`) is treated
 * as zero, so it can be computed without clearing the field first.
 */
export function segmentChecksum(pseudo: u32, ptr: usize, len: usize, csumOff: usize): u16 {
  const s = csumAdd(ptr, len, pseudo);
  // Removing a word from a ones'-complement sum is adding its complement.
  return csumFinish(csumCombine(s, <u32>(~load16be(ptr + csumOff) & 0xffff)));
}

// ------------------------------------------------------------ IPv4 header

/** The correct header checksum of `ip` (its current checksum field ignored). */
export function ipv4Checksum(ip: Ipv4): u16 {
  return segmentChecksum(0, changetype<usize>(ip), ip.headerLength, 10);
}

/** True when the header checksum of `ip` is correct. */
export function ipv4ChecksumValid(ip: Ipv4): bool {
  return csumAdd(changetype<usize>(ip), ip.headerLength) == 0xffff;
}

/** Recomputes and stores the header checksum of `ip`. */
export function setIpv4Checksum(ip: Ipv4): void { ip.checksum = ipv4Checksum(ip); }

// ------------------------------------------------------------ transport

// Set by locateL4: the segment length the checksum covers and where the
// checksum field sits within the transport header.
let segLen: u32 = 0;
let csumAt: u32 = 0;

/** False when there is no transport checksum to compute (not TCP/UDP/ICMP/ICMPv6, a fragment, malformed). */
function locateL4(pkt: Packet): bool {
  if (pkt.isFragment) return false;
  const off = pkt.l4Offset;
  if (pkt.tcp()) { csumAt = 16; segLen = pkt.l3EndOffset - off; return true; }
  const udp = pkt.udp();
  if (udp) { csumAt = 6; segLen = <u32>udp.length; return true; }
  if (pkt.icmp() || pkt.icmp6()) { csumAt = 2; segLen = pkt.l3EndOffset - off; return true; }
  return false;
}

function pseudoSum(pkt: Packet, len: u32): u32 {
  const proto = <u8>pkt.l4Proto;
  if (proto == IPPROTO_ICMP) return 0; // ICMP over IPv4 has no pseudo-header
  const v4 = pkt.ipv4();
  if (v4) return pseudoSumV4(v4.src, v4.dst, proto, len);
  const v6 = pkt.ipv6();
  if (v6) return pseudoSumV6(v6.srcPtr, pkt.pseudoDstPtr, proto, len);
  return 0;
}

/**
 * The correct transport checksum of the current packet (TCP, UDP, ICMP,
 * ICMPv6; pseudo-header included), or -1 when there is none to compute.
 * A UDP result of 0 is returned as 0xffff, as RFC 768 requires on the wire.
 */
export function l4Checksum(pkt: Packet): i32 {
  if (!locateL4(pkt)) return -1;
  const ptr = pkt.data + pkt.l4Offset;
  let c = segmentChecksum(pseudoSum(pkt, segLen), ptr, segLen, csumAt);
  if (c == 0 && pkt.l4Proto == <i32>IPPROTO_UDP) c = 0xffff;
  return <i32>c;
}

/**
 * True when the transport checksum of the current packet is correct. A zero
 * UDP checksum over IPv4 means "not computed" and counts as correct; over
 * IPv6 it is invalid (RFC 8200 8.1).
 */
export function l4ChecksumValid(pkt: Packet): bool {
  if (!locateL4(pkt)) return false;
  const ptr = pkt.data + pkt.l4Offset;
  if (pkt.l4Proto == <i32>IPPROTO_UDP && load<u16>(ptr + 6) == 0) return pkt.ipv4() != null;
  return csumAdd(ptr, segLen, pseudoSum(pkt, segLen)) == 0xffff;
}

/** Recomputes and stores the transport checksum; false when there is none. */
export function setL4Checksum(pkt: Packet): bool {
  const c = l4Checksum(pkt);
  if (c < 0) return false;
  store16be(pkt.data + pkt.l4Offset + csumAt, <u16>c);
  return true;
}

// ------------------------------------------------------------ incremental (RFC 1624)

/** Checksum after a 16-bit field covered by it changed from `from` to `to` (RFC 1624 eqn. 3). */
export function csumReplace16(csum: u16, from: u16, to: u16): u16 {
  const s: u64 = <u64>(~csum & 0xffff) + <u64>(~from & 0xffff) + <u64>to;
  return <u16>~fold(s);
}

/** Checksum after a 32-bit field (an IPv4 address, a sequence number) changed. */
export function csumReplace32(csum: u16, from: u32, to: u32): u16 {
  const s: u64 = <u64>(~csum & 0xffff)
    + <u64>(~from >> 16) + <u64>(~from & 0xffff)
    + <u64>(to >> 16) + <u64>(to & 0xffff);
  return <u16>~fold(s);
}
