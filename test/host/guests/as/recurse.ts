// Recurses without bound on packets whose first byte is 0xda; passes the others.
import { Packet, Verdict, pass } from "wasmxdp";

function deeper(n: u32): u32 {
  return deeper(n + 1) + n;
}

export function handle(pkt: Packet): Verdict {
  if (pkt.len > 0 && load<u8>(pkt.data) == 0xda) return deeper(pkt.len) & 0 | pass();
  return pass();
}
