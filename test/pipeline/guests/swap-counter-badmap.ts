// Declares "hits" as an array map where the running versions have a counters
// map: the deploy must be refused, naming the map, unless --reset-maps.
import { ArrayMap, Packet, Verdict, drop } from "wasmxdp";

const hits = ArrayMap.declare("hits", 8, 8);

export function handle(pkt: Packet): Verdict {
  const a = hits.at(0);
  store<u64>(a, load<u64>(a) + 1);
  return drop();
}
