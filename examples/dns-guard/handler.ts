// DNS guard: drops UDP/53 DNS queries for blocklisted names (blocklist.ts:
// a listed name and everything below it) and queries of QTYPE ANY, which are
// mostly reflection-attack fodder. Everything else passes.
//
// Malformed queries (shorter than the header, no or too many questions, a
// name that overruns the message, loops or misuses compression) are DROPped:
// a resolver would reject them anyway, and a parser that gives up must not
// let the packet through unchecked. A UDP/53 datagram that is the first
// fragment of a larger one is DROPped too: a query never needs fragmenting,
// and fragmenting would hide the name from this check.
//
// Counters: 0 blocked names, 1 ANY queries, 2 malformed, 3 fragmented,
// 4 queries passed.

import { Packet, Verdict, DROP, PASS, counterAdd, load16be } from "wasmxdp";
import { DNS_HEADER_LEN, readName, qtypeAt } from "./dns";
import { nameBlocked } from "./blocklist";

export const DNS_PORT: u16 = 53;
export const QTYPE_ANY: i32 = 255;
export const MAX_QUESTIONS: u32 = 4;

export const COUNTER_BLOCKED: u32 = 0;
export const COUNTER_ANY: u32 = 1;
export const COUNTER_MALFORMED: u32 = 2;
export const COUNTER_FRAGMENTED: u32 = 3;
export const COUNTER_PASSED: u32 = 4;

function dropAs(counter: u32): Verdict { counterAdd(counter); return DROP; }

export function handle(pkt: Packet): Verdict {
  const u = pkt.udp();
  if (!u || u.dstPort != DNS_PORT) return PASS;
  if (pkt.isFragment) return dropAs(COUNTER_FRAGMENTED);
  const msg = pkt.data + <usize>pkt.payloadOffset;
  const len = pkt.payloadLength;
  if (len < DNS_HEADER_LEN) return dropAs(COUNTER_MALFORMED);
  const flags = load16be(msg + 2);
  // Responses and opcodes other than QUERY are not queries: not ours to judge.
  if ((flags & 0x8000) != 0 || ((flags >> 11) & 0xf) != 0) return PASS;
  const questions = <u32>load16be(msg + 4);
  if (questions == 0 || questions > MAX_QUESTIONS) return dropAs(COUNTER_MALFORMED);
  let off = DNS_HEADER_LEN;
  for (let q: u32 = 0; q < questions; q++) {
    const end = readName(msg, len, off);
    if (end < 0) return dropAs(COUNTER_MALFORMED);
    const qtype = qtypeAt(msg, len, <u32>end);
    if (qtype < 0) return dropAs(COUNTER_MALFORMED);
    if (qtype == QTYPE_ANY) return dropAs(COUNTER_ANY);
    if (nameBlocked()) return dropAs(COUNTER_BLOCKED);
    off = <u32>end + 4;
  }
  counterAdd(COUNTER_PASSED);
  return PASS;
}
