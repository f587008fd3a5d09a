// Test guest: declares "seen" with another value size than count.ts does.
import { HashMap, Packet, Verdict, PASS } from "wasmxdp";

const seen = HashMap.declare("seen", 4, 16, 16);

export function handle(pkt: Packet): Verdict {
  return seen.lookup(pkt.data) ? PASS : PASS;
}
