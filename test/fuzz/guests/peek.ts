// A deliberately broken guest for the fuzz harness's own test: its verdict
// depends on the byte right behind the packet, which it must not read.
import { Packet, Verdict, DROP, PASS } from "wasmxdp";

export function handle(pkt: Packet): Verdict {
  return load<u8>(pkt.end) & 1 ? DROP : PASS;
}
