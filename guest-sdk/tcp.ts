// TCP header (RFC 9293). Packet hands out a view when the 20 bytes are inside
// the IP payload and the data offset covers them without overrunning it.

import { load16be, load32be, store16be, store32be } from "./bytes";

import { TCP_MIN_HLEN } from "./generated/proto";

export { TCP_MIN_HLEN };

export const TCP_FIN: u8 = 0x01;
export const TCP_SYN: u8 = 0x02;
export const TCP_RST: u8 = 0x04;
export const TCP_PSH: u8 = 0x08;
export const TCP_ACK: u8 = 0x10;
export const TCP_URG: u8 = 0x20;
export const TCP_ECE: u8 = 0x40;
export const TCP_CWR: u8 = 0x80;

@final @unmanaged
export class Tcp {
  // @ts-ignore: decorator
  @inline get srcPort(): u16 { return load16be(changetype<usize>(this)); }
  // @ts-ignore: decorator
  @inline set srcPort(v: u16) { store16be(changetype<usize>(this), v); }
  // @ts-ignore: decorator
  @inline get dstPort(): u16 { return load16be(changetype<usize>(this) + 2); }
  // @ts-ignore: decorator
  @inline set dstPort(v: u16) { store16be(changetype<usize>(this) + 2, v); }
  // @ts-ignore: decorator
  @inline get seq(): u32 { return load32be(changetype<usize>(this) + 4); }
  // @ts-ignore: decorator
  @inline set seq(v: u32) { store32be(changetype<usize>(this) + 4, v); }
  // @ts-ignore: decorator
  @inline get ack(): u32 { return load32be(changetype<usize>(this) + 8); }
  // @ts-ignore: decorator
  @inline set ack(v: u32) { store32be(changetype<usize>(this) + 8, v); }
  /** Header length in 32-bit words. */
  // @ts-ignore: decorator
  @inline get dataOffset(): u8 { return load<u8>(changetype<usize>(this) + 12) >> 4; }
  /** Header length in bytes, options included. */
  // @ts-ignore: decorator
  @inline get headerLength(): u32 { return <u32>this.dataOffset << 2; }
  // @ts-ignore: decorator
  @inline get optionsPtr(): usize { return changetype<usize>(this) + 20; }
  // @ts-ignore: decorator
  @inline get optionsLength(): u32 { return this.headerLength - 20; }
  /** CWR ECE URG ACK PSH RST SYN FIN, high bit to low (TCP_* masks). */
  // @ts-ignore: decorator
  @inline get flags(): u8 { return load<u8>(changetype<usize>(this) + 13); }
  // @ts-ignore: decorator
  @inline set flags(v: u8) { store<u8>(changetype<usize>(this) + 13, v); }
  // @ts-ignore: decorator
  @inline get fin(): bool { return (this.flags & TCP_FIN) != 0; }
  // @ts-ignore: decorator
  @inline get syn(): bool { return (this.flags & TCP_SYN) != 0; }
  // @ts-ignore: decorator
  @inline get rst(): bool { return (this.flags & TCP_RST) != 0; }
  // @ts-ignore: decorator
  @inline get psh(): bool { return (this.flags & TCP_PSH) != 0; }
  // @ts-ignore: decorator
  @inline get ackFlag(): bool { return (this.flags & TCP_ACK) != 0; }
  // @ts-ignore: decorator
  @inline get urg(): bool { return (this.flags & TCP_URG) != 0; }
  // @ts-ignore: decorator
  @inline get ece(): bool { return (this.flags & TCP_ECE) != 0; }
  // @ts-ignore: decorator
  @inline get cwr(): bool { return (this.flags & TCP_CWR) != 0; }
  // @ts-ignore: decorator
  @inline get window(): u16 { return load16be(changetype<usize>(this) + 14); }
  // @ts-ignore: decorator
  @inline set window(v: u16) { store16be(changetype<usize>(this) + 14, v); }
  // @ts-ignore: decorator
  @inline get checksum(): u16 { return load16be(changetype<usize>(this) + 16); }
  // @ts-ignore: decorator
  @inline set checksum(v: u16) { store16be(changetype<usize>(this) + 16, v); }
  // @ts-ignore: decorator
  @inline get urgent(): u16 { return load16be(changetype<usize>(this) + 18); }
  // @ts-ignore: decorator
  @inline set urgent(v: u16) { store16be(changetype<usize>(this) + 18, v); }

  /** Exchanges the ports (the checksum stays valid). */
  swapPorts(): void {
    const p = changetype<usize>(this);
    const s = load<u16>(p);
    store<u16>(p, load<u16>(p + 2));
    store<u16>(p + 2, s);
  }
}
