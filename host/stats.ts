// Per-program counters kept by the host (never by the guest, which could lie),
// and per-batch timing. Recording allocates nothing: counters are numbers and
// typed arrays, timings go to a fixed ring; snapshot() does the arithmetic.

import { ACTION_NAMES, type ActionCounts, actionCounts } from './abi.js';
import { TRAP_KINDS, TrapKind } from './trap.js';

/** Batches whose timing p99 is computed over. */
export const TIMING_RING = 1024;

/** Upper bounds (microseconds) of the batch-duration histogram's buckets; one more bucket catches the rest. */
export const BATCH_US_BUCKETS: readonly number[] = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 25_000, 100_000];

/** Batches by host wall time: counts[i] batches took <= BATCH_US_BUCKETS[i] (and more than the bound before); the last count is over every bound. */
export interface BatchDurationSnapshot { boundsUs: readonly number[]; counts: number[]; count: number; sumUs: number }

export interface ProgramStatsSnapshot {
  packets: number;
  batches: number;
  verdicts: ActionCounts;
  invalidVerdicts: number;
  traps: number;
  trapsByKind: Record<TrapKind, number>;
  fuelExhaustions: number;
  /** Packets given the fail verdict without a guest answer (after a trap, or quarantined). */
  failVerdicts: number;
  /** Re-runs of a batch's remaining packets on a fresh instance after a trap. */
  reruns: number;
  instantiations: number;
  lastTrap: string | null;
  quarantined: boolean;
  /** 'running' or 'quarantined: <why>'. */
  status: string;
  /** Host-measured wall time per packet: mean over all batches, p99 over the last TIMING_RING batches. */
  nsPerPacket: { avg: number; p99: number };
  batchDuration: BatchDurationSnapshot;
}

export class ProgramStats {
  packets = 0;
  batches = 0;
  readonly verdicts = new Float64Array(ACTION_NAMES.length);
  invalidVerdicts = 0;
  traps = 0;
  readonly trapCounts = new Float64Array(TRAP_KINDS.length);
  failVerdicts = 0;
  reruns = 0;
  instantiations = 0;
  lastTrap: string | null = null;
  /** Set by the sandbox with `status`; the status text is for people, this flag for code. */
  quarantined = false;
  status = 'running';
  private totalNs = 0;
  private timedPackets = 0;
  private readonly ring = new Float64Array(TIMING_RING);
  private ringPos = 0;
  private ringFill = 0;
  private readonly batchBuckets = new Float64Array(BATCH_US_BUCKETS.length + 1);
  private batchUsSum = 0;

  recordTrap(kind: TrapKind, message: string): void {
    this.traps++;
    this.trapCounts[TRAP_KINDS.indexOf(kind)]++;
    this.lastTrap = `${kind}: ${message}`;
  }

  /** One batch of `n` packets took `ns` nanoseconds of host wall time. */
  recordBatch(n: number, ns: number): void {
    if (n <= 0) return;
    const us = ns / 1000;
    let b = 0;
    while (b < BATCH_US_BUCKETS.length && us > BATCH_US_BUCKETS[b]) b++;
    this.batchBuckets[b]++;
    this.batchUsSum += us;
    this.totalNs += ns;
    this.timedPackets += n;
    this.ring[this.ringPos] = ns / n;
    this.ringPos = (this.ringPos + 1) % TIMING_RING;
    if (this.ringFill < TIMING_RING) this.ringFill++;
  }

  snapshot(): ProgramStatsSnapshot {
    const recent = Array.from(this.ring.subarray(0, this.ringFill)).sort((a, b) => a - b);
    const p99 = recent.length ? recent[Math.min(recent.length - 1, Math.ceil(recent.length * 0.99) - 1)] : 0;
    const trapsByKind = {} as Record<TrapKind, number>;
    TRAP_KINDS.forEach((k, i) => { trapsByKind[k] = this.trapCounts[i]; });
    return {
      packets: this.packets,
      batches: this.batches,
      verdicts: actionCounts(this.verdicts),
      invalidVerdicts: this.invalidVerdicts,
      traps: this.traps,
      trapsByKind,
      fuelExhaustions: trapsByKind.fuel,
      failVerdicts: this.failVerdicts,
      reruns: this.reruns,
      instantiations: this.instantiations,
      lastTrap: this.lastTrap,
      quarantined: this.quarantined,
      status: this.status,
      nsPerPacket: {
        avg: this.timedPackets ? Math.round(this.totalNs / this.timedPackets) : 0,
        p99: Math.round(p99),
      },
      batchDuration: { boundsUs: BATCH_US_BUCKETS, counts: Array.from(this.batchBuckets), count: this.batchBuckets.reduce((a, c) => a + c, 0), sumUs: this.batchUsSum },
    };
  }
}
