// IPv6 fixed header (RFC 8200). Packet hands out a view only after checking
// version 6, the 40 bytes and a payload length that does not run past the
// frame. The extension-header walk lives in Packet (it caches what it finds).

import { load16be, load32be, load64be, store16be, store32be, store64be, swapBytes } from "./bytes";

import { IPV6_HLEN } from "./generated/proto";

export { IPV6_HLEN };

@final @unmanaged
export class Ipv6 {
  // @ts-ignore: decorator
  @inline get version(): u8 { return load<u8>(changetype<usize>(this)) >> 4; }
  // @ts-ignore: decorator
  @inline get trafficClass(): u8 { return <u8>(load32be(changetype<usize>(this)) >> 20); }
  // @ts-ignore: decorator
  @inline set trafficClass(v: u8) {
    const p = changetype<usize>(this);
    store32be(p, (load32be(p) & 0xf00fffff) | (<u32>v << 20));
  }
  /** 20-bit flow label. */
  // @ts-ignore: decorator
  @inline get flowLabel(): u32 { return load32be(changetype<usize>(this)) & 0x000fffff; }
  // @ts-ignore: decorator
  @inline set flowLabel(v: u32) {
    const p = changetype<usize>(this);
    store32be(p, (load32be(p) & 0xfff00000) | (v & 0x000fffff));
  }
  // @ts-ignore: decorator
  @inline get payloadLength(): u16 { return load16be(changetype<usize>(this) + 4); }
  // @ts-ignore: decorator
  @inline set payloadLength(v: u16) { store16be(changetype<usize>(this) + 4, v); }
  /** The fixed header's next header (the first extension header, if any). */
  // @ts-ignore: decorator
  @inline get nextHeader(): u8 { return load<u8>(changetype<usize>(this) + 6); }
  // @ts-ignore: decorator
  @inline set nextHeader(v: u8) { store<u8>(changetype<usize>(this) + 6, v); }
  // @ts-ignore: decorator
  @inline get hopLimit(): u8 { return load<u8>(changetype<usize>(this) + 7); }
  // @ts-ignore: decorator
  @inline set hopLimit(v: u8) { store<u8>(changetype<usize>(this) + 7, v); }
  /** Address of the 16 source bytes; the destination follows at +16. */
  // @ts-ignore: decorator
  @inline get srcPtr(): usize { return changetype<usize>(this) + 8; }
  // @ts-ignore: decorator
  @inline get dstPtr(): usize { return changetype<usize>(this) + 24; }
  /** Upper and lower 64 bits of the addresses, big-endian: 2001:db8::1 -> hi 0x20010db800000000, lo 1. */
  // @ts-ignore: decorator
  @inline get srcHi(): u64 { return load64be(changetype<usize>(this) + 8); }
  // @ts-ignore: decorator
  @inline set srcHi(v: u64) { store64be(changetype<usize>(this) + 8, v); }
  // @ts-ignore: decorator
  @inline get srcLo(): u64 { return load64be(changetype<usize>(this) + 16); }
  // @ts-ignore: decorator
  @inline set srcLo(v: u64) { store64be(changetype<usize>(this) + 16, v); }
  // @ts-ignore: decorator
  @inline get dstHi(): u64 { return load64be(changetype<usize>(this) + 24); }
  // @ts-ignore: decorator
  @inline set dstHi(v: u64) { store64be(changetype<usize>(this) + 24, v); }
  // @ts-ignore: decorator
  @inline get dstLo(): u64 { return load64be(changetype<usize>(this) + 32); }
  // @ts-ignore: decorator
  @inline set dstLo(v: u64) { store64be(changetype<usize>(this) + 32, v); }

  /** Exchanges source and destination (pseudo-header checksums stay valid). */
  swapAddresses(): void {
    const p = changetype<usize>(this);
    swapBytes(p + 8, p + 24, 16);
  }
}

/** True when `p` holds a valid IPv6 fixed header with `avail` bytes readable. */
export function isIpv6Header(p: usize, avail: u32): bool {
  if (avail < IPV6_HLEN) return false;
  if ((load<u8>(p) >> 4) != 6) return false;
  return <u32>load16be(p + 4) <= avail - IPV6_HLEN;
}
