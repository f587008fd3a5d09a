// Stateless firewall: an ACL over source/destination prefix (IPv4 and IPv6),
// protocol and port ranges; the first matching rule decides. Rules live in
// maps (rules.ts: "fw_rules", "fw_meta"); the matching is in acl.ts.
//
// Counters, both in the control block (counterAdd) and in the "fw_hits"
// counters map, which survives redeploys and is per queue: i < MAX_RULES hits
// of rule i, then COUNTER_DEFAULT, COUNTER_NOT_IP and COUNTER_MALFORMED.

import { CounterMap, Packet, Verdict, counterAdd } from "wasmxdp";
import { KEY_MALFORMED, KEY_NOT_IP, firstMatch, loadKey, Rule, RULE_SIZE } from "./acl";
import { DEFAULT_ACTION, MALFORMED_ACTION, MAX_RULES, NOT_IP_ACTION, RULES, ruleCount } from "./rules";

export const COUNTER_DEFAULT: u32 = MAX_RULES;
export const COUNTER_NOT_IP: u32 = MAX_RULES + 1;
export const COUNTER_MALFORMED: u32 = MAX_RULES + 2;

const hits = CounterMap.declare("fw_hits", MAX_RULES + 3);

// @ts-ignore: decorator
@inline function count(i: u32, pkt: Packet): void {
  counterAdd(i);
  hits.add(i, 1, <u32>pkt.queue);
}

export function handle(pkt: Packet): Verdict {
  const k = loadKey(pkt);
  if (k == KEY_NOT_IP) { count(COUNTER_NOT_IP, pkt); return NOT_IP_ACTION; }
  if (k == KEY_MALFORMED) { count(COUNTER_MALFORMED, pkt); return MALFORMED_ACTION; }
  const i = firstMatch(RULES, ruleCount());
  if (i < 0) { count(COUNTER_DEFAULT, pkt); return DEFAULT_ACTION; }
  count(<u32>i, pkt);
  return <Verdict>changetype<Rule>(RULES + <usize>i * RULE_SIZE).action;
}
