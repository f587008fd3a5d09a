// Stateless firewall: an ACL over source/destination prefix (IPv4 and IPv6),
// protocol and port ranges; the first matching rule decides. Rules live in
// rules.ts; the matching is in acl.ts.
//
// Counters (read by the host): i < MAX_RULES hits of rule i, then
// COUNTER_DEFAULT, COUNTER_NOT_IP and COUNTER_MALFORMED.

import { Packet, Verdict, counterAdd } from "wasmxdp";
import { KEY_MALFORMED, KEY_NOT_IP, firstMatch, loadKey, Rule, RULE_SIZE } from "./acl";
import { DEFAULT_ACTION, MALFORMED_ACTION, MAX_RULES, NOT_IP_ACTION, RULES, ruleCount } from "./rules";

export const COUNTER_DEFAULT: u32 = MAX_RULES;
export const COUNTER_NOT_IP: u32 = MAX_RULES + 1;
export const COUNTER_MALFORMED: u32 = MAX_RULES + 2;

export function handle(pkt: Packet): Verdict {
  const k = loadKey(pkt);
  if (k == KEY_NOT_IP) { counterAdd(COUNTER_NOT_IP); return NOT_IP_ACTION; }
  if (k == KEY_MALFORMED) { counterAdd(COUNTER_MALFORMED); return MALFORMED_ACTION; }
  const i = firstMatch(RULES, ruleCount);
  if (i < 0) { counterAdd(COUNTER_DEFAULT); return DEFAULT_ACTION; }
  counterAdd(<u32>i);
  return <Verdict>changetype<Rule>(RULES + <usize>i * RULE_SIZE).action;
}
