// examples/dns-guard in plain JavaScript: the same checks in the same order,
// names read with the same compression rules (examples/dns-guard/dns.ts) into
// a reused buffer, the same whole-label, case-insensitive blocklist.
import { DROP, L4_UDP, PASS, be16, counters, parseL4, pkt } from './packet.js';

const NAME_MAX = 255;
const name = new Uint8Array(NAME_MAX + 1), starts = new Uint8Array(128);
let nameLen = 0, labelCount = 0;

function wire(dotted: string): Uint8Array {
  const out: number[] = [];
  for (const l of dotted.split('.')) out.push(l.length, ...Buffer.from(l.toLowerCase(), 'latin1'));
  out.push(0);
  return Uint8Array.from(out);
}
const BLOCKED = ['ads.example.com', 'example.net', 'doubleclick.test', 'malware.invalid'].map(wire);

function readName(b: Uint8Array, msg: number, len: number, off: number): number {
  let pos = off, lowest = off, after = -1, pointers = 0;
  nameLen = 0; labelCount = 0;
  for (;;) {
    if (pos >= len) return -1;
    const c = b[msg + pos];
    if ((c & 0xc0) === 0xc0) {
      if (pos + 1 >= len) return -1;
      const target = ((c & 0x3f) << 8) | b[msg + pos + 1];
      if (after < 0) after = pos + 2;
      if (++pointers > 16) return -1;
      if (target < 12 || target >= lowest) return -1;
      pos = lowest = target;
      continue;
    }
    if (c & 0xc0) return -1;
    if (c === 0) { name[nameLen++] = 0; return after >= 0 ? after : pos + 1; }
    if (pos + 1 + c > len) return -1;
    if (nameLen + 1 + c + 1 > NAME_MAX) return -1;
    starts[labelCount++] = nameLen;
    name[nameLen++] = c;
    for (let i = 0; i < c; i++) {
      let ch = b[msg + pos + 1 + i];
      if (ch >= 0x41 && ch <= 0x5a) ch |= 0x20;
      name[nameLen + i] = ch;
    }
    nameLen += c;
    pos += 1 + c;
  }
}

function isLabelStart(at: number): boolean {
  for (let i = 0; i < labelCount; i++) if (starts[i] === at) return true;
  return false;
}

function nameBlocked(): boolean {
  for (const e of BLOCKED) {
    if (e.length > nameLen) continue;
    const at = nameLen - e.length;
    let same = true;
    for (let i = 0; i < e.length; i++) if (name[at + i] !== e[i]) { same = false; break; }
    if (same && isLabelStart(at)) return true;
  }
  return false;
}

function dropAs(c: number): number { counters[c]++; return DROP; }

export function dnsGuard(b: Uint8Array, o: number, len: number): number {
  parseL4(b, o, len);
  if (pkt.l4kind !== L4_UDP || be16(b, o + pkt.l4off + 2) !== 53) return PASS;
  if (pkt.frag) return dropAs(3);
  const msg = o + pkt.payOff, mlen = pkt.payLen;
  if (mlen < 12) return dropAs(2);
  const flags = be16(b, msg + 2);
  if ((flags & 0x8000) !== 0 || ((flags >> 11) & 0xf) !== 0) return PASS;
  const questions = be16(b, msg + 4);
  if (questions === 0 || questions > 4) return dropAs(2);
  let off = 12;
  for (let q = 0; q < questions; q++) {
    const end = readName(b, msg, mlen, off);
    if (end < 0) return dropAs(2);
    if (end + 4 > mlen) return dropAs(2);
    if (be16(b, msg + end) === 255) return dropAs(1);
    if (nameBlocked()) return dropAs(0);
    off = end + 4;
  }
  counters[4]++;
  return PASS;
}
