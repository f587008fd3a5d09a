// Test guest for the host services. The first packet byte selects what to do:
//   1 idx(u16 BE) n(u8): counterAdd(idx, n)       2 idx n: counter(idx).add(n)
//   3 level: log(level, <fixed message>)         4 v(u64 BE): logStr/logU64/logHex line
// Every packet then reports, as little-endian u64s at the end of its frame:
//   [0] now()  [1..4] random() x4  [5] result of the operation (1 true, 0 false)

import {
  Packet, Verdict, PASS, counter, counterAdd, log, logFlush, logHex, logStr, logU64, now, random, LOG_WARN,
  load16be, load64be,
} from "wasmxdp";

export function handle(pkt: Packet): Verdict {
  const r = pkt.end + <usize>pkt.tailroom - 64;
  let result: u64 = 1;
  if (pkt.len >= 4) {
    const op = load<u8>(pkt.data);
    const idx = <u32>load16be(pkt.data + 1);
    const n = <u64>load<u8>(pkt.data + 3);
    if (op == 1) result = counterAdd(idx, n) ? 1 : 0;
    else if (op == 2) counter(idx).add(n);
    else if (op == 3) log(<i32>load<u8>(pkt.data + 1), "héllo ✓ wörld 🚀");
    else if (op == 4 && pkt.len >= 9) {
      const v = load64be(pkt.data + 1);
      logStr("value=");
      logU64(v);
      logStr(" hex=");
      logHex(v, 4);
      logFlush(LOG_WARN);
    }
  }
  store<u64>(r, now());
  for (let i = 1; i <= 4; i++) store<u64>(r + (<usize>i << 3), <u64>random());
  store<u64>(r, result, 40);
  pkt.adjustTail(<i32>pkt.tailroom);
  return PASS;
}
