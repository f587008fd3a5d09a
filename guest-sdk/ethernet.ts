// Ethernet II header and 802.1Q/802.1ad tags. Views are unmanaged: `this` is
// the header's address in the frame, so getting one allocates nothing. Packet
// checks the bounds before it hands a view out.

import { load16be, load48be, store16be, store48be, swapBytes } from "./bytes";

@final @unmanaged
export class Ethernet {
  /** Destination MAC as a 48-bit integer. */
  // @ts-ignore: decorator
  @inline get dst(): u64 { return load48be(changetype<usize>(this)); }
  // @ts-ignore: decorator
  @inline set dst(v: u64) { store48be(changetype<usize>(this), v); }
  /** Source MAC as a 48-bit integer. */
  // @ts-ignore: decorator
  @inline get src(): u64 { return load48be(changetype<usize>(this) + 6); }
  // @ts-ignore: decorator
  @inline set src(v: u64) { store48be(changetype<usize>(this) + 6, v); }
  /** Address of the 6 destination bytes (the source follows at +6). */
  // @ts-ignore: decorator
  @inline get dstPtr(): usize { return changetype<usize>(this); }
  // @ts-ignore: decorator
  @inline get srcPtr(): usize { return changetype<usize>(this) + 6; }
  /** The type field right after the MAC addresses: a TPID when the frame is tagged. */
  // @ts-ignore: decorator
  @inline get type(): u16 { return load16be(changetype<usize>(this) + 12); }
  // @ts-ignore: decorator
  @inline set type(v: u16) { store16be(changetype<usize>(this) + 12, v); }

  /** Exchanges source and destination MAC. */
  swapAddresses(): void {
    const p = changetype<usize>(this);
    swapBytes(p, p + 6, 6);
  }
}

/** One 4-byte VLAN tag: TPID then TCI (PCP 3 bits, DEI 1 bit, VID 12 bits). */
@final @unmanaged
export class Vlan {
  // @ts-ignore: decorator
  @inline get tpid(): u16 { return load16be(changetype<usize>(this)); }
  // @ts-ignore: decorator
  @inline get tci(): u16 { return load16be(changetype<usize>(this) + 2); }
  // @ts-ignore: decorator
  @inline set tci(v: u16) { store16be(changetype<usize>(this) + 2, v); }
  // @ts-ignore: decorator
  @inline get id(): u16 { return this.tci & 0x0fff; }
  // @ts-ignore: decorator
  @inline set id(v: u16) { this.tci = (this.tci & 0xf000) | (v & 0x0fff); }
  // @ts-ignore: decorator
  @inline get pcp(): u8 { return <u8>(this.tci >> 13); }
  // @ts-ignore: decorator
  @inline get dei(): bool { return (this.tci & 0x1000) != 0; }
}
