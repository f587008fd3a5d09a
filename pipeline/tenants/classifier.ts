// The user-space twin of the XDP program's classifier: picks a frame's tenant
// from the selectors of one port (selector.ts semantics, first match in config
// order). Offline runs (captures, in-memory ports) use it; live frames carry
// the id the kernel computed. Allocation-free per frame.

import type { TenantConfig } from './config.js';
import { PROTOCOLS, Selector } from './selector.js';

/** Tenant id of a frame no selector matched: only the port's own chain runs. */
export const NO_TENANT = 0;

interface Rule { tenant: number; sel: Selector }

export class TenantClassifier {
  private readonly rules: Rule[];

  /** The rules of `port`, in config order. */
  constructor(tenants: TenantConfig[], port: string) {
    this.rules = [];
    for (const t of tenants) for (const sel of t.match) if (sel.port === port) this.rules.push({ tenant: t.id, sel });
  }

  get empty(): boolean { return this.rules.length === 0; }

  /** The tenant id of the frame in bytes[off, off + len). */
  classify(bytes: Uint8Array, off: number, len: number): number {
    if (this.rules.length === 0 || len < 14) return NO_TENANT;
    const end = off + len;
    let p = off + 12;
    let type = (bytes[p] << 8) | bytes[p + 1];
    let vlan = -1;
    // 802.1Q / 802.1ad tags: the outermost id is the frame's VLAN.
    while ((type === 0x8100 || type === 0x88a8) && p + 6 <= end) {
      if (vlan < 0) vlan = ((bytes[p + 2] << 8) | bytes[p + 3]) & 0x0fff;
      p += 4;
      type = (bytes[p] << 8) | bytes[p + 1];
    }
    p += 2;
    let family = 0, dstAt = 0, proto = -1, l4 = -1;
    // Like the XDP program: no version check, an IPv4 header shorter than 20 bytes is not IP.
    if (type === 0x0800 && p + 20 <= end && (bytes[p] & 0x0f) >= 5) {
      family = 4;
      dstAt = p + 16;
      proto = bytes[p + 9];
      const fragOffset = ((bytes[p + 6] & 0x1f) << 8) | bytes[p + 7];
      if (fragOffset === 0) l4 = p + (bytes[p] & 0x0f) * 4;
    } else if (type === 0x86dd && p + 40 <= end) {
      family = 6;
      dstAt = p + 24;
      let nh = bytes[p + 6];
      let x = p + 40;
      let walked = true;
      // Up to 4 extension headers (hop-by-hop, routing, fragment, destination options, AH), as the XDP program walks them.
      for (let i = 0; i < 4 && (nh === 0 || nh === 43 || nh === 44 || nh === 60 || nh === 51); i++) {
        if (x + 8 > end) { nh = -1; walked = false; break; }
        const next = bytes[x];
        if (nh === 44 && (((bytes[x + 2] << 8) | bytes[x + 3]) & 0xfff8) !== 0) { nh = next; walked = false; break; } // a later fragment: no L4 header
        x += nh === 44 ? 8 : nh === 51 ? (bytes[x + 1] + 2) * 4 : (bytes[x + 1] + 1) * 8;
        nh = next;
      }
      proto = nh;
      if (walked) l4 = x;
    }
    const dport = l4 >= 0 && l4 + 4 <= end && (proto === PROTOCOLS.tcp || proto === PROTOCOLS.udp) ? (bytes[l4 + 2] << 8) | bytes[l4 + 3] : -1;
    for (let i = 0; i < this.rules.length; i++) {
      const s = this.rules[i].sel;
      if (s.vlan !== undefined && s.vlan !== vlan) continue;
      if (s.proto !== undefined && s.proto !== proto) continue;
      if (s.dport !== undefined && s.dport !== dport) continue;
      if (s.dst !== undefined && (s.dst.family !== family || !prefixMatch(s.dst.addr, s.dst.len, bytes, dstAt))) continue;
      return this.rules[i].tenant;
    }
    return NO_TENANT;
  }
}

function prefixMatch(net: Uint8Array, len: number, bytes: Uint8Array, at: number): boolean {
  const full = len >> 3;
  for (let i = 0; i < full; i++) if (bytes[at + i] !== net[i]) return false;
  const rest = len & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (bytes[at + full] & mask) === net[full];
}
