// Baseline for test/bench/examples.ts: does nothing but PASS, so its cost is
// the host's per-packet work (descriptors, verdict checks) plus the entry loop.
import { Packet, Verdict, PASS } from "wasmxdp";

export function handle(pkt: Packet): Verdict { return PASS; }
