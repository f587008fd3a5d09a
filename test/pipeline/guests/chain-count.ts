// A tenant stage for chain tests that only looks: counts every frame it is
// given in `seen` and passes it on.
import { CounterMap, Packet, Verdict, pass } from "wasmxdp";

const seen = CounterMap.declare("seen", 1);

export function handle(pkt: Packet): Verdict {
  seen.add(0);
  return pass();
}
