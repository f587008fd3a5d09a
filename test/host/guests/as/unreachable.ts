// Executes `unreachable` on packets whose first byte is 0xdd.
import { Packet, Verdict, pass } from "wasmxdp";

export function handle(pkt: Packet): Verdict {
  if (pkt.len > 0 && load<u8>(pkt.data) == 0xdd) unreachable();
  return pass();
}
