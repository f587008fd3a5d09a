// Spins forever on packets whose first byte is 0xee; passes the others.
import { Packet, Verdict, pass } from "wasmxdp";

let sink: u32 = 0;

export function handle(pkt: Packet): Verdict {
  if (pkt.len > 0 && load<u8>(pkt.data) == 0xee) {
    while (true) { sink = sink * 31 + 1; }
  }
  return pass();
}
