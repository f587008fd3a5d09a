// Operator firewall stage for chain tests: drops UDP to port 9 (discard),
// passes everything else; counts its verdicts in `fw` (0: passed, 1: dropped).
import { CounterMap, Packet, Verdict, drop, pass } from "wasmxdp";

const fw = CounterMap.declare("fw", 2);

export function handle(pkt: Packet): Verdict {
  const u = pkt.udp();
  if (u != null && u.dstPort == 9) { fw.add(1); return drop(); }
  fw.add(0);
  return pass();
}
