// IPv4 header (RFC 791). Packet hands out a view only after checking version 4,
// IHL >= 5, the whole header (options included) inside the packet and a total
// length that covers the header and does not run past the frame.

import { load16be, load32be, store16be, store32be } from "./bytes";

import { IPV4_MIN_HLEN } from "./generated/proto";

export { IPV4_MIN_HLEN };
export const IPV4_FLAG_DF: u16 = 0x4000;
export const IPV4_FLAG_MF: u16 = 0x2000;

@final @unmanaged
export class Ipv4 {
  // @ts-ignore: decorator
  @inline get version(): u8 { return load<u8>(changetype<usize>(this)) >> 4; }
  /** Header length in 32-bit words. */
  // @ts-ignore: decorator
  @inline get ihl(): u8 { return load<u8>(changetype<usize>(this)) & 0x0f; }
  /** Header length in bytes, options included. */
  // @ts-ignore: decorator
  @inline get headerLength(): u32 { return <u32>this.ihl << 2; }
  /** Address and length of the options (0 bytes without options). */
  // @ts-ignore: decorator
  @inline get optionsPtr(): usize { return changetype<usize>(this) + 20; }
  // @ts-ignore: decorator
  @inline get optionsLength(): u32 { return this.headerLength - 20; }
  // @ts-ignore: decorator
  @inline get tos(): u8 { return load<u8>(changetype<usize>(this) + 1); }
  // @ts-ignore: decorator
  @inline set tos(v: u8) { store<u8>(changetype<usize>(this) + 1, v); }
  // @ts-ignore: decorator
  @inline get dscp(): u8 { return this.tos >> 2; }
  // @ts-ignore: decorator
  @inline get ecn(): u8 { return this.tos & 3; }
  // @ts-ignore: decorator
  @inline get totalLength(): u16 { return load16be(changetype<usize>(this) + 2); }
  // @ts-ignore: decorator
  @inline set totalLength(v: u16) { store16be(changetype<usize>(this) + 2, v); }
  // @ts-ignore: decorator
  @inline get id(): u16 { return load16be(changetype<usize>(this) + 4); }
  // @ts-ignore: decorator
  @inline set id(v: u16) { store16be(changetype<usize>(this) + 4, v); }
  /** Flags and fragment offset word as on the wire. */
  // @ts-ignore: decorator
  @inline get fragWord(): u16 { return load16be(changetype<usize>(this) + 6); }
  // @ts-ignore: decorator
  @inline set fragWord(v: u16) { store16be(changetype<usize>(this) + 6, v); }
  // @ts-ignore: decorator
  @inline get dontFragment(): bool { return (this.fragWord & IPV4_FLAG_DF) != 0; }
  // @ts-ignore: decorator
  @inline get moreFragments(): bool { return (this.fragWord & IPV4_FLAG_MF) != 0; }
  /** Fragment offset in bytes. */
  // @ts-ignore: decorator
  @inline get fragOffset(): u32 { return <u32>(this.fragWord & 0x1fff) << 3; }
  /** True for any fragment: MF set or a non-zero offset. */
  // @ts-ignore: decorator
  @inline get isFragment(): bool { return (this.fragWord & 0x3fff) != 0; }
  // @ts-ignore: decorator
  @inline get ttl(): u8 { return load<u8>(changetype<usize>(this) + 8); }
  // @ts-ignore: decorator
  @inline set ttl(v: u8) { store<u8>(changetype<usize>(this) + 8, v); }
  // @ts-ignore: decorator
  @inline get protocol(): u8 { return load<u8>(changetype<usize>(this) + 9); }
  // @ts-ignore: decorator
  @inline set protocol(v: u8) { store<u8>(changetype<usize>(this) + 9, v); }
  // @ts-ignore: decorator
  @inline get checksum(): u16 { return load16be(changetype<usize>(this) + 10); }
  // @ts-ignore: decorator
  @inline set checksum(v: u16) { store16be(changetype<usize>(this) + 10, v); }
  /** Source address, 10.0.0.1 -> 0x0a000001. */
  // @ts-ignore: decorator
  @inline get src(): u32 { return load32be(changetype<usize>(this) + 12); }
  // @ts-ignore: decorator
  @inline set src(v: u32) { store32be(changetype<usize>(this) + 12, v); }
  // @ts-ignore: decorator
  @inline get dst(): u32 { return load32be(changetype<usize>(this) + 16); }
  // @ts-ignore: decorator
  @inline set dst(v: u32) { store32be(changetype<usize>(this) + 16, v); }
  // @ts-ignore: decorator
  @inline get srcPtr(): usize { return changetype<usize>(this) + 12; }
  // @ts-ignore: decorator
  @inline get dstPtr(): usize { return changetype<usize>(this) + 16; }

  /** Exchanges source and destination (the header checksum stays valid). */
  swapAddresses(): void {
    const p = changetype<usize>(this);
    const s = load<u32>(p + 12);
    store<u32>(p + 12, load<u32>(p + 16));
    store<u32>(p + 16, s);
  }
}

/**
 * Header length of a valid IPv4 header at `p` with `avail` bytes readable, or 0
 * when it is not one (wrong version, short IHL, truncated, bad total length).
 */
export function ipv4HeaderLength(p: usize, avail: u32): u32 {
  if (avail < IPV4_MIN_HLEN) return 0;
  const vihl = load<u8>(p);
  if ((vihl >> 4) != 4) return 0;
  const hl = <u32>(vihl & 0x0f) << 2;
  if (hl < IPV4_MIN_HLEN || hl > avail) return 0;
  const total = <u32>load16be(p + 2);
  if (total < hl || total > avail) return 0;
  return hl;
}
