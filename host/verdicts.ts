// Turns the guest's verdict records into validated results in the Batch. Every
// record field is an untrusted u32; the only frame addresses that count are the
// host's own descriptors in the Batch.

import { ACTION_MASK, Action, TARGET_SHIFT, VERDICT_ADDR, VERDICT_LEN, VERDICT_OFFSET, VERDICT_SIZE, VERDICT_WORD } from './abi.js';
import type { Batch } from './batch.js';
import type { ProgramStats } from './stats.js';

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
 * ABORTED and counts an invalid verdict.
 */
export function acceptVerdicts(dv: DataView, batch: Batch, start: number, count: number, portCount: number, stats: ProgramStats): void {
  const st = stats.verdicts;
  for (let j = 0; j < count; j++) {
    const i = start + j;
    const r = VERDICT_OFFSET + j * VERDICT_SIZE;
    const v = dv.getUint32(r + VERDICT_WORD, true);
    const a = v & ACTION_MASK;
    const t = v >>> TARGET_SHIFT;
    const na = dv.getUint32(r + VERDICT_ADDR, true);
    const nl = dv.getUint32(r + VERDICT_LEN, true);
    // Plain JS numbers: no u32 wraparound in these sums.
    const lo = batch.addr[i] - batch.headroom[i];
    const hi = batch.addr[i] + batch.len[i] + batch.tailroom[i];
    const valid = a <= Action.REDIRECT
      && (a === Action.REDIRECT ? t < portCount : t === 0)
      && na >= lo && na <= hi && nl <= hi - na;
    if (valid) {
      batch.action[i] = a;
      batch.target[i] = t;
      batch.outAddr[i] = na;
      batch.outLen[i] = nl;
      st[a]++;
    } else {
      stats.invalidVerdicts++;
      answer(batch, i, Action.ABORTED, stats);
    }
  }
}
