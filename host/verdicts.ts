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
  const st = stats.verdicts;
  const { addr, len, headroom, tailroom, action, target, outAddr, outLen } = batch;
  let invalid = 0;
  for (let j = 0, r = REC0; j < count; j++, r += REC_WORDS) {
    const i = start + j;
    const v = words[r + W_WORD];
    const na = words[r + W_ADDR];
    const nl = words[r + W_LEN];
    const a = v & ACTION_MASK;
    const t = v >>> TARGET_SHIFT;
    const da = addr[i], dl = len[i];
    // The packet as handed out (the common answer) needs no bounds arithmetic.
    // Otherwise plain JS numbers (u32 reads are non-negative): no u32 wraparound in these sums.
    let inFrame = na === da && nl === dl;
    if (!inFrame) {
      const hi = da + dl + tailroom[i];
      inFrame = na >= da - headroom[i] && na <= hi && nl <= hi - na;
    }
    if (inFrame && a <= Action.REDIRECT && (a === Action.REDIRECT ? t < portCount : t === 0)) {
      action[i] = a;
      target[i] = t;
      outAddr[i] = na;
      outLen[i] = nl;
      st[a]++;
    } else {
      invalid++;
      answer(batch, i, Action.ABORTED, stats);
    }
  }
  stats.invalidVerdicts += invalid;
}
