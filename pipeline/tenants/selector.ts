// A traffic selector: which frames of a port a tenant owns. Every field but
// `port` is optional and all given fields must match; the first selector that
// matches, in config order (tenants in order, each tenant's match[] in order),
// names the frame's tenant. The kernel-side classifier (XDP program) and the
// TS classifier (classifier.ts, for offline runs) implement these semantics.

import { WasmxdpError } from '../../host/errors.js';

export const PROTOCOLS = { icmp: 1, tcp: 6, udp: 17, icmpv6: 58 } as const;
export type ProtocolName = keyof typeof PROTOCOLS;

export interface Prefix {
  family: 4 | 6;
  /** Network address, 4 or 16 bytes, host bits cleared. */
  addr: Uint8Array;
  len: number;
  text: string;
}

export interface Selector {
  port: string;
  dst?: Prefix;
  /** VLAN id of the outermost 802.1Q/802.1ad tag. */
  vlan?: number;
  /** IP protocol number (IPv4 protocol, IPv6 next header). */
  proto?: number;
  /** Destination port; only with proto tcp or udp. */
  dport?: number;
}

function fail(key: string, msg: string): never {
  throw new WasmxdpError('E_CONFIG', `${key}: ${msg}`);
}

function parseIPv4(s: string): Uint8Array | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^\d{1,3}$/.test(parts[i]) || Number(parts[i]) > 255) return null;
    out[i] = Number(parts[i]);
  }
  return out;
}

function parseIPv6(s: string): Uint8Array | null {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return null;
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const words = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    for (const w of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(w)) return null;
      out.push(parseInt(w, 16));
    }
    return out;
  };
  const head = words(halves[0]);
  const tail = halves.length === 2 ? words(halves[1]) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...new Array(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((w, i) => { out[2 * i] = w >> 8; out[2 * i + 1] = w & 0xff; });
  return out;
}

/** Parses `a.b.c.d/n` or `x:y::z/n` (a bare address is a host prefix). */
export function parsePrefix(text: string, key: string): Prefix {
  const [a, l, extra] = text.split('/');
  if (extra !== undefined) fail(key, `must be an address/prefix-length, got ${JSON.stringify(text)}`);
  const v4 = parseIPv4(a);
  const addr = v4 ?? parseIPv6(a);
  if (!addr) fail(key, `${JSON.stringify(a)} is not an IPv4 or IPv6 address`);
  const max = addr.length * 8;
  const len = l === undefined ? max : Number(l);
  if (!/^\d+$/.test(l ?? String(max)) || len > max) fail(key, `prefix length must be 0 to ${max}, got ${JSON.stringify(l)}`);
  for (let bit = len; bit < max; bit++) {
    if (addr[bit >> 3] & (0x80 >> (bit & 7))) fail(key, `${text} has host bits set; write the network address`);
  }
  return { family: v4 ? 4 : 6, addr, len, text };
}

type Obj = Record<string, unknown>;

/** Validates one match[] entry; `ports` are the config's port names. */
export function parseSelector(v: unknown, key: string, ports: string[]): Selector {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(key, `must be an object, got ${JSON.stringify(v)}`);
  const o = v as Obj;
  const allowed = ['port', 'dst', 'vlan', 'proto', 'dport'];
  for (const k of Object.keys(o)) if (!allowed.includes(k)) fail(`${key}.${k}`, `unknown key; expected one of ${allowed.join(', ')}`);
  if (typeof o.port !== 'string' || !ports.includes(o.port)) fail(`${key}.port`, `must name a port of this config (${ports.join(', ')}), got ${JSON.stringify(o.port)}`);
  const sel: Selector = { port: o.port };
  if (o.dst !== undefined) {
    if (typeof o.dst !== 'string') fail(`${key}.dst`, `must be a prefix like "198.51.100.0/24", got ${JSON.stringify(o.dst)}`);
    sel.dst = parsePrefix(o.dst, `${key}.dst`);
  }
  if (o.vlan !== undefined) {
    if (typeof o.vlan !== 'number' || !Number.isInteger(o.vlan) || o.vlan < 1 || o.vlan > 4094) fail(`${key}.vlan`, `must be a VLAN id from 1 to 4094, got ${JSON.stringify(o.vlan)}`);
    sel.vlan = o.vlan;
  }
  if (o.proto !== undefined) {
    if (typeof o.proto === 'string' && o.proto in PROTOCOLS) sel.proto = PROTOCOLS[o.proto as ProtocolName];
    else if (typeof o.proto === 'number' && Number.isInteger(o.proto) && o.proto >= 0 && o.proto <= 255) sel.proto = o.proto;
    else fail(`${key}.proto`, `must be one of ${Object.keys(PROTOCOLS).join(', ')} or a protocol number 0-255, got ${JSON.stringify(o.proto)}`);
  }
  if (o.dport !== undefined) {
    if (sel.proto !== PROTOCOLS.tcp && sel.proto !== PROTOCOLS.udp) fail(`${key}.dport`, 'needs proto "tcp" or "udp"');
    if (typeof o.dport !== 'number' || !Number.isInteger(o.dport) || o.dport < 0 || o.dport > 65535) fail(`${key}.dport`, `must be a port number 0-65535, got ${JSON.stringify(o.dport)}`);
    sel.dport = o.dport;
  }
  if (sel.dst === undefined && sel.vlan === undefined && sel.proto === undefined) fail(key, 'needs at least one of dst, vlan, proto: a selector with only a port would take all its traffic');
  return sel;
}
