// The version after many-maps: the hit counter of swap-counter-v1, a 10 MiB
// array of its own and three more maps. It fits only if the space and
// directory entries of many-maps' maps were given back.
import { ArrayMap, CounterMap, Packet, Verdict, drop } from "wasmxdp";

const hits = CounterMap.declare("hits", 8);
const big2 = ArrayMap.declare("big2", 8, 10 * 1024 * 128);
for (let i = 0; i < 3; i++) CounterMap.declare("next" + i.toString(), 1);

export function handle(pkt: Packet): Verdict {
  hits.add(0);
  store<u64>(big2.at(0), 1);
  return drop();
}
