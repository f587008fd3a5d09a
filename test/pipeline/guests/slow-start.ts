// swap-counter-v1 with a start function that takes a while (within the start
// fuel budget): a deploy of it is still swapping when a second one arrives.
import { CounterMap, Packet, Verdict, drop } from "wasmxdp";

const hits = CounterMap.declare("hits", 8);
let x: u32 = 1;
for (let i = 0; i < 150_000; i++) x = x * 1664525 + 1013904223;
hits.add(2, <u64>(x & 1)); // index 2 is nobody's: keeps the loop from being optimised away

export function handle(pkt: Packet): Verdict {
  hits.add(0);
  hits.add(1);
  return drop();
}
