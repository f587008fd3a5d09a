// Drop-all handler for the live benchmark: its cost is the pipeline's own
// (receive, sandbox call, verdict checks, refill), the handler does nothing.
import { Packet, Verdict, DROP } from "wasmxdp";

export function handle(pkt: Packet): Verdict { return DROP; }
