// Compiles the batch check's module text (host/batch-check-wat.ts) with
// binaryen, for scripts/gen-batch-check.mjs and the test that keeps
// host/generated/batch-check-wasm.ts in step with the text. Not imported by
// the data path: loading binaryen takes ~0.4 s.
import binaryen from 'binaryen';
import { BATCH_CHECK_WAT } from './batch-check-wat.js';

/** The module's bytes, base64. */
export function compileBatchCheck(wat: string = BATCH_CHECK_WAT): string {
  const m = binaryen.parseText(wat);
  try {
    m.optimize();
    if (!m.validate()) throw new Error('the batch check module does not validate');
    return Buffer.from(m.emitBinary()).toString('base64');
  } finally {
    m.dispose();
  }
}
