// Tries to grow the fixed memory on every packet: DROP when growth is refused
// (as it must be), PASS if the memory ever grew.
import { Packet, Verdict, drop, pass } from "wasmxdp";

export function handle(pkt: Packet): Verdict {
  let refused = true;
  for (let i = 0; i < 8; i++) {
    if (memory.grow(1) >= 0) refused = false;
  }
  return refused ? drop() : pass();
}
