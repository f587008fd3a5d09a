// A capture cut short is read up to the cut, and the cut is reported (not thrown).

import * as assert from 'uvu/assert';
import { CaptureFormatError, readCapture } from '../../../pipeline/capture/index.js';

/** Reads `bytes` whole; expects `packets` packets and a truncation at `offset` matching `pattern`. */
export function expectCut(name: string, bytes: Uint8Array, offset: number, pattern: RegExp, packets?: number): CaptureFormatError {
  const cap = readCapture(bytes, { name });
  const n = Array.from(cap).length;
  const err = cap.truncation;
  assert.instance(err, CaptureFormatError, 'the cut is reported');
  assert.is(err!.code, 'E_CAPTURE_FORMAT');
  assert.is(err!.offset, offset, err!.message);
  assert.ok(err!.message.startsWith(`${name}: `) && err!.message.includes(`offset ${offset}`), err!.message);
  assert.match(err!.message, pattern);
  if (packets !== undefined) assert.is(n, packets, 'the packets before the cut are read');
  return err!;
}
