// UDP echo reflector: a datagram to port 7 goes back where it came from, out
// of the port it arrived on (TX), with Ethernet, IP and UDP source and
// destination swapped. Over IPv4 or IPv6, tagged (the tags stay) or not.
// Everything else passes to the kernel.
//
// Swapping addresses and ports leaves every checksum valid (ones'-complement
// sums do not depend on word order), so only incoming checksums are checked:
// a datagram with a bad one is PASSed and the kernel's stack discards it, as
// an echo server would. Fragments pass too (the reflector would bounce only
// the first piece), and so do datagrams from port 7: two echo services would
// otherwise bounce one datagram between them forever.

import { Packet, Verdict, PASS, TX, ipv4ChecksumValid, l4ChecksumValid, counterAdd } from "wasmxdp";

export const ECHO_PORT: u16 = 7;

export const COUNTER_REFLECTED: u32 = 0;
export const COUNTER_BAD_CHECKSUM: u32 = 1;

export function handle(pkt: Packet): Verdict {
  const u = pkt.udp();
  if (!u || u.dstPort != ECHO_PORT || u.srcPort == ECHO_PORT || pkt.isFragment) return PASS;
  const v4 = pkt.ipv4();
  if ((v4 && !ipv4ChecksumValid(v4)) || !l4ChecksumValid(pkt)) {
    counterAdd(COUNTER_BAD_CHECKSUM);
    return PASS;
  }
  pkt.eth()!.swapAddresses();
  if (v4) v4.swapAddresses();
  else pkt.ipv6()!.swapAddresses();
  u.swapPorts();
  counterAdd(COUNTER_REFLECTED);
  return TX;
}
