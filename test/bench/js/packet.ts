// Plain-JavaScript packet parsing for the benchmark's JS twins of the
// examples: the guest SDK's Packet rules (guest-sdk/packet.ts) over a Buffer,
// eager like the eBPF twins (test/bench/bpf/parse.h). One reused state object,
// so parsing allocates nothing, as a performance-minded Node author would write.

export const L3_NONE = 0, L3_IPV4 = 1, L3_IPV6 = 2, L3_ARP = 3;
export const L4_NONE = 0, L4_TCP = 1, L4_UDP = 2, L4_ICMP = 3, L4_ICMP6 = 4;

export interface Parsed {
  len: number; l3off: number; type: number; l3kind: number; l4kind: number;
  proto: number; l4off: number; l3end: number; frag: boolean; fragMore: boolean; fragOff: number;
  payOff: number; payLen: number; pseudoDst: number;
}

/** The state every parse overwrites; offsets are from the frame's first byte. */
export const pkt: Parsed = {
  len: 0, l3off: 0, type: 0, l3kind: 0, l4kind: 0, proto: -1, l4off: 0, l3end: 0,
  frag: false, fragMore: false, fragOff: 0, payOff: 0, payLen: 0, pseudoDst: 0,
};

export const be16 = (b: Uint8Array, i: number): number => (b[i] << 8) | b[i + 1];
export const be32 = (b: Uint8Array, i: number): number => ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;

function parseL2(b: Uint8Array, o: number, len: number): void {
  pkt.len = len; pkt.type = 0; pkt.l3off = 0;
  if (len < 14) return;
  let off = 12, t = be16(b, o + off), n = 0;
  while (t === 0x8100 || t === 0x88a8 || t === 0x9100) {
    if (n === 4 || off + 4 + 2 > len) return;
    off += 4; n++; t = be16(b, o + off);
  }
  pkt.type = t; pkt.l3off = off + 2;
}

function walkIpv6(b: Uint8Array, o: number, nh: number, off: number): void {
  const end = pkt.l3end;
  for (let i = 0; i <= 8; i++) {
    let hl: number;
    if (nh === 0 || nh === 43 || nh === 60) {
      if (off + 8 > end) return;
      hl = (b[o + off + 1] + 1) << 3;
      if (off + hl > end) return;
      if (nh === 43 && b[o + off + 3] !== 0 && hl >= 24) {
        const rt = b[o + off + 2];
        if (rt === 0 || rt === 2) pkt.pseudoDst = off + hl - 16;
        else if (rt === 4) pkt.pseudoDst = off + 8;
      }
    } else if (nh === 44) {
      if (off + 8 > end) return;
      hl = 8;
      const w = be16(b, o + off + 2);
      pkt.fragOff = w & 0xfff8; pkt.fragMore = (w & 1) !== 0;
      pkt.frag = pkt.fragOff !== 0 || pkt.fragMore;
    } else if (nh === 51) {
      if (off + 8 > end) return;
      hl = (b[o + off + 1] + 2) << 2;
      if (off + hl > end) return;
    } else {
      pkt.proto = nh; pkt.l4off = off;
      return;
    }
    nh = b[o + off];
    off += hl;
  }
}

/** Layers 2 and 3 of the frame of `len` bytes at b[o]. */
export function parseL3(b: Uint8Array, o: number, len: number): void {
  parseL2(b, o, len);
  pkt.l3kind = L3_NONE; pkt.proto = -1; pkt.l3end = 0; pkt.l4off = 0;
  pkt.frag = false; pkt.fragMore = false; pkt.fragOff = 0;
  const off = pkt.l3off;
  if (off === 0) return;
  const avail = len - off, p = o + off;
  if (pkt.type === 0x0800) {
    if (avail < 20 || (b[p] >> 4) !== 4) return;
    const hl = (b[p] & 15) << 2, total = be16(b, p + 2);
    if (hl < 20 || hl > avail || total < hl || total > avail) return;
    pkt.l3kind = L3_IPV4; pkt.l3end = off + total; pkt.proto = b[p + 9]; pkt.l4off = off + hl;
    const f = be16(b, p + 6);
    if (f & 0x3fff) { pkt.frag = true; pkt.fragMore = (f & 0x2000) !== 0; pkt.fragOff = (f & 0x1fff) << 3; }
  } else if (pkt.type === 0x86dd) {
    if (avail < 40 || (b[p] >> 4) !== 6) return;
    const plen = be16(b, p + 4);
    if (plen > avail - 40) return;
    pkt.l3kind = L3_IPV6; pkt.l3end = off + 40 + plen; pkt.pseudoDst = off + 24;
    walkIpv6(b, o, b[p + 6], off + 40);
  } else if (pkt.type === 0x0806) {
    if (avail < 28) return;
    if (be16(b, p) !== 1 || be16(b, p + 2) !== 0x0800 || b[p + 4] !== 6 || b[p + 5] !== 4) return;
    pkt.l3kind = L3_ARP; pkt.l3end = off + 28;
  }
}

/** Layers 2 to 4. */
export function parseL4(b: Uint8Array, o: number, len: number): void {
  parseL3(b, o, len);
  pkt.l4kind = L4_NONE; pkt.payOff = 0; pkt.payLen = 0;
  if (pkt.proto < 0 || pkt.fragOff !== 0) return;
  const off = pkt.l4off, avail = pkt.l3end - off, p = o + off;
  let hl = 0, plen = 0, kind = L4_NONE;
  if (pkt.proto === 6) {
    if (avail < 20) return;
    hl = (b[p + 12] >> 4) << 2;
    if (hl < 20 || hl > avail) return;
    kind = L4_TCP; plen = avail - hl;
  } else if (pkt.proto === 17) {
    if (avail < 8) return;
    hl = 8;
    const ulen = be16(b, p + 4);
    if (pkt.fragMore) plen = avail - hl;
    else {
      if (ulen < 8 || ulen > avail) return;
      plen = ulen - hl;
    }
    kind = L4_UDP;
  } else if ((pkt.proto === 1 && pkt.l3kind === L3_IPV4) || (pkt.proto === 58 && pkt.l3kind === L3_IPV6)) {
    if (avail < 8) return;
    hl = 8; kind = pkt.proto === 1 ? L4_ICMP : L4_ICMP6; plen = avail - hl;
  } else {
    plen = avail;
  }
  pkt.l4kind = kind; pkt.payOff = off + hl; pkt.payLen = plen;
}

/** XDP verdict numbers, as the wasm handlers and eBPF programs return them. */
export const ABORTED = 0, DROP = 1, PASS = 2, TX = 3;

/** A JS twin: judges the frame of `len` bytes at b[o] (may rewrite it in place). */
export type JsHandler = (b: Uint8Array, o: number, len: number, nowNs: number) => number;

/** The control-block counters of a wasm guest, as plain numbers. */
export const counters = new Float64Array(1024);
