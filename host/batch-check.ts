// The per-packet host work of a batch, in wasm: formatting the host's
// descriptors in the ABI layout and checking the guest's verdict records
// against them. It runs in a module the host generates, linked only to the
// batch's own memory (host/batch.ts), never to a guest's: the guest's memory
// is touched only by two copies the host makes, the descriptors in before the
// guest runs and the records out after it returned, so what is checked is
// what the guest had written when it returned, and the descriptors it is
// checked against are ones it never had access to. The common answer (the
// packet as handed out, an action below REDIRECT, no target) is accepted in
// the wasm pass; anything else is flagged and checked in TypeScript
// (acceptOther).

import binaryen from 'binaryen';
import {
  Action, BATCH_CAPACITY, DESC_ADDR, DESC_HEADROOM, DESC_LEN, DESC_OFFSET, DESC_PORT, DESC_QUEUE, DESC_SIZE, DESC_TAILROOM, VERDICT_ADDR, VERDICT_LEN, VERDICT_OFFSET, VERDICT_SENTINEL, VERDICT_SIZE, VERDICT_WORD,
} from './abi.js';
import { BATCH_LAYOUT as L, BATCH_REGION, Batch } from './batch.js';
import type { ProgramStats } from './stats.js';
import { acceptOther } from './verdicts.js';

/** action[i] after the wasm pass for a record it left to acceptOther. */
const FLAGGED = 0xff;

// Descriptor {addr u32, len u32, port u16, queue u16, headroom u16, tailroom u16}:
// four words, the u16 pairs packed low half first.
if (DESC_ADDR !== 0 || DESC_LEN !== 4 || DESC_PORT !== 8 || DESC_QUEUE !== 10 || DESC_HEADROOM !== 12 || DESC_TAILROOM !== 14 || DESC_SIZE !== 16) {
  throw new Error('host/batch-check.ts formats ABI v1 descriptors word by word: update the check module for the new layout');
}
if (VERDICT_SIZE !== 16 || VERDICT_WORD !== 0 || VERDICT_ADDR !== 4 || VERDICT_LEN !== 8) {
  throw new Error('host/batch-check.ts reads ABI v1 verdict records: update the check module for the new layout');
}

// format(start, k): desc[j] = the descriptor of packet start + j, in the ABI layout.
// check(start, k) -> flagged: accepts the common answers, counts them per action at
// `counts`, flags the rest; returns how many it flagged.
const WAT = `(module
 (import "batch" "memory" (memory 0))
 (func (export "format") (param $base i32) (param $start i32) (param $k i32)
  (local $j i32) (local $i2 i32) (local $i4 i32) (local $d i32)
  (block $done (loop $next
   (br_if $done (i32.ge_u (local.get $j) (local.get $k)))
   (local.set $i2 (i32.shl (i32.add (local.get $start) (local.get $j)) (i32.const 1)))
   (local.set $i4 (i32.add (local.get $base) (i32.shl (local.get $i2) (i32.const 1))))
   (local.set $i2 (i32.add (local.get $base) (local.get $i2)))
   (local.set $d (i32.add (i32.add (local.get $base) (i32.const ${L.desc})) (i32.shl (local.get $j) (i32.const 4))))
   (i32.store (local.get $d) (i32.load offset=${L.addr} (local.get $i4)))
   (i32.store offset=4 (local.get $d) (i32.load offset=${L.len} (local.get $i4)))
   (i32.store offset=8 (local.get $d) (i32.or (i32.load16_u offset=${L.port} (local.get $i2))
     (i32.shl (i32.load16_u offset=${L.queue} (local.get $i2)) (i32.const 16))))
   (i32.store offset=12 (local.get $d) (i32.or (i32.load16_u offset=${L.headroom} (local.get $i2))
     (i32.shl (i32.load16_u offset=${L.tailroom} (local.get $i2)) (i32.const 16))))
   (local.set $j (i32.add (local.get $j) (i32.const 1)))
   (br $next))))
 (func (export "check") (param $base i32) (param $start i32) (param $k i32) (result i32)
  (local $j i32) (local $i i32) (local $i4 i32) (local $r i32) (local $v i32) (local $na i32) (local $nl i32)
  (local $flagged i32) (local $c0 i32) (local $c1 i32) (local $c2 i32) (local $c3 i32)
  (block $done (loop $next
   (br_if $done (i32.ge_u (local.get $j) (local.get $k)))
   (local.set $i (i32.add (local.get $start) (local.get $j)))
   (local.set $i4 (i32.add (local.get $base) (i32.shl (local.get $i) (i32.const 2))))
   (local.set $i (i32.add (local.get $base) (local.get $i)))
   (local.set $r (i32.add (i32.add (local.get $base) (i32.const ${L.records})) (i32.shl (local.get $j) (i32.const 4))))
   (local.set $v (i32.load (local.get $r)))
   (local.set $na (i32.load offset=4 (local.get $r)))
   (local.set $nl (i32.load offset=8 (local.get $r)))
   (if (i32.and (i32.and (i32.eq (local.get $na) (i32.load offset=${L.addr} (local.get $i4)))
                         (i32.eq (local.get $nl) (i32.load offset=${L.len} (local.get $i4))))
                (i32.le_u (local.get $v) (i32.const ${Action.TX})))
    (then
     (i32.store8 offset=${L.action} (local.get $i) (local.get $v))
     (i32.store offset=${L.target} (local.get $i4) (i32.const 0))
     (i32.store offset=${L.outAddr} (local.get $i4) (local.get $na))
     (i32.store offset=${L.outLen} (local.get $i4) (local.get $nl))
     (local.set $c0 (i32.add (local.get $c0) (i32.eq (local.get $v) (i32.const 0))))
     (local.set $c1 (i32.add (local.get $c1) (i32.eq (local.get $v) (i32.const 1))))
     (local.set $c2 (i32.add (local.get $c2) (i32.eq (local.get $v) (i32.const 2))))
     (local.set $c3 (i32.add (local.get $c3) (i32.eq (local.get $v) (i32.const 3)))))
    (else
     (i32.store8 offset=${L.action} (local.get $i) (i32.const ${FLAGGED}))
     (local.set $flagged (i32.add (local.get $flagged) (i32.const 1)))))
   (local.set $j (i32.add (local.get $j) (i32.const 1)))
   (br $next)))
  (i32.store offset=${L.counts} (local.get $base) (local.get $c0))
  (i32.store offset=${L.counts + 4} (local.get $base) (local.get $c1))
  (i32.store offset=${L.counts + 8} (local.get $base) (local.get $c2))
  (i32.store offset=${L.counts + 12} (local.get $base) (local.get $c3))
  (local.get $flagged)))`;

if (Action.ABORTED !== 0 || Action.DROP !== 1 || Action.PASS !== 2 || Action.TX !== 3) {
  throw new Error('host/batch-check.ts counts actions 0-3 in order: update the check module');
}

let compiled: WebAssembly.Module | null = null;
function checkModule(): WebAssembly.Module {
  if (compiled === null) {
    const m = binaryen.parseText(WAT);
    try {
      m.optimize();
      compiled = new WebAssembly.Module(m.emitBinary() as Uint8Array<ArrayBuffer>);
    } finally {
      m.dispose();
    }
  }
  return compiled;
}

const SENTINELS = new Uint32Array(BATCH_CAPACITY * (VERDICT_SIZE >>> 2)).fill(VERDICT_SENTINEL);
const DESC_WORD0 = DESC_OFFSET >>> 2, REC_WORD0 = VERDICT_OFFSET >>> 2, REC_WORDS = VERDICT_SIZE >>> 2;

/** Views of exactly k records or descriptors, made on first use of each k: Uint32Array.set copies a whole source. */
function sized(cache: Uint32Array[], k: number, make: (words: number) => Uint32Array): Uint32Array {
  return cache[k] ?? (cache[k] = make(k * REC_WORDS));
}
const sentinelViews: Uint32Array[] = [];

/** The guest memory's side of the copies: views of its record area, by size. */
export class GuestWindow {
  private readonly records: Uint32Array[] = [];
  constructor(readonly words: Uint32Array) {}
  recordsOf(k: number): Uint32Array {
    return sized(this.records, k, (n) => new Uint32Array(this.words.buffer, VERDICT_OFFSET, n));
  }
}

interface CheckFns {
  format(base: number, start: number, k: number): void;
  check(base: number, start: number, k: number): number;
}
const instances = new WeakMap<WebAssembly.Memory, CheckFns>();
function checkFns(memory: WebAssembly.Memory): CheckFns {
  let fns = instances.get(memory);
  if (fns === undefined) {
    fns = new WebAssembly.Instance(checkModule(), { batch: { memory } }).exports as unknown as CheckFns;
    instances.set(memory, fns);
  }
  return fns;
}

/** One batch's side of the check: the check functions of its memory and views of its regions. */
export class BatchCheck {
  private readonly fns: CheckFns;
  private readonly base: number;
  private readonly words: Uint32Array;
  private readonly counts: Uint32Array;
  private readonly descs: Uint32Array[] = [];
  private readonly records: Uint32Array[] = [];

  constructor(readonly batch: Batch) {
    this.fns = checkFns(batch.memory);
    this.base = batch.base;
    this.words = new Uint32Array(batch.memory.buffer, batch.base, BATCH_REGION >>> 2);
    this.counts = new Uint32Array(batch.memory.buffer, batch.base + L.counts, 4);
  }

  /** Writes the descriptors of packets start..start+k-1 and k sentinel records into the guest's memory. */
  handOut(guest: GuestWindow, start: number, k: number): void {
    this.fns.format(this.base, start, k);
    guest.words.set(sized(this.descs, k, (n) => new Uint32Array(this.batch.memory.buffer, this.base + L.desc, n)), DESC_WORD0);
    guest.words.set(sized(sentinelViews, k, (n) => SENTINELS.subarray(0, n)), REC_WORD0);
  }

  /**
   * Validates the guest's records 0..count-1, which answer packets
   * start..start+count-1, into the batch's results (see acceptOther for what
   * is refused), and counts them.
   */
  accept(guest: GuestWindow, start: number, count: number, portCount: number, stats: ProgramStats): void {
    if (count === 0) return;
    sized(this.records, count, (n) => new Uint32Array(this.batch.memory.buffer, this.base + L.records, n)).set(guest.recordsOf(count));
    const flagged = this.fns.check(this.base, start, count);
    const c = this.counts, st = stats.verdicts;
    st[Action.ABORTED] += c[0];
    st[Action.DROP] += c[1];
    st[Action.PASS] += c[2];
    st[Action.TX] += c[3];
    if (flagged === 0) return;
    const { action } = this.batch, w = this.words;
    for (let j = 0, r = L.records >>> 2; j < count; j++, r += REC_WORDS) {
      const i = start + j;
      if (action[i] === FLAGGED) acceptOther(this.batch, i, w[r], w[r + 1], w[r + 2], portCount, stats);
    }
  }
}

/** The batch's check, made on first use (a batch may be run by several sandboxes). */
export function batchCheck(batch: Batch): BatchCheck {
  return (batch.checkViews as BatchCheck | null) ?? (batch.checkViews = new BatchCheck(batch)) as BatchCheck;
}
