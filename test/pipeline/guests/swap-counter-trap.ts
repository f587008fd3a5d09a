// Hot-swap test handler that passes deploy but traps on every frame: the
// health check after the switch must roll it back.
import { CounterMap, Packet, Verdict, drop } from "wasmxdp";

const hits = CounterMap.declare("hits", 8);

export function handle(pkt: Packet): Verdict {
  hits.add(3);
  if (pkt.len > 0) unreachable();
  return drop();
}
