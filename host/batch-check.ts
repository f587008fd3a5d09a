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

import {
  Action, BATCH_CAPACITY, DESC_ADDR, DESC_HEADROOM, DESC_LEN, DESC_OFFSET, DESC_PORT, DESC_QUEUE, DESC_SIZE, DESC_TAILROOM, VERDICT_ADDR, VERDICT_LEN, VERDICT_OFFSET, VERDICT_SENTINEL, VERDICT_SIZE, VERDICT_WORD,
} from './abi.js';
import { BATCH_LAYOUT as L, BATCH_REGION, Batch } from './batch.js';
import type { ProgramStats } from './stats.js';
import { acceptOther } from './verdicts.js';
import { FLAGGED } from './batch-check-wat.js';
import { BATCH_CHECK_WASM_BASE64 } from './generated/batch-check-wasm.js';


// Descriptor {addr u32, len u32, port u16, queue u16, headroom u16, tailroom u16}:
// four words, the u16 pairs packed low half first.
if (DESC_ADDR !== 0 || DESC_LEN !== 4 || DESC_PORT !== 8 || DESC_QUEUE !== 10 || DESC_HEADROOM !== 12 || DESC_TAILROOM !== 14 || DESC_SIZE !== 16) {
  throw new Error('host/batch-check.ts formats ABI v1 descriptors word by word: update the check module for the new layout');
}
if (VERDICT_SIZE !== 16 || VERDICT_WORD !== 0 || VERDICT_ADDR !== 4 || VERDICT_LEN !== 8) {
  throw new Error('host/batch-check.ts reads ABI v1 verdict records: update the check module for the new layout');
}

if (Action.ABORTED !== 0 || Action.DROP !== 1 || Action.PASS !== 2 || Action.TX !== 3) {
  throw new Error('host/batch-check.ts counts actions 0-3 in order: update the check module');
}

let compiled: WebAssembly.Module | null = null;
function checkModule(): WebAssembly.Module {
  return compiled ?? (compiled = new WebAssembly.Module(Buffer.from(BATCH_CHECK_WASM_BASE64, 'base64')));
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
