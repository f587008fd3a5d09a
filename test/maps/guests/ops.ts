// Test guest: applies one map operation per packet, the packet being the
// operation record that test/maps/ops.ts encodes, and writes the outcome back
// into the packet. Lets the tests drive the SDK's maps step by step.

import { Packet, Verdict, PASS } from "wasmxdp";
import { ArrayMap, CounterMap, HashCore, declareMapRaw, MAP_ARRAY, MAP_COUNTERS, MAP_EINVAL, MAP_HASH, MAP_LRU_HASH } from "wasmxdp/maps";

const OP_DECLARE: u8 = 1;
const OP_UPDATE: u8 = 2;
const OP_LOOKUP: u8 = 3;
const OP_DELETE: u8 = 4;
const OP_ADD: u8 = 5;
const DATA: usize = 24;
const SLOTS = 8;

const kinds = new StaticArray<u32>(SLOTS);
const hashes = new StaticArray<HashCore | null>(SLOTS);
const arrays = new StaticArray<ArrayMap | null>(SLOTS);
const counters = new StaticArray<CounterMap | null>(SLOTS);

export function handle(pkt: Packet): Verdict {
  const p = pkt.data;
  const op = load<u8>(p);
  const slot = <i32>load<u8>(p, 1) & (SLOTS - 1);
  const flags = <u32>load<u8>(p, 2);
  const a1 = load<u32>(p, 8), a2 = load<u32>(p, 12), a3 = load<u32>(p, 16), a4 = load<u32>(p, 20);
  const data = p + DATA;
  let r: i32 = 0;
  const kind = unchecked(kinds[slot]);
  if (op == OP_DECLARE) {
    r = declareMapRaw(data, <usize>pkt.len - DATA, a1, a2, a3, a4);
    if (r > 0) {
      unchecked(kinds[slot] = a1);
      if (a1 == MAP_HASH || a1 == MAP_LRU_HASH) unchecked(hashes[slot] = new HashCore(<usize>r));
      else if (a1 == MAP_ARRAY) unchecked(arrays[slot] = new ArrayMap(<usize>r));
      else if (a1 == MAP_COUNTERS) unchecked(counters[slot] = new CounterMap(<usize>r));
    }
  } else if (kind == MAP_HASH || kind == MAP_LRU_HASH) {
    const m = unchecked(hashes[slot])!;
    if (op == OP_UPDATE) r = m.update(data, data + <usize>m.keySize, flags);
    else if (op == OP_DELETE) r = m.delete(data);
    else if (op == OP_LOOKUP) {
      const v = m.lookup(data);
      if (v) { memory.copy(data + <usize>m.keySize, v, <usize>m.valueSize); r = 1; }
    }
  } else if (kind == MAP_ARRAY) {
    const m = unchecked(arrays[slot])!;
    if (op == OP_UPDATE) r = m.update(data, data + 4, flags);
    else if (op == OP_DELETE) r = MAP_EINVAL;
    else if (op == OP_LOOKUP) {
      const v = m.lookup(data);
      if (v) { memory.copy(data + 4, v, <usize>m.valueSize); r = 1; }
    }
  } else if (kind == MAP_COUNTERS) {
    const m = unchecked(counters[slot])!;
    if (op == OP_ADD) r = m.add(a1, <u64>a2, a3) ? 1 : 0;
    else if (op == OP_LOOKUP) {
      const i = load<u32>(data);
      if (i < m.maxEntries) { store<u64>(data + 4, m.get(i)); r = 1; }
    } else r = MAP_EINVAL;
  }
  store<i32>(p, r, 4);
  return PASS;
}
