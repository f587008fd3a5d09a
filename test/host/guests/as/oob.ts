// Reads far beyond the memory on packets whose first byte is 0xdc.
import { Packet, Verdict, pass } from "wasmxdp";

export function handle(pkt: Packet): Verdict {
  if (pkt.len > 0 && load<u8>(pkt.data) == 0xdc) return load<u32>(pkt.data + 0xf0000000) | pass();
  return pass();
}
