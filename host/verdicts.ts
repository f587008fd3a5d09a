// Turns the guest's verdict records into validated results in the Batch. Every
// record field is an untrusted u32; the only frame addresses that count are the
// host's own descriptors in the Batch.

import { ACTION_MASK, Action, TARGET_SHIFT } from './abi.js';
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
 * Validates one answer the batch check (host/batch-check.ts) did not accept in
 * its wasm pass. An action above REDIRECT, target bits on a non-redirect
 * action, a redirect target not below `portCount`, or a packet not inside the
 * frame the host handed out ([addr - headroom, addr + len + tailroom]) makes
 * the packet ABORTED and counts an invalid verdict.
 */
export function acceptOther(batch: Batch, i: number, v: number, na: number, nl: number, portCount: number, stats: ProgramStats): void {
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
