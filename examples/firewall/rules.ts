// The rule set lives in maps, so the control plane can change it at run time
// without a redeploy: "fw_rules" holds the records (acl.ts layout) in
// evaluation order, "fw_meta" how many of them are live. The demo rules below
// are written into those maps when the module starts on a memory where no rule
// set was ever installed; a running or redeployed firewall keeps whatever the
// control plane put there.

import { ArrayMap, DROP, PASS, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, Verdict } from "wasmxdp";
import { Rule, RULE_SIZE } from "./acl";

/** What happens to IP traffic no rule matches. */
export const DEFAULT_ACTION: Verdict = DROP;
/** Frames that are not IP at all (ARP, LLDP, ...): the ACL does not apply. */
export const NOT_IP_ACTION: Verdict = PASS;
/** Frames that claim to be IP but are truncated or malformed. */
export const MALFORMED_ACTION: Verdict = DROP;

export const MAX_RULES: u32 = 64;
/** Rule records, RULE_SIZE bytes each, tried in index order. */
const ruleMap = ArrayMap.declare("fw_rules", <u32>RULE_SIZE, MAX_RULES);
/** Index 0: {count u32: live records in fw_rules, installed u32: 1 once a rule set was installed}. */
const metaMap = ArrayMap.declare("fw_meta", 8, 1);
export const RULES: usize = ruleMap.at(0);
const META: usize = metaMap.at(0);

/** Live rules: fw_meta's count, capped at MAX_RULES. */
// @ts-ignore: decorator
@inline export function ruleCount(): u32 {
  const n = load<u32>(META);
  return n < MAX_RULES ? n : MAX_RULES;
}

let installing: u32 = 0;

function rule(action: Verdict): Rule {
  if (installing >= MAX_RULES) abort("firewall: more than MAX_RULES rules");
  const r = changetype<Rule>(RULES + <usize>installing * RULE_SIZE);
  installing++;
  return r.init(action);
}

function v4(a: u32, b: u32, c: u32, d: u32): u32 { return (a << 24) | (b << 16) | (c << 8) | d; }

/** The demo rule set: what `npm start` shows on the bundled capture. */
function installDemoRules(): void {
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
}

if (load<u32>(META, 4) == 0) {
  installDemoRules();
  store<u32>(META, installing);
  store<u32>(META, 1, 4);
}
