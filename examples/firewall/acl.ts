// Access-control list: the rule record layout, the packet key rules are
// matched against, and first-match evaluation over a table of records in
// memory. Where the records come from is not this file's business: rules.ts
// keeps them in the "fw_rules" array map, where the control plane writes them.
//
// Rule record, RULE_SIZE (48) bytes:
//   0  u8   action     verdict when the rule matches (DROP, PASS, TX, ...)
//   1  u8   family     0 any, 4 IPv4, 6 IPv6
//   2  u8   proto      IP protocol after IPv6 extension headers; 0 any
//   3  u8   srcLen     source prefix length (0 any; at most 32 for IPv4, 128 for IPv6)
//   4  u8   dstLen     destination prefix length
//   5  u8[3] unused, zero
//   8  u16  sportLo, 10 u16 sportHi   source port range, inclusive (0-65535 any)
//   12 u16  dportLo, 14 u16 dportHi   destination port range
//   16 u8[16] src      prefix, network byte order (IPv4: first 4 bytes)
//   32 u8[16] dst
// Multi-byte integers are little-endian (wasm's native order); addresses are
// kept as on the wire so a prefix compares with two 64-bit loads.

import { Packet, Verdict, load64be, store64be, IPPROTO_TCP, IPPROTO_UDP, ETH_P_IPV4, ETH_P_IPV6 } from "wasmxdp";

export const RULE_SIZE: usize = 48;

export const FAMILY_ANY: u8 = 0;
export const FAMILY_V4: u8 = 4;
export const FAMILY_V6: u8 = 6;
export const PROTO_ANY: u8 = 0;

/** A rule record in memory; `this` is its address. Setters return the rule so a rule reads as one chain. */
@final @unmanaged
export class Rule {
  // @ts-ignore: decorator
  @inline get action(): u8 { return load<u8>(changetype<usize>(this)); }
  // @ts-ignore: decorator
  @inline get family(): u8 { return load<u8>(changetype<usize>(this), 1); }
  // @ts-ignore: decorator
  @inline get proto(): u8 { return load<u8>(changetype<usize>(this), 2); }
  // @ts-ignore: decorator
  @inline get srcLen(): u8 { return load<u8>(changetype<usize>(this), 3); }
  // @ts-ignore: decorator
  @inline get dstLen(): u8 { return load<u8>(changetype<usize>(this), 4); }
  // @ts-ignore: decorator
  @inline get sportLo(): u16 { return load<u16>(changetype<usize>(this), 8); }
  // @ts-ignore: decorator
  @inline get sportHi(): u16 { return load<u16>(changetype<usize>(this), 10); }
  // @ts-ignore: decorator
  @inline get dportLo(): u16 { return load<u16>(changetype<usize>(this), 12); }
  // @ts-ignore: decorator
  @inline get dportHi(): u16 { return load<u16>(changetype<usize>(this), 14); }

  /** Clears the record to "match everything, then `action`". */
  init(action: Verdict): Rule {
    const p = changetype<usize>(this);
    memory.fill(p, 0, RULE_SIZE);
    store<u8>(p, <u8>action);
    store<u16>(p, 0xffff, 10);
    store<u16>(p, 0xffff, 14);
    return this;
  }
  matchProto(proto: u8): Rule { store<u8>(changetype<usize>(this), proto, 2); return this; }
  /** IPv4 source prefix a.b.c.d/len (also restricts the rule to IPv4). */
  fromV4(addr: u32, len: u8): Rule { return this.v4(16, 3, addr, len); }
  toV4(addr: u32, len: u8): Rule { return this.v4(32, 4, addr, len); }
  /** IPv6 source prefix given as its upper and lower 64 bits (also restricts the rule to IPv6). */
  fromV6(hi: u64, lo: u64, len: u8): Rule { return this.v6(16, 3, hi, lo, len); }
  toV6(hi: u64, lo: u64, len: u8): Rule { return this.v6(32, 4, hi, lo, len); }
  fromPorts(lo: u16, hi: u16): Rule { const p = changetype<usize>(this); store<u16>(p, lo, 8); store<u16>(p, hi, 10); return this; }
  toPorts(lo: u16, hi: u16): Rule { const p = changetype<usize>(this); store<u16>(p, lo, 12); store<u16>(p, hi, 14); return this; }
  matchFamily(f: u8): Rule { store<u8>(changetype<usize>(this), f, 1); return this; }

  private v4(at: usize, lenAt: usize, addr: u32, len: u8): Rule {
    const p = changetype<usize>(this);
    store<u8>(p, FAMILY_V4, 1);
    store<u8>(p + lenAt, len > 32 ? 32 : len);
    store64be(p + at, <u64>addr << 32);
    store64be(p + at + 8, 0);
    return this;
  }
  private v6(at: usize, lenAt: usize, hi: u64, lo: u64, len: u8): Rule {
    const p = changetype<usize>(this);
    store<u8>(p, FAMILY_V6, 1);
    store<u8>(p + lenAt, len > 128 ? 128 : len);
    store64be(p + at, hi);
    store64be(p + at + 8, lo);
    return this;
  }
}

// ------------------------------------------------------------ packet key

// The fields rules look at, for the packet being judged. Module globals, so
// building the key allocates nothing.
let keyFamily: u8 = 0;
let keyProto: u8 = 0;
let keySrcHi: u64 = 0;
let keySrcLo: u64 = 0;
let keyDstHi: u64 = 0;
let keyDstLo: u64 = 0;
let keySport: u16 = 0;
let keyDport: u16 = 0;
let keyHasPorts = false;

export const KEY_IP: i32 = 0;
export const KEY_NOT_IP: i32 = 1;
export const KEY_MALFORMED: i32 = 2;

/**
 * Loads the key of `pkt`. KEY_NOT_IP for frames that are not IP (ARP, ...);
 * KEY_MALFORMED for frames that claim to be IP (or are not even Ethernet)
 * but whose headers are broken or cut short.
 */
export function loadKey(pkt: Packet): i32 {
  if (!pkt.eth()) return KEY_MALFORMED;
  const type = pkt.etherType;
  // EtherType 0 here means a VLAN tag cut off by the end of the frame.
  if (type == 0) return KEY_MALFORMED;
  const v4 = pkt.ipv4();
  const v6 = pkt.ipv6();
  if (v4) {
    keyFamily = FAMILY_V4;
    keySrcHi = <u64>v4.src << 32; keySrcLo = 0;
    keyDstHi = <u64>v4.dst << 32; keyDstLo = 0;
  } else if (v6) {
    keyFamily = FAMILY_V6;
    keySrcHi = v6.srcHi; keySrcLo = v6.srcLo;
    keyDstHi = v6.dstHi; keyDstLo = v6.dstLo;
  } else {
    return type == ETH_P_IPV4 || type == ETH_P_IPV6 ? KEY_MALFORMED : KEY_NOT_IP;
  }
  const proto = pkt.l4Proto;
  if (proto < 0) return KEY_MALFORMED;
  keyProto = <u8>proto;
  keyHasPorts = false;
  keySport = 0;
  keyDport = 0;
  const t = pkt.tcp();
  const u = pkt.udp();
  if (t) { keySport = t.srcPort; keyDport = t.dstPort; keyHasPorts = true; }
  else if (u) { keySport = u.srcPort; keyDport = u.dstPort; keyHasPorts = true; }
  // TCP or UDP without its header is only legitimate in a later fragment.
  else if ((proto == <i32>IPPROTO_TCP || proto == <i32>IPPROTO_UDP) && pkt.fragOffset == 0) return KEY_MALFORMED;
  return KEY_IP;
}

// @ts-ignore: decorator
@inline function maskHi(len: u32): u64 { return len == 0 ? 0 : len >= 64 ? <u64>-1 : <u64>-1 << (64 - <u64>len); }
// @ts-ignore: decorator
@inline function maskLo(len: u32): u64 { return len <= 64 ? 0 : len >= 128 ? <u64>-1 : <u64>-1 << (128 - <u64>len); }

function prefixMatches(p: usize, len: u32, hi: u64, lo: u64): bool {
  const mh = maskHi(len);
  const ml = maskLo(len);
  return ((load64be(p) ^ hi) & mh) == 0 && ((load64be(p + 8) ^ lo) & ml) == 0;
}

/** True when the loaded key satisfies every condition of `r`. */
export function ruleMatches(r: Rule): bool {
  const p = changetype<usize>(r);
  const fam = r.family;
  if (fam != FAMILY_ANY && fam != keyFamily) return false;
  const proto = r.proto;
  if (proto != PROTO_ANY && proto != keyProto) return false;
  const srcLen = <u32>r.srcLen;
  if (srcLen != 0 && !prefixMatches(p + 16, srcLen, keySrcHi, keySrcLo)) return false;
  const dstLen = <u32>r.dstLen;
  if (dstLen != 0 && !prefixMatches(p + 32, dstLen, keyDstHi, keyDstLo)) return false;
  const anySport = r.sportLo == 0 && r.sportHi == 0xffff;
  const anyDport = r.dportLo == 0 && r.dportHi == 0xffff;
  if (!keyHasPorts) return anySport && anyDport;
  return keySport >= r.sportLo && keySport <= r.sportHi && keyDport >= r.dportLo && keyDport <= r.dportHi;
}

/** Index of the first rule of the `count` records at `table` that matches the loaded key, or -1. */
export function firstMatch(table: usize, count: u32): i32 {
  for (let i: u32 = 0; i < count; i++) {
    if (ruleMatches(changetype<Rule>(table + <usize>i * RULE_SIZE))) return <i32>i;
  }
  return -1;
}
