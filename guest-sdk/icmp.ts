// ICMP (RFC 792) and ICMPv6 (RFC 4443) share a layout: type, code, checksum,
// then 4 bytes whose meaning depends on the type (id and sequence for echo).
// Packet hands out a view when those 8 bytes are inside the IP payload.

import { load16be, load32be, store16be, store32be } from "./bytes";

import { ICMP_HLEN } from "./generated/proto";

export { ICMP_HLEN };

export const ICMP_ECHO_REPLY: u8 = 0;
export const ICMP_DEST_UNREACH: u8 = 3;
export const ICMP_ECHO_REQUEST: u8 = 8;
export const ICMP_TIME_EXCEEDED: u8 = 11;

export const ICMP6_DEST_UNREACH: u8 = 1;
export const ICMP6_PACKET_TOO_BIG: u8 = 2;
export const ICMP6_TIME_EXCEEDED: u8 = 3;
export const ICMP6_ECHO_REQUEST: u8 = 128;
export const ICMP6_ECHO_REPLY: u8 = 129;
export const ICMP6_NEIGHBOR_SOLICIT: u8 = 135;
export const ICMP6_NEIGHBOR_ADVERT: u8 = 136;

@final @unmanaged
export class Icmp {
  // @ts-ignore: decorator
  @inline get type(): u8 { return load<u8>(changetype<usize>(this)); }
  // @ts-ignore: decorator
  @inline set type(v: u8) { store<u8>(changetype<usize>(this), v); }
  // @ts-ignore: decorator
  @inline get code(): u8 { return load<u8>(changetype<usize>(this) + 1); }
  // @ts-ignore: decorator
  @inline set code(v: u8) { store<u8>(changetype<usize>(this) + 1, v); }
  // @ts-ignore: decorator
  @inline get checksum(): u16 { return load16be(changetype<usize>(this) + 2); }
  // @ts-ignore: decorator
  @inline set checksum(v: u16) { store16be(changetype<usize>(this) + 2, v); }
  /** Echo identifier (bytes 4-5). */
  // @ts-ignore: decorator
  @inline get id(): u16 { return load16be(changetype<usize>(this) + 4); }
  // @ts-ignore: decorator
  @inline set id(v: u16) { store16be(changetype<usize>(this) + 4, v); }
  /** Echo sequence number (bytes 6-7). */
  // @ts-ignore: decorator
  @inline get seq(): u16 { return load16be(changetype<usize>(this) + 6); }
  // @ts-ignore: decorator
  @inline set seq(v: u16) { store16be(changetype<usize>(this) + 6, v); }
  /** Bytes 4-7 as one word (pointer, MTU, unused... depending on type). */
  // @ts-ignore: decorator
  @inline get rest(): u32 { return load32be(changetype<usize>(this) + 4); }
  // @ts-ignore: decorator
  @inline set rest(v: u32) { store32be(changetype<usize>(this) + 4, v); }
}

/** ICMPv6 has the same layout; a distinct name keeps handler code explicit. */
export type Icmp6 = Icmp;
