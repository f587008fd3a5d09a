// Firewall rule tables in the record layout of examples/firewall/acl.ts, for
// the three implementations alike: read from the wasm module's "fw_rules" map
// (the demo set it installs at start), written into it, and serialized for
// the eBPF program's table value ({count u32, installed u32, 64 records}).
import { MapsRegion } from '../../host/maps/region.js';
import type { Sandbox } from '../../host/sandbox.js';

export const RULE_SIZE = 48, MAX_RULES = 64;

export interface RuleTable { records: Uint8Array; count: number }

const u32le = (i: number) => Uint8Array.of(i & 0xff, (i >> 8) & 0xff, (i >> 16) & 0xff, i >>> 24);

function rulesAddr(sb: Sandbox): number {
  return MapsRegion.of(sb.memory).get('fw_rules').valueAddr(u32le(0));
}

/** The rules live in the sandbox's maps (the demo set, after the module started). */
export function readRules(sb: Sandbox): RuleTable {
  const meta = MapsRegion.of(sb.memory).get('fw_meta').lookup(u32le(0))!;
  const count = new DataView(meta.buffer, meta.byteOffset).getUint32(0, true);
  const at = rulesAddr(sb);
  return { records: sb.bytes.slice(at, at + RULE_SIZE * MAX_RULES), count };
}

/** Installs `t` as the sandbox's rule set (records first, count last, as the README says). */
export function writeRules(sb: Sandbox, t: RuleTable): void {
  sb.bytes.set(t.records, rulesAddr(sb));
  const meta = new Uint8Array(8);
  meta.set(u32le(t.count), 0);
  meta.set(u32le(1), 4);
  const region = MapsRegion.of(sb.memory);
  region.get('fw_meta').update(u32le(0), meta);
  region.get('fw_hits').clear();
}

/** The eBPF program's fw_rules value. */
export function ebpfTableValue(t: RuleTable): Uint8Array {
  const v = new Uint8Array(8 + RULE_SIZE * MAX_RULES);
  v.set(u32le(t.count), 0);
  v.set(u32le(1), 4);
  v.set(t.records, 8);
  return v;
}

/**
 * `n` rules of which the first n-1 match nothing in the traffic (any family,
 * source /32 in 198.51.100.0/24, so every rule costs a prefix comparison)
 * and the last passes everything: each packet walks the whole table.
 */
export function walkAllRules(n: number): RuleTable {
  if (n < 1 || n > MAX_RULES) throw new Error(`1..${MAX_RULES} rules`);
  const records = new Uint8Array(RULE_SIZE * MAX_RULES);
  for (let i = 0; i < n; i++) {
    const r = records.subarray(i * RULE_SIZE, (i + 1) * RULE_SIZE);
    const last = i === n - 1;
    r[0] = last ? 2 : 1;                 // PASS : DROP
    r[10] = r[11] = r[14] = r[15] = 0xff; // port ranges 0-65535
    if (!last) { r[3] = 32; r.set([198, 51, 100, i], 16); }
  }
  return { records, count: n };
}
