// Declares 61 maps, one of them a 10 MiB array: with the one map of
// swap-counter-v1 the directory is nearly full (64) and so is the region.
import { ArrayMap, CounterMap, Packet, Verdict, drop } from "wasmxdp";

const big = ArrayMap.declare("big", 8, 10 * 1024 * 128);
for (let i = 0; i < 60; i++) CounterMap.declare("many" + i.toString(), 1);

export function handle(pkt: Packet): Verdict {
  store<u64>(big.at(0), load<u64>(big.at(0)) + 1);
  return drop();
}
