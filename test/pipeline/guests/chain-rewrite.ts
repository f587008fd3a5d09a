// A tenant stage that rewrites: the last payload byte becomes 0x77, then PASS
// (so the rewrite must reach the UMEM for the kernel to see it).
import { Packet, Verdict, pass } from "wasmxdp";

export function handle(pkt: Packet): Verdict {
  if (pkt.len > 0) store<u8>(pkt.data + pkt.len - 1, 0x77);
  return pass();
}
