// Noisy-neighbour bench: a tenant stage that spins on every packet, so it
// uses up its whole fuel budget (and traps) in every batch it gets.
import { Packet, Verdict, PASS } from "wasmxdp";

let sink: u32 = 0;

export function handle(pkt: Packet): Verdict {
  while (true) { sink = sink * 31 + 1; }
  return PASS;
}
