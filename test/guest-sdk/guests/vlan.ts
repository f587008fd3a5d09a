// Test guest for pushVlan/popVlan and the parse cache: untagged frames get
// tag 42 pushed, tagged frames lose their outer tag, and the packet is sent
// back (TX) only if what the SDK parses afterwards agrees: otherwise DROP.
// A frame too short for Ethernet cannot take a tag: DROP, unchanged.

import { Packet, Verdict, DROP, TX, pushVlan, popVlan, ETH_P_8021Q } from "wasmxdp";

export function handle(pkt: Packet): Verdict {
  const before = pkt.vlanCount;
  const type = pkt.etherType;
  const l4 = pkt.l4Proto;
  if (before == 0) {
    if (!pushVlan(pkt, 42)) return DROP;
    const v = pkt.vlan(0);
    return pkt.vlanCount == 1 && v != null && v.id == 42 && v.tpid == ETH_P_8021Q && pkt.etherType == type && pkt.l4Proto == l4 ? TX : DROP;
  }
  if (!popVlan(pkt)) return DROP;
  return pkt.vlanCount == before - 1 && pkt.etherType == type && pkt.l4Proto == l4 ? TX : DROP;
}
