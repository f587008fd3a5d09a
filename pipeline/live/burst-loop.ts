// The loop every live worker runs (one program or a chain): between bursts
// it handles control requests (when the doorbell rang, when idle, and every
// 64 bursts), then receives a burst (blocking in poll() at
// most POLL_MS when idle, so a stop request is seen within that time), runs
// it, posts figures every statsIntervalMs and checks once a second that the
// ports' interfaces still exist (throwing the failure after final figures); on stop it reaps completions so
// the final figures show every frame back home. A burst's verdicts are
// applied by the next receive() call (one call into the addon per burst),
// or on their own before anything else looks at the ports: requests,
// figures, the link check, the end.

import { BATCH_CAPACITY } from '../../host/abi.js';
import type { XskPortSet } from '../../native/index.js';
import { CTRL_REQUESTS, CTRL_STOP, WorkerMessage, WorkerStats } from './worker-protocol.js';

export const POLL_MS = 10;
/** How often the ports' interfaces are checked (a removed one only stops being readable). */
const LINK_CHECK_MS = 1000;
// A deep RX ring absorbs stalls of the worker's thread (GC, a busy core, a
// swap): 4096 frames are ~40 ms at 100 kpps. The UMEM has 8192 frames, so the
// fill ring still covers it.
export const RX_RING = 4096;

export interface BurstLoop {
  set: XskPortSet;
  /** Int32Array over the worker's control words ([CTRL_STOP]). */
  flags: Int32Array;
  statsIntervalMs: number;
  post: (m: WorkerMessage) => void;
  stats: (final: boolean) => WorkerStats;
  /** Between bursts: swaps, map operations. True: call it again at the next gap (a swap is under way, a step per gap). */
  poll: () => boolean;
  /** n frames are in the bound batch: judge them (the loop applies the verdicts). */
  burst: (n: number) => void;
}

// Busy, the loop reads the clock every CLOCK_EVERY bursts (a burst of a
// typical handler takes microseconds: figures and the link check are late by
// at most that many bursts); idle, after every wait in poll().
const CLOCK_EVERY = 64;

export function runBurstLoop(l: BurstLoop): void {
  let nextStats = Date.now() + l.statsIntervalMs;
  let nextLinkCheck = Date.now() + LINK_CHECK_MS;
  let bursts = 0, rung = Atomics.load(l.flags, CTRL_REQUESTS);
  // Frames of the last burst whose verdicts are not applied yet.
  let judged = 0;
  let again = l.poll();
  while (Atomics.load(l.flags, CTRL_STOP) === 0) {
    const bell = Atomics.load(l.flags, CTRL_REQUESTS);
    if (bell !== rung || again) {
      rung = bell;
      if (judged) { l.set.apply(judged); judged = 0; }
      again = l.poll();
    }
    const n = l.set.receive(BATCH_CAPACITY, POLL_MS, judged);
    judged = 0;
    if (n > 0) {
      l.burst(n);
      judged = n;
      if (++bursts % CLOCK_EVERY !== 0) continue;
      l.set.apply(judged);
      judged = 0;
    }
    // Idle, or every CLOCK_EVERY bursts: requests that came without the bell, health checks.
    again = l.poll();
    const now = Date.now();
    if (now >= nextStats) {
      l.post(l.stats(false));
      nextStats += l.statsIntervalMs;
    }
    if (now >= nextLinkCheck) {
      nextLinkCheck = now + LINK_CHECK_MS;
      for (const p of l.set.ports) {
        const gone = l.set.linkError(p.index);
        if (gone) {
          // The figures up to here are the run's result; then the failure.
          try { l.post(l.stats(true)); } catch { /* the figures of a dead socket may be unreadable */ }
          throw gone;
        }
      }
    }
  }
  l.set.receive(0, 0, judged);
  l.post(l.stats(true));
}
