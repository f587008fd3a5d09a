// A hostile version: at start it overwrites the descriptor of every map it
// did not declare itself (the maps of the version it replaces) with a body
// address outside the maps region, then drops every frame. On the probe's
// scratch memory only its own map exists, so it deploys.
import { CounterMap, Packet, Verdict, drop } from "wasmxdp";

const mine = CounterMap.declare("mine", 1);
// Maps region layout v1 (docs/maps.md): directory at +0x100, 64 entries of 128 bytes.
const DIR: usize = 0x1010000 + 0x100;
for (let i: usize = 0; i < 64; i++) {
  const d = DIR + i * 128;
  if (load<u32>(d + 0x20) != 0 && load<u8>(d) != 0x6d /* 'm' of "mine" */) store<u32>(d + 0x30, 0xfffffff0);
}

export function handle(pkt: Packet): Verdict {
  mine.add(0);
  return drop();
}
