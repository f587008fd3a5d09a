// Hot-swap test handler, version 1: counts every frame in hits[0] (all
// versions) and hits[1] (this version), then drops it.
import { CounterMap, Packet, Verdict, drop } from "wasmxdp";

const hits = CounterMap.declare("hits", 8);

export function handle(pkt: Packet): Verdict {
  hits.add(0);
  hits.add(1);
  return drop();
}
