// Every defect found in a capture file becomes one of these: a WasmxdpError
// E_CAPTURE_FORMAT whose message names the file, the structure and its byte
// offset, what is wrong and what to do, e.g.
//   mix.pcap: record at offset 1234 claims 70000 bytes, beyond the end of the
//   file (88 left); truncated capture? ...
// The offset is also kept as a number so callers and tests need not parse it.

import { WasmxdpError } from '../../host/errors.js';

export class CaptureFormatError extends WasmxdpError {
  readonly offset: number;
  constructor(name: string, offset: number, subject: string, problem: string, hint: string) {
    super('E_CAPTURE_FORMAT', `${name}: ${subject} at offset ${offset} ${problem}; ${hint}`);
    this.offset = offset;
  }
}

export const HINT_TRUNCATED = 'truncated capture? re-capture, or cut it at the last good record with `editcap -r <file> <out> 1-<n>`';
export const HINT_CORRUPT = 'corrupt capture? check it with `capinfos`, or re-save it with `editcap`';
