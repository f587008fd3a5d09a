// Shared by the host suites: the hostile corpus (test/host/guests/) turned into
// wasm bytes, and frames whose first byte selects a guest's behaviour.

import binaryen from 'binaryen';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MEMORY_BASE } from '../../host/abi.js';
import { Batch } from '../../host/batch.js';
import { compileHandlerCached } from '../../host/compile.js';
import type { Sandbox } from '../../host/sandbox.js';
import { eth, ipv4, udp } from '../helpers/packets.js';
import { loadBatch } from '../helpers/guest.js';

const here = path.dirname(fileURLToPath(import.meta.url));
// Runs from dist/test/host; the corpus stays in the source tree.
export const GUESTS = path.resolve(here, '../../../test/host/guests');

const BASE_FEATURES = binaryen.Features.MVP | binaryen.Features.MutableGlobals | binaryen.Features.BulkMemory | binaryen.Features.BulkMemoryOpt | binaryen.Features.SignExt;

/** Assembles WAT text to a wasm binary with binaryen (no validation, no optimisation); `features` adds to MVP + bulk memory + sign-ext. */
export function watText(text: string, features = 0): Uint8Array {
  const mod = binaryen.parseText(text);
  try {
    mod.setFeatures(BASE_FEATURES | features);
    return mod.emitBinary();
  } finally {
    mod.dispose();
  }
}

/** A guest that logs `text` (info) once per batch and answers DROP for every packet. */
export function loggerGuest(text: string): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  const data = Array.from(bytes, (b) => `\\${b.toString(16).padStart(2, '0')}`).join('');
  return watText(`(module
    (import "wx" "log" (func $log (param i32 i32 i32)))
    (import "env" "memory" (memory 513))
    (global (export "wx_abi_version") i32 (i32.const 1))
    (data (i32.const ${MEMORY_BASE}) "${data}")
    (func (export "wx_batch") (param $n i32) (result i32)
      (local $i i32) (local $r i32) (local $d i32)
      (call $log (i32.const 1) (i32.const ${MEMORY_BASE}) (i32.const ${bytes.length}))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $d (i32.add (i32.const 0x100) (i32.shl (local.get $i) (i32.const 4))))
        (local.set $r (i32.add (i32.const 0x2000) (i32.shl (local.get $i) (i32.const 4))))
        (i32.store offset=4 (local.get $r) (i32.load (local.get $d)))
        (i32.store offset=8 (local.get $r) (i32.load offset=4 (local.get $d)))
        (i32.store offset=12 (local.get $r) (i32.const 0))
        (i32.store (local.get $r) (i32.const 1))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
      (local.get $n)))`);
}

/** test/host/guests/<name>.wat as a wasm binary. */
export function wat(name: string): Uint8Array {
  return watText(fs.readFileSync(path.join(GUESTS, `${name}.wat`), 'utf8'));
}

/** test/host/guests/as/<name>.ts compiled with the SDK (cached). */
export function asGuest(name: string): Promise<Uint8Array> {
  return compileHandlerCached(path.join(GUESTS, 'as', `${name}.ts`));
}

/** A UDP frame whose first byte (destination MAC) is `tag`, and whose payload carries `id`. */
export function tagged(tag: number, id = 0): Uint8Array {
  const hex = tag.toString(16).padStart(2, '0');
  return eth({ src: '02:00:00:00:00:01', dst: `${hex}:00:00:00:00:02` },
    ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, udp({ sport: 1000 + id, dport: 2000 }, `packet ${id}`)));
}

/** Loads `frames` into the sandbox and runs one batch; returns the batch. */
export function runBatch(sb: Sandbox, frames: Uint8Array[], nowNs = 0n, batch = new Batch()): Batch {
  loadBatch(sb, batch, frames);
  sb.run(batch, nowNs);
  return batch;
}

export function actions(b: Batch): number[] {
  return Array.from(b.action.subarray(0, b.n));
}

/** Collects log lines instead of printing them. */
export function logSink(): { lines: string[]; log: (l: string) => void } {
  const lines: string[] = [];
  return { lines, log: (l) => lines.push(l) };
}
