// Traps (unreachable) on a frame whose first byte is 0xee, passes all others.
import { Packet, Verdict, pass } from "wasmxdp";

export function handle(pkt: Packet): Verdict {
  if (pkt.len > 0 && load<u8>(pkt.data) == 0xee) unreachable();
  return pass();
}
