// ARP for IPv4 over Ethernet (RFC 826). Packet hands out a view only when the
// 28 bytes are present and htype/ptype/hlen/plen say Ethernet + IPv4.

import { load16be, load32be, load48be, store16be, store32be, store48be } from "./bytes";

export const ARP_REQUEST: u16 = 1;
export const ARP_REPLY: u16 = 2;
import { ARP_LEN } from "./generated/proto";

export { ARP_LEN };

@final @unmanaged
export class Arp {
  // @ts-ignore: decorator
  @inline get htype(): u16 { return load16be(changetype<usize>(this)); }
  // @ts-ignore: decorator
  @inline get ptype(): u16 { return load16be(changetype<usize>(this) + 2); }
  // @ts-ignore: decorator
  @inline get hlen(): u8 { return load<u8>(changetype<usize>(this) + 4); }
  // @ts-ignore: decorator
  @inline get plen(): u8 { return load<u8>(changetype<usize>(this) + 5); }
  // @ts-ignore: decorator
  @inline get op(): u16 { return load16be(changetype<usize>(this) + 6); }
  // @ts-ignore: decorator
  @inline set op(v: u16) { store16be(changetype<usize>(this) + 6, v); }
  // @ts-ignore: decorator
  @inline get senderMac(): u64 { return load48be(changetype<usize>(this) + 8); }
  // @ts-ignore: decorator
  @inline set senderMac(v: u64) { store48be(changetype<usize>(this) + 8, v); }
  // @ts-ignore: decorator
  @inline get senderIp(): u32 { return load32be(changetype<usize>(this) + 14); }
  // @ts-ignore: decorator
  @inline set senderIp(v: u32) { store32be(changetype<usize>(this) + 14, v); }
  // @ts-ignore: decorator
  @inline get targetMac(): u64 { return load48be(changetype<usize>(this) + 18); }
  // @ts-ignore: decorator
  @inline set targetMac(v: u64) { store48be(changetype<usize>(this) + 18, v); }
  // @ts-ignore: decorator
  @inline get targetIp(): u32 { return load32be(changetype<usize>(this) + 24); }
  // @ts-ignore: decorator
  @inline set targetIp(v: u32) { store32be(changetype<usize>(this) + 24, v); }
}
