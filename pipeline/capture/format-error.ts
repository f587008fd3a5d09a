// Every defect found in a capture file becomes one of these: a WasmxdpError
// E_CAPTURE_FORMAT whose message names the file, the byte offset and what to do,
// with the offset also kept as a number so callers and tests need not parse it.

import { WasmxdpError } from '../../host/errors.js';

export class CaptureFormatError extends WasmxdpError {
  readonly offset: number;
  constructor(name: string, offset: number, what: string, hint: string) {
    super('E_CAPTURE_FORMAT', `${name}: ${what} at offset ${offset}${hint ? ` (${hint})` : ''}`);
    this.offset = offset;
  }
}

export const HINT_TRUNCATED = 'truncated capture? re-capture, or cut it at the last good record with `editcap -r <file> <out> 1-<n>`';
export const HINT_CORRUPT = 'corrupt capture? check it with `capinfos`, or re-save it with `editcap`';
