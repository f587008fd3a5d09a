// Hot-swap test handler, version 2: same map as version 1, counts itself in hits[2].
import { CounterMap, Packet, Verdict, drop } from "wasmxdp";

const hits = CounterMap.declare("hits", 8);

export function handle(pkt: Packet): Verdict {
  hits.add(0);
  hits.add(2);
  return drop();
}
