// Copy bench: rewrites the packet's last byte, so a tenant stage's frame is
// copied back to the UMEM.
import { Packet, Verdict, PASS } from "wasmxdp";

export function handle(pkt: Packet): Verdict {
  store<u8>(pkt.data + pkt.len - 1, load<u8>(pkt.data + pkt.len - 1) ^ 1);
  return PASS;
}
