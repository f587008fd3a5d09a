// Allocates 256 MiB on packets whose first byte is 0xaa: more than any heap quota.
import { Packet, Verdict, pass } from "wasmxdp";

let keep: ArrayBuffer | null = null;

export function handle(pkt: Packet): Verdict {
  if (pkt.len > 0 && load<u8>(pkt.data) == 0xaa) keep = new ArrayBuffer(256 << 20);
  return pass();
}
