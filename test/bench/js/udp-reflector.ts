// examples/udp-reflector in plain JavaScript: the same checks (UDP to 7, not
// from 7, not a fragment, valid IPv4 header and UDP checksums) and the same
// in-place swap of MACs, addresses and ports.
import { L3_IPV4, L4_UDP, PASS, TX, be16, counters, parseL4, pkt } from './packet.js';

// Ones'-complement sum of big-endian 16-bit words, folded to 16 bits.
function csum(b: Uint8Array, p: number, len: number, init: number): number {
  let s = init, i = 0;
  for (; i + 1 < len; i += 2) s += (b[p + i] << 8) | b[p + i + 1];
  if (i < len) s += b[p + i] << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

function swap(b: Uint8Array, x: number, y: number, n: number): void {
  for (let i = 0; i < n; i++) { const t = b[x + i]; b[x + i] = b[y + i]; b[y + i] = t; }
}

export function udpReflector(b: Uint8Array, o: number, len: number): number {
  parseL4(b, o, len);
  if (pkt.l4kind !== L4_UDP || pkt.frag) return PASS;
  const u = o + pkt.l4off;
  if (be16(b, u + 2) !== 7 || be16(b, u) === 7) return PASS;
  const ulen = be16(b, u + 4), ip = o + pkt.l3off, v4 = pkt.l3kind === L3_IPV4;
  let ok: boolean;
  if (v4) {
    ok = csum(b, ip, (b[ip] & 15) << 2, 0) === 0xffff;
    if (ok && be16(b, u + 6) !== 0) {
      const pseudo = csum(b, ip + 12, 8, 17 + ulen);
      ok = csum(b, u, ulen, pseudo) === 0xffff;
    }
  } else {
    ok = be16(b, u + 6) !== 0;
    if (ok) {
      let pseudo = csum(b, ip + 8, 16, 17 + ulen);
      pseudo = csum(b, o + pkt.pseudoDst, 16, pseudo);
      ok = csum(b, u, ulen, pseudo) === 0xffff;
    }
  }
  if (!ok) { counters[1]++; return PASS; }
  swap(b, o, o + 6, 6);
  if (v4) swap(b, ip + 12, ip + 16, 4); else swap(b, ip + 8, ip + 24, 16);
  swap(b, u, u + 2, 2);
  counters[0]++;
  return TX;
}
