// Noisy-neighbour bench: a tenant stage that traps on every packet.
import { Packet, Verdict, PASS } from "wasmxdp";

export function handle(pkt: Packet): Verdict {
  if (pkt.len > 0) unreachable();
  return PASS;
}
