// Fails an assertion (abort with message, file and line) on packets whose
// first byte is 0xab.
import { Packet, Verdict, pass } from "wasmxdp";

export function handle(pkt: Packet): Verdict {
  assert(pkt.len == 0 || load<u8>(pkt.data) != 0xab, "hostile guest: poisoned packet");
  return pass();
}
