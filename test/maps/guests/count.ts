// Test guest: counts packets per 4-byte key (the packet's first 4 bytes) in a
// hash map, and all packets in a counters map; drops the key that the control
// plane wrote into the "block" array (index 0, 0 = none). Writes the key's
// count after this packet into packet bytes 4..12, or all ones when the map was full.

import { ArrayMap, CounterMap, HashMap, MAP_OK, Packet, Verdict, DROP, PASS } from "wasmxdp";

const seen = HashMap.declare("seen", 4, 8, 16);
const packets = CounterMap.declare("packets", 2);
const block = ArrayMap.declare("block", 4, 1);
const one = memory.data<u64>([1]);

export function handle(pkt: Packet): Verdict {
  if (!pkt.has(0, 12)) return DROP;
  const p = pkt.data;
  packets.add(0, 1, <u32>pkt.queue);
  const v = seen.lookup(p);
  if (v) {
    store<u64>(v, load<u64>(v) + 1);
    store<u64>(p, load<u64>(v), 4);
  } else if (seen.update(p, one) == MAP_OK) {
    store<u64>(p, 1, 4);
  } else {
    packets.add(1);
    store<u64>(p, u64.MAX_VALUE, 4);
  }
  const b = load<u32>(block.at(0));
  return b != 0 && b == load<u32>(p) ? DROP : PASS;
}
