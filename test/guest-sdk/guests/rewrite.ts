// Test guest: rewrites headers the way a NAT or router would and keeps every
// checksum valid with the SDK's helpers, then sends the packet back (TX).
// IPv4: TTL - 1 and destination -> 198.51.100.1, incremental updates (RFC 1624)
// of the IPv4, TCP and UDP checksums; TCP seq + 1000, incremental.
// IPv6: hop limit - 1, first payload byte inverted, transport checksum recomputed.
// Both: Ethernet addresses swapped. Anything else: PASS untouched.

import {
  Packet, Verdict, PASS, TX, IPPROTO_TCP, csumReplace16, csumReplace32, setL4Checksum,
} from "wasmxdp";

const NEW_DST: u32 = 0xc6336401;

export function handle(pkt: Packet): Verdict {
  const e = pkt.eth();
  const v4 = pkt.ipv4();
  if (e && v4) {
    const oldWord = (<u16>v4.ttl << 8) | <u16>v4.protocol;
    v4.ttl = v4.ttl - 1;
    v4.checksum = csumReplace16(v4.checksum, oldWord, (<u16>v4.ttl << 8) | <u16>v4.protocol);
    const oldDst = v4.dst;
    v4.dst = NEW_DST;
    v4.checksum = csumReplace32(v4.checksum, oldDst, NEW_DST);
    const t = pkt.tcp();
    if (t) {
      t.checksum = csumReplace32(t.checksum, oldDst, NEW_DST);
      const seq = t.seq;
      t.seq = seq + 1000;
      t.checksum = csumReplace32(t.checksum, seq, seq + 1000);
    }
    const u = pkt.udp();
    // A zero UDP checksum over IPv4 means "none" and stays zero; a computed zero is sent as 0xffff.
    if (u && u.checksum != 0) {
      const c = csumReplace32(u.checksum, oldDst, NEW_DST);
      u.checksum = c == 0 ? 0xffff : c;
    }
    e.swapAddresses();
    return TX;
  }
  const v6 = pkt.ipv6();
  if (e && v6) {
    v6.hopLimit = v6.hopLimit - 1;
    if (pkt.payloadLength > 0) {
      const p = pkt.data + <usize>pkt.payloadOffset;
      store<u8>(p, ~load<u8>(p));
    }
    if (!setL4Checksum(pkt)) return PASS;
    e.swapAddresses();
    return TX;
  }
  return PASS;
}
