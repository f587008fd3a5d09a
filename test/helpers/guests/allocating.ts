// Test guest that allocates on every packet (a 2-byte buffer), which the
// allocation-free check must catch.
import { Packet, Verdict, PASS } from "wasmxdp";

let keep: ArrayBuffer | null = null;

export function handle(pkt: Packet): Verdict {
  keep = new ArrayBuffer(2);
  return PASS;
}
