import { Packet, Verdict, drop } from "wasmxdp";

export function handle(pkt: Packet): Verdict {
  return drop();
}
