// Divides by zero on packets whose first byte is 0xdb.
import { Packet, Verdict, pass } from "wasmxdp";

export function handle(pkt: Packet): Verdict {
  if (pkt.len > 0 && load<u8>(pkt.data) == 0xdb) {
    const zero = pkt.len - pkt.len;
    return (pkt.len / zero) & 0 | pass();
  }
  return pass();
}
