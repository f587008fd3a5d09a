// UDP header (RFC 768). Packet hands out a view when the 8 bytes are inside the
// IP payload and the length field covers the header without overrunning it.

import { load16be, store16be } from "./bytes";

import { UDP_HLEN } from "./generated/proto";

export { UDP_HLEN };

@final @unmanaged
export class Udp {
  // @ts-ignore: decorator
  @inline get srcPort(): u16 { return load16be(changetype<usize>(this)); }
  // @ts-ignore: decorator
  @inline set srcPort(v: u16) { store16be(changetype<usize>(this), v); }
  // @ts-ignore: decorator
  @inline get dstPort(): u16 { return load16be(changetype<usize>(this) + 2); }
  // @ts-ignore: decorator
  @inline set dstPort(v: u16) { store16be(changetype<usize>(this) + 2, v); }
  /** Header plus payload, in bytes. */
  // @ts-ignore: decorator
  @inline get length(): u16 { return load16be(changetype<usize>(this) + 4); }
  // @ts-ignore: decorator
  @inline set length(v: u16) { store16be(changetype<usize>(this) + 4, v); }
  /** 0 over IPv4 means "no checksum". */
  // @ts-ignore: decorator
  @inline get checksum(): u16 { return load16be(changetype<usize>(this) + 6); }
  // @ts-ignore: decorator
  @inline set checksum(v: u16) { store16be(changetype<usize>(this) + 6, v); }

  /** Exchanges the ports (the checksum stays valid). */
  swapPorts(): void {
    const p = changetype<usize>(this);
    const s = load<u16>(p);
    store<u16>(p, load<u16>(p + 2));
    store<u16>(p + 2, s);
  }
}
