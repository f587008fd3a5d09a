// The pcapng option list (code u16, length u16, value padded to 4 bytes), shared
// by every block type. Only what wasmxdp uses is decoded; the rest is skipped.

import { CaptureFormatError, HINT_CORRUPT } from './format-error.js';

export interface RawOption { code: number; offset: number; length: number }

/** Walks the options in [start, end) of `v`, which starts at file offset `base`; the callback gets each option but opt_endofopt. */
export function forEachOption(
  name: string, v: DataView, le: boolean, start: number, end: number, fn: (o: RawOption) => void, base = 0,
): void {
  let off = start;
  // A trailing run shorter than an option header is padding, not an option.
  while (end - off >= 4) {
    const code = v.getUint16(off, le);
    const length = v.getUint16(off + 2, le);
    if (code === 0) return;
    if (length > end - off - 4) {
      throw new CaptureFormatError(name, base + off, `option ${code}`, `claims ${length} bytes, beyond the end of its block (${end - off - 4} left)`, HINT_CORRUPT);
    }
    fn({ code, offset: off + 4, length });
    off += 4 + ((length + 3) & ~3);
  }
}

const utf8 = new TextDecoder('utf-8');

export function optionText(bytes: Uint8Array, o: RawOption): string {
  return utf8.decode(bytes.subarray(o.offset, o.offset + o.length));
}
