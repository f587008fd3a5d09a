// Tenant classification and packet-rate quotas in the device's XDP program
// (issue 9, kernel side). Everything is validated and compiled here; the addon
// only writes maps (native/src/tenant_maps.cc, layout in native/bpf/tenant.h).
//
// A selector rule's index in the list is its priority: a frame belongs to the
// tenant of the first rule (in list order) that matches it, else to tenant 0
// (TENANT_OPERATOR: the port's own chain only). Selectors and quotas belong to
// a device: every port set of the process that has a port on it sees them.
import net from 'node:net';
import { WasmxdpError } from '../host/errors.js';
import { loadNative } from './load.js';
import type { XskPortSet } from './xsk.js';

/** The tenant of frames no rule matches. */
export const TENANT_OPERATOR = 0;

export type ProtoName = 'udp' | 'tcp' | 'icmp' | 'icmpv6' | 'sctp';

/** One selector rule; every field given must match (AND). */
export interface TenantSelector {
  /** Tenant id, 0 .. maxTenants-1 (0: carve frames out for the operator). */
  tenant: number;
  /** Destination prefix 'a.b.c.d/len' or 'v6::/len'; a bare address means /32 or /128. */
  dst?: string;
  /** VLAN id of the outer 802.1Q/802.1ad tag, 1-4094. */
  vlan?: number;
  /** VLAN id of the second tag (QinQ), 1-4094. */
  innerVlan?: number;
  /** IP protocol (IPv6: the header after extension headers): a name or 0-255. */
  proto?: ProtoName | number;
  /** Destination port or inclusive [low, high] range (TCP, UDP, SCTP, UDP-Lite). */
  dport?: number | readonly [number, number];
}

/** A tenant's packet-rate quota, enforced in the XDP program. */
export interface TenantQuota {
  tenant: number;
  /** Frames per second, 1 .. 1e9. */
  pps: number;
  /** Frames allowed at once after an idle period; default ceil(pps / 10) (100 ms worth). */
  burst?: number;
}

/** Kernel counters of one tenant on one device (frames, since the program was attached). */
export interface TenantCounters {
  tenant: number;
  /** Frames classified to the tenant (tenant 0: frames no rule matched). */
  matched: number;
  /** Redirected to the AF_XDP socket of their queue. */
  toUser: number;
  /** Dropped in the kernel (XDP_DROP) by the tenant's quota. */
  overQuota: number;
  /** Within quota, but no socket on their queue: passed to the kernel stack. */
  noSocket: number;
}

export interface TenantLimits {
  maxTenants: number; maxRules: number; maxCandidates: number; maxPrefixes: number;
  flagVlan: number; flagInnerVlan: number; flagProto: number; flagDport: number; statFields: number;
}

/** A bad selector or quota: `field` names it, e.g. "rules[2].dst". */
export class TenantConfigError extends WasmxdpError {
  readonly field: string;
  constructor(field: string, message: string) {
    super('E_CONFIG', `${field}: ${message}`);
    this.field = field;
  }
}

/** The limits compiled into the XDP program (native/bpf/tenant.h). */
export function tenantLimits(): TenantLimits {
  return loadNative().tenantLimits;
}

const PROTOS: Record<ProtoName, number> = { icmp: 1, tcp: 6, udp: 17, icmpv6: 58, sctp: 132 };
const PORT_PROTOS = new Set([6, 17, 132, 136]);

// ---- compiled form, as the addon takes it ---------------------------------

export interface CompiledRule {
  tenant: number; flags: number; vlan: number; innerVlan: number; proto: number; dportLo: number; dportHi: number;
}
export interface CompiledPrefix { family: 4 | 6; prefixlen: number; addr: Uint8Array; cands: number[] }
export interface CompiledVlan { vid: number; cands: number[] }
export interface CompiledSelectors { rules: CompiledRule[]; prefixes: CompiledPrefix[]; vlans: CompiledVlan[]; any: number[] }

function int(v: unknown, lo: number, hi: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
}

function parseAddr(s: string): { family: 4 | 6; bytes: Uint8Array } | null {
  if (net.isIPv4(s)) return { family: 4, bytes: Uint8Array.from(s.split('.').map(Number)) };
  if (!net.isIPv6(s) || s.includes('%')) return null;
  let text = s;
  const bytes = new Uint8Array(16);
  const v4tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4tail) {
    const b = v4tail[1].split('.').map(Number);
    text = text.slice(0, -v4tail[1].length) + `${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  groups.forEach((g, i) => { const v = parseInt(g, 16); bytes[2 * i] = v >> 8; bytes[2 * i + 1] = v & 0xff; });
  return { family: 6, bytes };
}

function fmtPrefix(family: 4 | 6, b: Uint8Array, len: number): string {
  if (family === 4) return `${Array.from(b).join('.')}/${len}`;
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((b[i] << 8) | b[i + 1]).toString(16));
  return `${g.join(':').replace(/(^|:)0(:0)+(:|$)/, '::')}/${len}`;
}

/** Parses 'addr/len' (or a bare address) into family, network bytes and length; host bits must be zero. */
export function parsePrefix(text: unknown, field: string): { family: 4 | 6; addr: Uint8Array; prefixlen: number } {
  if (typeof text !== 'string' || text.length === 0) throw new TenantConfigError(field, `a destination prefix such as "198.51.100.0/24" or "2001:db8::/32", got ${JSON.stringify(text)}`);
  const slash = text.indexOf('/');
  const a = parseAddr(slash < 0 ? text : text.slice(0, slash));
  if (!a) throw new TenantConfigError(field, `"${text}" is not an IPv4 or IPv6 address or prefix`);
  const max = a.family === 4 ? 32 : 128;
  const lenText = slash < 0 ? String(max) : text.slice(slash + 1);
  const prefixlen = /^\d{1,3}$/.test(lenText) ? Number(lenText) : NaN;
  if (!(prefixlen >= 0 && prefixlen <= max)) throw new TenantConfigError(field, `prefix length of "${text}" must be 0-${max}`);
  const net = a.bytes.slice();
  for (let bit = prefixlen; bit < max; bit++) net[bit >> 3] &= ~(0x80 >> (bit & 7));
  if (!net.every((v, i) => v === a.bytes[i])) {
    throw new TenantConfigError(field, `"${text}" has host bits set; did you mean "${fmtPrefix(a.family, net, prefixlen)}"?`);
  }
  return { family: a.family, addr: net, prefixlen };
}

function contains(outer: CompiledPrefix, inner: CompiledPrefix): boolean {
  if (outer.family !== inner.family || outer.prefixlen > inner.prefixlen) return false;
  for (let bit = 0; bit < outer.prefixlen; bit++) {
    const m = 0x80 >> (bit & 7);
    if ((outer.addr[bit >> 3] & m) !== (inner.addr[bit >> 3] & m)) return false;
  }
  return true;
}

/**
 * Validates selector rules (list order = priority) and compiles them for the
 * XDP program: one LPM entry per distinct prefix, listing every rule whose
 * prefix contains it; rules without a prefix listed by their outer VLAN id,
 * or in the "any" list when they have no VLAN id either.
 */
export function compileSelectors(rules: readonly TenantSelector[], limits: TenantLimits = tenantLimits()): CompiledSelectors {
  if (!Array.isArray(rules)) throw new TenantConfigError('rules', 'must be an array of selector rules');
  if (rules.length > limits.maxRules) throw new TenantConfigError('rules', `${rules.length} rules; the XDP program holds at most ${limits.maxRules} per device`);
  const out: CompiledSelectors = { rules: [], prefixes: [], vlans: [], any: [] };
  const byVlan = new Map<number, number[]>();
  const rulePrefix: (CompiledPrefix | null)[] = [];
  rules.forEach((r, i) => {
    const f = `rules[${i}]`;
    if (r === null || typeof r !== 'object') throw new TenantConfigError(f, 'must be an object');
    for (const k of Object.keys(r)) {
      if (!['tenant', 'dst', 'vlan', 'innerVlan', 'proto', 'dport'].includes(k)) throw new TenantConfigError(`${f}.${k}`, 'unknown selector field (known: tenant, dst, vlan, innerVlan, proto, dport)');
    }
    if (!int(r.tenant, 0, limits.maxTenants - 1)) throw new TenantConfigError(`${f}.tenant`, `must be an integer 0-${limits.maxTenants - 1}, got ${JSON.stringify(r.tenant)}`);
    const c: CompiledRule = { tenant: r.tenant, flags: 0, vlan: 0, innerVlan: 0, proto: 0, dportLo: 0, dportHi: 0 };
    if (r.vlan !== undefined) {
      if (!int(r.vlan, 1, 4094)) throw new TenantConfigError(`${f}.vlan`, `must be a VLAN id 1-4094, got ${JSON.stringify(r.vlan)}`);
      c.flags |= limits.flagVlan; c.vlan = r.vlan;
    }
    if (r.innerVlan !== undefined) {
      if (!int(r.innerVlan, 1, 4094)) throw new TenantConfigError(`${f}.innerVlan`, `must be a VLAN id 1-4094, got ${JSON.stringify(r.innerVlan)}`);
      c.flags |= limits.flagInnerVlan; c.innerVlan = r.innerVlan;
    }
    if (r.proto !== undefined) {
      const p = typeof r.proto === 'string' ? PROTOS[r.proto.toLowerCase() as ProtoName] : r.proto;
      if (!int(p, 0, 255)) throw new TenantConfigError(`${f}.proto`, `must be udp, tcp, icmp, icmpv6, sctp or a protocol number 0-255, got ${JSON.stringify(r.proto)}`);
      c.flags |= limits.flagProto; c.proto = p;
    }
    if (r.dport !== undefined) {
      const [lo, hi] = typeof r.dport === 'number' ? [r.dport, r.dport] : Array.isArray(r.dport) && r.dport.length === 2 ? r.dport : [NaN, NaN];
      if (!int(lo, 0, 65535) || !int(hi, lo, 65535)) throw new TenantConfigError(`${f}.dport`, `must be a port 0-65535 or a range [low, high], got ${JSON.stringify(r.dport)}`);
      if ((c.flags & limits.flagProto) && !PORT_PROTOS.has(c.proto)) throw new TenantConfigError(`${f}.dport`, `protocol ${r.proto} has no ports (use udp, tcp, sctp or 136)`);
      c.flags |= limits.flagDport; c.dportLo = lo; c.dportHi = hi;
    }
    if (r.dst !== undefined) {
      const p = parsePrefix(r.dst, `${f}.dst`);
      rulePrefix.push({ ...p, cands: [] });
    } else {
      rulePrefix.push(null);
      if (c.flags & limits.flagVlan) {
        if (!byVlan.has(c.vlan)) byVlan.set(c.vlan, []);
        byVlan.get(c.vlan)!.push(i);
      } else {
        out.any.push(i);
      }
    }
    out.rules.push(c);
  });
  if (out.any.length > limits.maxCandidates) {
    throw new TenantConfigError('rules', `${out.any.length} rules without "dst" or "vlan" (rules ${out.any.join(', ')}); at most ${limits.maxCandidates} per device`);
  }
  for (const [vid, cands] of byVlan) {
    if (cands.length > limits.maxCandidates) {
      throw new TenantConfigError('rules', `${cands.length} rules without "dst" for VLAN ${vid} (rules ${cands.join(', ')}); at most ${limits.maxCandidates} per VLAN id`);
    }
    out.vlans.push({ vid, cands });
  }
  const seen = new Map<string, CompiledPrefix>();
  rulePrefix.forEach((p) => {
    if (!p) return;
    const key = `${p.family}/${p.prefixlen}/${p.addr.join('.')}`;
    if (!seen.has(key)) seen.set(key, { family: p.family, prefixlen: p.prefixlen, addr: p.addr, cands: [] });
  });
  for (const entry of seen.values()) {
    rulePrefix.forEach((p, id) => { if (p && contains(p, entry)) entry.cands.push(id); });
    if (entry.cands.length > limits.maxCandidates) {
      throw new TenantConfigError('rules', `${entry.cands.length} rules (${entry.cands.join(', ')}) cover ${fmtPrefix(entry.family, entry.addr, entry.prefixlen)}; at most ${limits.maxCandidates} per prefix`);
    }
    out.prefixes.push(entry);
  }
  for (const fam of [4, 6] as const) {
    const n = out.prefixes.filter((p) => p.family === fam).length;
    if (n > limits.maxPrefixes) throw new TenantConfigError('rules', `${n} distinct IPv${fam} prefixes; at most ${limits.maxPrefixes} per device`);
  }
  return out;
}

/** Validates quotas and compiles them to GCRA parameters indexed by tenant id (0 = unlimited). */
export function compileQuotas(quotas: readonly TenantQuota[], limits: TenantLimits = tenantLimits()): { intervalNs: Float64Array; tauNs: Float64Array } {
  if (!Array.isArray(quotas)) throw new TenantConfigError('quotas', 'must be an array of { tenant, pps, burst? }');
  const intervalNs = new Float64Array(limits.maxTenants), tauNs = new Float64Array(limits.maxTenants);
  const seen = new Set<number>();
  quotas.forEach((q, i) => {
    const f = `quotas[${i}]`;
    if (q === null || typeof q !== 'object') throw new TenantConfigError(f, 'must be an object { tenant, pps, burst? }');
    if (!int(q.tenant, 0, limits.maxTenants - 1)) throw new TenantConfigError(`${f}.tenant`, `must be an integer 0-${limits.maxTenants - 1}, got ${JSON.stringify(q.tenant)}`);
    if (seen.has(q.tenant)) throw new TenantConfigError(`${f}.tenant`, `tenant ${q.tenant} has a quota already`);
    seen.add(q.tenant);
    if (!int(q.pps, 1, 1e9)) throw new TenantConfigError(`${f}.pps`, `must be an integer 1-1000000000 frames per second, got ${JSON.stringify(q.pps)}`);
    const burst = q.burst ?? Math.max(1, Math.ceil(q.pps / 10));
    if (!int(burst, 1, 1e9)) throw new TenantConfigError(`${f}.burst`, `must be an integer 1-1000000000 frames, got ${JSON.stringify(q.burst)}`);
    const interval = Math.max(1, Math.round(1e9 / q.pps));
    intervalNs[q.tenant] = interval;
    tauNs[q.tenant] = interval * burst;
  });
  return { intervalNs, tauNs };
}

/** Replaces the selectors of port's device (atomically: frames see the old or the new set). */
export function setTenantSelectors(set: XskPortSet, port: number, rules: readonly TenantSelector[]): void {
  set.setTenantSelectors(port, rules);
}

/** Replaces the quotas of port's device; tenants not listed are unlimited. Unchanged buckets keep their state. */
export function setTenantQuotas(set: XskPortSet, port: number, quotas: readonly TenantQuota[]): void {
  set.setTenantQuotas(port, quotas);
}

/** Kernel counters of port's device, for every tenant with a non-zero counter, by tenant id. */
export function readTenantCounters(set: XskPortSet, port: number): TenantCounters[] {
  return set.tenantCounters(port);
}

/** Decodes the addon's flat tenant stats (maxTenants x statFields). */
export function decodeTenantStats(v: Float64Array, fields: number): TenantCounters[] {
  const out: TenantCounters[] = [];
  for (let t = 0; t * fields < v.length; t++) {
    const o = t * fields;
    if (v[o] || v[o + 1] || v[o + 2] || v[o + 3]) out.push({ tenant: t, matched: v[o], toUser: v[o + 1], overQuota: v[o + 2], noSocket: v[o + 3] });
  }
  return out;
}
