// The compiled-in rule set. Rules are written into a static table when the
// module starts (not on the packet path); handler.ts evaluates them in order
// and the first that matches decides. Edit this file to change the policy.

import { DROP, PASS, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, Verdict } from "wasmxdp";
import { Rule, RULE_SIZE } from "./acl";

/** What happens to IP traffic no rule matches. */
export const DEFAULT_ACTION: Verdict = DROP;
/** Frames that are not IP at all (ARP, LLDP, ...): the ACL does not apply. */
export const NOT_IP_ACTION: Verdict = PASS;
/** Frames that claim to be IP but are truncated or malformed. */
export const MALFORMED_ACTION: Verdict = DROP;

export const MAX_RULES: u32 = 64;
export const RULES: usize = memory.data(<i32>(RULE_SIZE * <usize>MAX_RULES), 8);
export let ruleCount: u32 = 0;

function rule(action: Verdict): Rule {
  if (ruleCount >= MAX_RULES) abort("firewall: more than MAX_RULES rules");
  const r = changetype<Rule>(RULES + <usize>ruleCount * RULE_SIZE);
  ruleCount++;
  return r.init(action);
}

function v4(a: u32, b: u32, c: u32, d: u32): u32 { return (a << 24) | (b << 16) | (c << 8) | d; }

// 0: telnet is cleartext; nobody gets it, over either family.
rule(DROP).matchProto(IPPROTO_TCP).toPorts(23, 23);
// 1: a misbehaving IPv4 subnet.
rule(DROP).fromV4(v4(10, 0, 3, 0), 24);
// 2: DNS to anyone.
rule(PASS).matchProto(IPPROTO_UDP).toPorts(53, 53);
// 3: NTP to anyone.
rule(PASS).matchProto(IPPROTO_UDP).toPorts(123, 123);
// 4: web (80-443, a range) to the IPv4 web server.
rule(PASS).matchProto(IPPROTO_TCP).toV4(v4(203, 0, 113, 80), 32).toPorts(80, 443);
// 5: web to the IPv6 server network 2001:db8:2::/64.
rule(PASS).matchProto(IPPROTO_TCP).toV6(0x20010db800020000, 0, 64).toPorts(80, 443);
// 6: replies from web servers (stateless: by source port).
rule(PASS).matchProto(IPPROTO_TCP).fromPorts(80, 80);
rule(PASS).matchProto(IPPROTO_TCP).fromPorts(443, 443);
// 8: SSH only from the IPv4 admin network 10.0.2.0/24; SSH from anywhere else falls to the default.
rule(PASS).matchProto(IPPROTO_TCP).fromV4(v4(10, 0, 2, 0), 24).toPorts(22, 22);
rule(PASS).matchProto(IPPROTO_TCP).fromPorts(22, 22).toV4(v4(10, 0, 2, 0), 24);
// 10: ping, both families.
rule(PASS).matchProto(IPPROTO_ICMP);
rule(PASS).matchProto(IPPROTO_ICMPV6);
// 12: UDP echo (port 7) and its replies.
rule(PASS).matchProto(IPPROTO_UDP).toPorts(7, 7);
rule(PASS).matchProto(IPPROTO_UDP).fromPorts(7, 7);
