// Forwards between two ports of a pipeline: whatever arrives on port 0 leaves
// through port 1 and back, unchanged (an L2 bridge without learning).
import { Packet, Verdict, redirect } from "wasmxdp";

export function handle(pkt: Packet): Verdict {
  return redirect(pkt.port == 0 ? 1 : 0);
}
