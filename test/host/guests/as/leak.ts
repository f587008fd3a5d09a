// Allocates 4 KiB per packet and never frees it (stub runtime): the heap quota
// runs out after a few hundred packets; a fresh instance starts empty again.
import { Packet, Verdict, pass } from "wasmxdp";

let last: ArrayBuffer | null = null;

export function handle(pkt: Packet): Verdict {
  last = new ArrayBuffer(4096);
  return pass();
}
