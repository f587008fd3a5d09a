// Reads DNS names out of a message without trusting it (RFC 1035 4.1.4).
// The name is copied, lowercased, in wire format (length-prefixed labels,
// root label last) into a static buffer, so comparing names is comparing
// bytes and nothing is allocated.
//
// Compression pointers are followed, but each one must jump to before every
// byte read so far for this name, which makes a loop impossible, and at most
// MAX_POINTERS are followed. Anything that would read outside the message, a
// label type other than plain or pointer, a pointer into the 12-byte header
// or a name longer than 255 bytes makes the name malformed.

import { load16be } from "wasmxdp";

export const DNS_HEADER_LEN: u32 = 12;
export const NAME_MAX: u32 = 255;
export const MAX_POINTERS: u32 = 16;

/** The last name read, wire format, lowercase; `nameLen` bytes long. */
export const NAME: usize = memory.data(<i32>NAME_MAX + 1);
export let nameLen: u32 = 0;
// Offsets in NAME where each label starts; a name has at most 127 labels.
const LABEL_STARTS: usize = memory.data(128);
export let labelCount: u32 = 0;

/**
 * Reads the name at offset `off` of the `len`-byte message at `msg`. Returns
 * the offset just past the name in the message (where QTYPE follows), or -1
 * when the name is malformed.
 */
export function readName(msg: usize, len: u32, off: u32): i32 {
  let pos = off;
  let lowest = off;
  let after: i32 = -1;
  let pointers: u32 = 0;
  nameLen = 0;
  labelCount = 0;
  while (true) {
    if (pos >= len) return -1;
    const b = <u32>load<u8>(msg + pos);
    if ((b & 0xc0) == 0xc0) {
      if (pos + 1 >= len) return -1;
      const target = ((b & 0x3f) << 8) | <u32>load<u8>(msg + pos + 1);
      if (after < 0) after = <i32>(pos + 2);
      if (++pointers > MAX_POINTERS) return -1;
      if (target < DNS_HEADER_LEN || target >= lowest) return -1;
      pos = target;
      lowest = target;
      continue;
    }
    // 0x40 and 0x80 are extended / reserved label types: not in a query.
    if (b & 0xc0) return -1;
    if (b == 0) {
      store<u8>(NAME + nameLen, 0);
      nameLen++;
      return after >= 0 ? after : <i32>(pos + 1);
    }
    if (pos + 1 + b > len) return -1;
    if (nameLen + 1 + b + 1 > NAME_MAX) return -1;
    store<u8>(LABEL_STARTS + labelCount, <u8>nameLen);
    labelCount++;
    store<u8>(NAME + nameLen, <u8>b);
    nameLen++;
    const src = msg + pos + 1;
    for (let i: u32 = 0; i < b; i++) {
      let c = load<u8>(src + i);
      if (c >= 0x41 && c <= 0x5a) c |= 0x20;
      store<u8>(NAME + nameLen + i, c);
    }
    nameLen += b;
    pos += 1 + b;
  }
  return -1;
}

/** True when `NAME[at ..]` begins a label (so a suffix from there is a whole domain). */
export function isLabelStart(at: u32): bool {
  for (let i: u32 = 0; i < labelCount; i++) {
    if (<u32>load<u8>(LABEL_STARTS + i) == at) return true;
  }
  return false;
}

/** QTYPE of the question whose name ends at `end`, or -1 when the message ends first. */
export function qtypeAt(msg: usize, len: u32, end: u32): i32 {
  if (end + 4 > len) return -1;
  return <i32>load16be(msg + end);
}
