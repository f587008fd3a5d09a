// Turns the guest's verdict records into validated results in the Batch. Every
// record field is an untrusted u32; the only frame addresses that count are the
// host's own descriptors in the Batch.

import { ACTION_MASK, Action, TARGET_SHIFT, VERDICT_ADDR, VERDICT_LEN, VERDICT_OFFSET, VERDICT_SIZE, VERDICT_WORD } from './abi.js';
import type { Batch } from './batch.js';
import type { ProgramStats } from './stats.js';

// Record fields as indexes into a Uint32Array over the memory (ABI words are
// little-endian u32s, and so is every host V8 runs wasm on).
const REC_WORDS = VERDICT_SIZE >>> 2;
const REC0 = VERDICT_OFFSET >>> 2;
const W_WORD = VERDICT_WORD >>> 2, W_ADDR = VERDICT_ADDR >>> 2, W_LEN = VERDICT_LEN >>> 2;

/** Answers packet `i` on the host's behalf: the packet as it came, no target. */
export function answer(batch: Batch, i: number, action: Action, stats: ProgramStats): void {
  batch.action[i] = action;
  batch.target[i] = 0;
  batch.outAddr[i] = batch.addr[i];
  batch.outLen[i] = batch.len[i];
  stats.verdicts[action]++;
}

/**
 * Validates records 0..count-1, which answer batch packets start..start+count-1.
 * An action above REDIRECT, target bits on a non-redirect action, a redirect
 * target not below `portCount`, or a packet not inside the frame the host
 * handed out ([addr - headroom, addr + len + tailroom]) makes the packet
 * ABORTED and counts an invalid verdict. `words` is a Uint32Array over the
 * sandbox memory; one pass reads each record once and writes each result once.
 */
export function acceptVerdicts(words: Uint32Array, batch: Batch, start: number, count: number, portCount: number, stats: ProgramStats): void {
  const { addr, len, action, target, outAddr, outLen } = batch;
  // The common answer, a packet as handed out with no target, is checked by
  // two comparisons and one bound, and counted in locals: a per-packet
  // increment of the stats array would chain every iteration through memory.
  let aborted = 0, drop = 0, pass = 0, tx = 0;
  for (let j = 0, r = REC0; j < count; j++, r += REC_WORDS) {
    const i = start + j;
    const v = words[r + W_WORD];
    const na = words[r + W_ADDR];
    const nl = words[r + W_LEN];
    // v <= TX: an action below REDIRECT and no target bits.
    if (na === addr[i] && nl === len[i] && v <= Action.TX) {
      action[i] = v;
      target[i] = 0;
      outAddr[i] = na;
      outLen[i] = nl;
      if (v === Action.PASS) pass++;
      else if (v === Action.DROP) drop++;
      else if (v === Action.TX) tx++;
      else aborted++;
    } else {
      acceptOther(batch, i, v, na, nl, portCount, stats);
    }
  }
  const st = stats.verdicts;
  st[Action.ABORTED] += aborted;
  st[Action.DROP] += drop;
  st[Action.PASS] += pass;
  st[Action.TX] += tx;
}

/** Any other answer: a redirect, a packet moved within its frame, or an invalid verdict (ABORTED). */
function acceptOther(batch: Batch, i: number, v: number, na: number, nl: number, portCount: number, stats: ProgramStats): void {
  const a = v & ACTION_MASK;
  const t = v >>> TARGET_SHIFT;
  const da = batch.addr[i];
  // Plain JS numbers (u32 reads are non-negative): no u32 wraparound in these sums.
  const hi = da + batch.len[i] + batch.tailroom[i];
  const inFrame = na >= da - batch.headroom[i] && na <= hi && nl <= hi - na;
  if (inFrame && a <= Action.REDIRECT && (a === Action.REDIRECT ? t < portCount : t === 0)) {
    batch.action[i] = a;
    batch.target[i] = t;
    batch.outAddr[i] = na;
    batch.outLen[i] = nl;
    stats.verdicts[a]++;
  } else {
    stats.invalidVerdicts++;
    answer(batch, i, Action.ABORTED, stats);
  }
}
