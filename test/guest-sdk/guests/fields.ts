// Test guest: reports every header field the SDK extracts as 64 little-endian
// u64 slots in the last 512 bytes of the frame, then extends the packet to the
// frame's end so the host sees the report. The slots are listed in
// test/guest-sdk/report.ts. It writes nothing between data+len and the report,
// so bytes hidden behind a truncated packet stay as the test put them.

import {
  Packet, Verdict, PASS, checksum, ipv4Checksum, ipv4ChecksumValid, l4Checksum, l4ChecksumValid,
} from "wasmxdp";

const REPORT_SIZE: usize = 512;

function put(r: usize, slot: i32, v: u64): void { store<u64>(r + (<usize>slot << 3), v); }

export function handle(pkt: Packet): Verdict {
  if (pkt.tailroom < <u32>REPORT_SIZE) return PASS;
  const r = pkt.end + <usize>pkt.tailroom - REPORT_SIZE;
  memory.fill(r, 0, REPORT_SIZE);
  let flags: u64 = 0;

  const e = pkt.eth();
  if (e) { flags |= 1; put(r, 10, e.dst); put(r, 11, e.src); put(r, 63, e.type); }
  put(r, 1, pkt.etherType);
  put(r, 2, <u64>pkt.vlanCount);
  const v0 = pkt.vlan(0);
  if (v0) { put(r, 3, v0.tci); put(r, 61, v0.tpid); }
  const v1 = pkt.vlan(1);
  if (v1) { put(r, 4, v1.tci); put(r, 62, v1.tpid); }
  put(r, 5, pkt.l3Offset);
  put(r, 6, <u64>pkt.l4Proto);
  put(r, 7, pkt.l4Offset);

  const a = pkt.arp();
  if (a) { flags |= 2; put(r, 50, a.op); put(r, 51, a.senderMac); put(r, 52, a.senderIp); put(r, 53, a.targetMac); put(r, 54, a.targetIp); }

  const v4 = pkt.ipv4();
  if (v4) {
    flags |= 4;
    put(r, 12, v4.src); put(r, 13, v4.dst); put(r, 14, v4.ttl); put(r, 15, v4.protocol);
    put(r, 16, v4.id); put(r, 17, v4.fragWord); put(r, 18, v4.tos); put(r, 19, v4.totalLength);
    put(r, 20, v4.ihl); put(r, 21, v4.checksum); put(r, 22, v4.optionsLength);
    if (v4.dontFragment) flags |= 1 << 12;
    if (ipv4ChecksumValid(v4)) flags |= 1 << 13;
    put(r, 59, ipv4Checksum(v4));
  }

  const v6 = pkt.ipv6();
  if (v6) {
    flags |= 8;
    put(r, 23, v6.srcHi); put(r, 24, v6.srcLo); put(r, 25, v6.dstHi); put(r, 26, v6.dstLo);
    put(r, 27, v6.nextHeader); put(r, 28, v6.hopLimit); put(r, 29, v6.trafficClass);
    put(r, 30, v6.flowLabel); put(r, 31, v6.payloadLength);
  }

  const t = pkt.tcp();
  if (t) {
    flags |= 16;
    put(r, 32, t.srcPort); put(r, 33, t.dstPort); put(r, 34, t.seq); put(r, 35, t.ack);
    put(r, 36, t.dataOffset); put(r, 37, t.flags); put(r, 38, t.window); put(r, 39, t.checksum);
    put(r, 40, t.urgent);
  }
  const u = pkt.udp();
  if (u) { flags |= 32; put(r, 41, u.srcPort); put(r, 42, u.dstPort); put(r, 43, u.length); put(r, 44, u.checksum); }
  const i4 = pkt.icmp();
  if (i4) { flags |= 64; put(r, 45, i4.type); put(r, 46, i4.code); put(r, 47, i4.id); put(r, 48, i4.seq); put(r, 49, i4.checksum); }
  const i6 = pkt.icmp6();
  if (i6) { flags |= 128; put(r, 45, i6.type); put(r, 46, i6.code); put(r, 47, i6.id); put(r, 48, i6.seq); put(r, 49, i6.checksum); }

  if (pkt.isFragment) flags |= 256;
  if (pkt.moreFragments) flags |= 512;
  put(r, 55, pkt.fragOffset);
  put(r, 56, pkt.fragId);
  put(r, 8, pkt.payloadOffset);
  put(r, 9, pkt.payloadLength);
  if (l4ChecksumValid(pkt)) flags |= 1 << 14;
  put(r, 60, <u64>l4Checksum(pkt));
  put(r, 57, checksum(pkt.data, pkt.len));
  put(r, 0, flags);

  pkt.adjustTail(<i32>pkt.tailroom);
  return PASS;
}
