// The compiled-in blocklist. A listed name blocks itself and every name below
// it: "example.net" blocks "example.net" and "tracker.example.net", but not
// "badexample.net" (matching is on whole labels, case-insensitive). Entries
// are encoded once at module start into static memory, in the same wire
// format dns.ts reads names into.

import { NAME, nameLen, isLabelStart } from "./dns";

const TABLE_SIZE: u32 = 4096;
// Entries back to back: one length byte, then the wire-format name.
const TABLE: usize = memory.data(<i32>TABLE_SIZE);
let tableUsed: u32 = 0;
export let blockedCount: u32 = 0;

/** Adds `name` (dotted text, ASCII) to the blocklist. */
function block(name: string): void {
  const n = <u32>name.length;
  // Wire length: one byte per label plus the characters minus the dots, plus the root.
  if (tableUsed + n + 3 > TABLE_SIZE) abort("dns-guard: blocklist table full");
  const entry = TABLE + tableUsed;
  let w: u32 = 1;
  let labelAt = w;
  w++;
  for (let i: u32 = 0; i < n; i++) {
    let c = <u32>name.charCodeAt(<i32>i);
    if (c == 0x2e) {
      store<u8>(entry + labelAt, <u8>(w - labelAt - 1));
      labelAt = w;
      w++;
      continue;
    }
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    store<u8>(entry + w, <u8>c);
    w++;
  }
  store<u8>(entry + labelAt, <u8>(w - labelAt - 1));
  store<u8>(entry + w, 0);
  w++;
  store<u8>(entry, <u8>(w - 1));
  tableUsed += w;
  blockedCount++;
}

block("ads.example.com");
block("example.net");
block("doubleclick.test");
block("malware.invalid");

/** True when the name last read by readName is a listed name or below one. */
export function nameBlocked(): bool {
  let p = TABLE;
  const end = TABLE + tableUsed;
  while (p < end) {
    const elen = <u32>load<u8>(p);
    if (elen <= nameLen) {
      const at = nameLen - elen;
      if (memory.compare(NAME + at, p + 1, elen) == 0 && isLabelStart(at)) return true;
    }
    p += 1 + elen;
  }
  return false;
}
