// Decodes the report test/guest-sdk/guests/fields.ts writes: 64 little-endian
// u64 slots in the last 512 bytes of the packet it hands back.

export const REPORT_SIZE = 512;

export const F_ETH = 1, F_ARP = 2, F_IPV4 = 4, F_IPV6 = 8, F_TCP = 16, F_UDP = 32, F_ICMP = 64, F_ICMP6 = 128,
  F_FRAGMENT = 256, F_MORE_FRAGMENTS = 512, F_DF = 1 << 12, F_IPV4_CSUM_OK = 1 << 13, F_L4_CSUM_OK = 1 << 14;

const SLOTS = {
  flags: 0, etherType: 1, vlanCount: 2, vlan0Tci: 3, vlan1Tci: 4, l3Offset: 5, l4Proto: 6, l4Offset: 7,
  payloadOffset: 8, payloadLength: 9, ethDst: 10, ethSrc: 11,
  v4Src: 12, v4Dst: 13, v4Ttl: 14, v4Proto: 15, v4Id: 16, v4FragWord: 17, v4Tos: 18, v4TotalLength: 19,
  v4Ihl: 20, v4Checksum: 21, v4OptionsLength: 22,
  v6SrcHi: 23, v6SrcLo: 24, v6DstHi: 25, v6DstLo: 26, v6NextHeader: 27, v6HopLimit: 28, v6TrafficClass: 29,
  v6FlowLabel: 30, v6PayloadLength: 31,
  tcpSport: 32, tcpDport: 33, tcpSeq: 34, tcpAck: 35, tcpDataOffset: 36, tcpFlags: 37, tcpWindow: 38,
  tcpChecksum: 39, tcpUrgent: 40,
  udpSport: 41, udpDport: 42, udpLength: 43, udpChecksum: 44,
  icmpType: 45, icmpCode: 46, icmpId: 47, icmpSeq: 48, icmpChecksum: 49,
  arpOp: 50, arpSenderMac: 51, arpSenderIp: 52, arpTargetMac: 53, arpTargetIp: 54,
  fragOffset: 55, fragId: 56, rawChecksum: 57, v4ChecksumComputed: 59, l4ChecksumComputed: 60,
  vlan0Tpid: 61, vlan1Tpid: 62, ethType: 63,
} as const;

export type Report = { -readonly [K in keyof typeof SLOTS]: bigint };

export function decodeReport(packetAfter: Uint8Array): Report {
  if (packetAfter.length < REPORT_SIZE) throw new Error('the guest wrote no report (packet shorter than 512 bytes)');
  const dv = new DataView(packetAfter.buffer, packetAfter.byteOffset + packetAfter.length - REPORT_SIZE, REPORT_SIZE);
  const out = {} as Report;
  for (const [k, slot] of Object.entries(SLOTS)) out[k as keyof Report] = dv.getBigUint64(slot * 8, true);
  return out;
}

/** A signed slot (l4Proto is -1 when unknown). */
export function signed(v: bigint): number { return Number(BigInt.asIntN(64, v)); }

export function has(r: Report, flag: number): boolean { return (r.flags & BigInt(flag)) !== 0n; }

/** Bytes as a big-endian integer (MACs, IPv6 halves). */
export function beInt(b: Uint8Array, off = 0, n = b.length - off): bigint {
  let v = 0n;
  for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(b[off + i]);
  return v;
}
