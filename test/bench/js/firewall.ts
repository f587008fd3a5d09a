// examples/firewall in plain JavaScript: the same 48-byte rule records
// (examples/firewall/acl.ts layout) in a Uint8Array, first match, the same key
// rules; addresses compared bytewise (JS has no 64-bit integers to spare).
import { DROP, L3_IPV4, L3_IPV6, L4_TCP, L4_UDP, PASS, be16, counters, parseL4, pkt } from './packet.js';

export const RULE_SIZE = 48, MAX_RULES = 64;
const COUNTER_DEFAULT = MAX_RULES, COUNTER_NOT_IP = MAX_RULES + 1, COUNTER_MALFORMED = MAX_RULES + 2;

/** The rule table and its live count; the harness fills them with the records the wasm handler gets. */
export const table = { rules: new Uint8Array(RULE_SIZE * MAX_RULES), count: 0 };
/** fw_hits. */
export const hits = new Float64Array(MAX_RULES + 3);

const src = new Uint8Array(16), dst = new Uint8Array(16);
let family = 0, proto = 0, sport = 0, dport = 0, hasPorts = false;

function count(i: number): void { counters[i]++; hits[i]++; }

// 0 IP, 1 not IP, 2 malformed (acl.ts loadKey).
function loadKey(b: Uint8Array, o: number, len: number): number {
  parseL4(b, o, len);
  if (len < 14 || pkt.type === 0) return 2;
  const p = o + pkt.l3off;
  if (pkt.l3kind === L3_IPV4) {
    family = 4;
    src.fill(0); dst.fill(0);
    for (let i = 0; i < 4; i++) { src[i] = b[p + 12 + i]; dst[i] = b[p + 16 + i]; }
  } else if (pkt.l3kind === L3_IPV6) {
    family = 6;
    for (let i = 0; i < 16; i++) { src[i] = b[p + 8 + i]; dst[i] = b[p + 24 + i]; }
  } else {
    return pkt.type === 0x0800 || pkt.type === 0x86dd ? 2 : 1;
  }
  if (pkt.proto < 0) return 2;
  proto = pkt.proto; hasPorts = false; sport = 0; dport = 0;
  if (pkt.l4kind === L4_TCP || pkt.l4kind === L4_UDP) {
    sport = be16(b, o + pkt.l4off); dport = be16(b, o + pkt.l4off + 2); hasPorts = true;
  } else if ((proto === 6 || proto === 17) && pkt.fragOff === 0) return 2;
  return 0;
}

function prefixMatches(r: Uint8Array, at: number, len: number, key: Uint8Array): boolean {
  for (let i = 0; i < 16 && len > 0; i++, len -= 8) {
    const mask = len >= 8 ? 0xff : (0xff << (8 - len)) & 0xff;
    if ((r[at + i] ^ key[i]) & mask) return false;
  }
  return true;
}

const le16 = (r: Uint8Array, i: number) => r[i] | (r[i + 1] << 8);

function ruleMatches(r: Uint8Array, at: number): boolean {
  const fam = r[at + 1];
  if (fam !== 0 && fam !== family) return false;
  const pr = r[at + 2];
  if (pr !== 0 && pr !== proto) return false;
  if (r[at + 3] !== 0 && !prefixMatches(r, at + 16, r[at + 3], src)) return false;
  if (r[at + 4] !== 0 && !prefixMatches(r, at + 32, r[at + 4], dst)) return false;
  const sLo = le16(r, at + 8), sHi = le16(r, at + 10), dLo = le16(r, at + 12), dHi = le16(r, at + 14);
  if (!hasPorts) return sLo === 0 && sHi === 0xffff && dLo === 0 && dHi === 0xffff;
  return sport >= sLo && sport <= sHi && dport >= dLo && dport <= dHi;
}

export function firewall(b: Uint8Array, o: number, len: number): number {
  const k = loadKey(b, o, len);
  if (k === 1) { count(COUNTER_NOT_IP); return PASS; }
  if (k === 2) { count(COUNTER_MALFORMED); return DROP; }
  const n = Math.min(table.count, MAX_RULES), r = table.rules;
  for (let i = 0; i < n; i++) {
    if (ruleMatches(r, i * RULE_SIZE)) { count(i); return r[i * RULE_SIZE]; }
  }
  count(COUNTER_DEFAULT);
  return DROP;
}
