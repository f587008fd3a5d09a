// Decides when a program traps too often to keep calling it. Three rules, any
// trips it:
//   - more than `maxTraps` traps within any `windowMs` (sliding: a ring of the
//     last maxTraps+1 trap times);
//   - in a window of `windowMs` (tumbling), more than `maxTrapRatio` of the
//     packets the program was given trapped, once at least `minPackets` were seen;
//   - guest calls that ended in a trap took more than `maxTrapMs` of host time
//     within a `windowMs` (tumbling, by the time each trap happened): a program
//     whose batches run for seconds and then trap is caught by the time it
//     wastes, though it traps too rarely for the other two rules.
// Trap times are when the trap happened (the caller adds the time the batch
// had already run), not when its batch started.
// A quarantined program gets the fail verdict for all its traffic without being
// called, until it is redeployed (clear()).

import type { TrapKind } from './trap.js';

export interface QuarantinePolicy {
  /** Traps tolerated per window; one more quarantines (default 50). */
  maxTraps?: number;
  /** Window length in milliseconds (default 1000). */
  windowMs?: number;
  /** Fraction of a window's packets that may trap (default 0.5). */
  maxTrapRatio?: number;
  /** Packets a window needs before the ratio rule applies (default 100). */
  minPackets?: number;
  /** Host time (ms) that guest calls ending in a trap may take per window (default windowMs / 2). */
  maxTrapMs?: number;
}

export class Quarantine {
  readonly maxTraps: number;
  readonly windowMs: number;
  readonly maxTrapRatio: number;
  readonly minPackets: number;
  readonly maxTrapMs: number;
  private readonly trapTimes: Float64Array;
  private ring = 0;
  private seen = 0;
  private windowStart = -Infinity;
  private windowPackets = 0;
  private windowTraps = 0;
  private trapTimeStart = -Infinity;
  private trapTimeMs = 0;
  /** Why the program is quarantined, or null while it runs. */
  reason: string | null = null;
  since: number | null = null;

  constructor(policy: QuarantinePolicy = {}) {
    this.maxTraps = policy.maxTraps ?? 50;
    this.windowMs = policy.windowMs ?? 1000;
    this.maxTrapRatio = policy.maxTrapRatio ?? 0.5;
    this.minPackets = policy.minPackets ?? 100;
    this.maxTrapMs = policy.maxTrapMs ?? this.windowMs / 2;
    if (!Number.isInteger(this.maxTraps) || this.maxTraps < 0) throw new RangeError(`quarantine maxTraps must be a non-negative integer, got ${this.maxTraps}`);
    if (!(this.windowMs > 0)) throw new RangeError(`quarantine windowMs must be positive, got ${this.windowMs}`);
    if (!(this.maxTrapRatio >= 0 && this.maxTrapRatio <= 1)) throw new RangeError(`quarantine maxTrapRatio must be within [0, 1], got ${this.maxTrapRatio}`);
    if (!(this.maxTrapMs > 0)) throw new RangeError(`quarantine maxTrapMs must be positive, got ${this.maxTrapMs}`);
    this.trapTimes = new Float64Array(this.maxTraps + 1);
  }

  get active(): boolean { return this.reason !== null; }

  private roll(nowMs: number): void {
    if (nowMs - this.windowStart >= this.windowMs || nowMs < this.windowStart) {
      this.windowStart = nowMs;
      this.windowPackets = 0;
      this.windowTraps = 0;
    }
  }

  /** Counts packets handed to the program (call once per batch). */
  packets(n: number, nowMs: number): void {
    this.roll(nowMs);
    this.windowPackets += n;
  }

  /**
   * Records a trap that happened at `nowMs` after the guest call had run for
   * `callMs` of host time; returns true when it puts the program in quarantine.
   * The ratio rule counts the trap in the window its batch's packets were
   * counted in, however long the batch ran.
   */
  trap(kind: TrapKind, message: string, nowMs: number, callMs = 0): boolean {
    if (this.reason !== null) return false;
    this.windowTraps++;
    const cap = this.trapTimes.length;
    this.trapTimes[this.ring] = nowMs;
    this.ring = (this.ring + 1) % cap;
    this.seen++;
    const last = `last: ${kind}: ${message}`;
    // With the ring full, the slot about to be overwritten holds the oldest of
    // the last maxTraps+1 traps.
    if (this.seen >= cap && nowMs - this.trapTimes[this.ring % cap] < this.windowMs) {
      return this.trip(`${cap} traps in ${fmtSeconds(nowMs - this.trapTimes[this.ring % cap])} (${last})`, nowMs);
    }
    if (this.windowPackets >= this.minPackets && this.windowTraps > this.maxTrapRatio * this.windowPackets) {
      const pct = Math.round((100 * this.windowTraps) / this.windowPackets);
      return this.trip(`${this.windowTraps} traps in ${this.windowPackets} packets (${pct}%) within ${fmtSeconds(this.windowMs)} (${last})`, nowMs);
    }
    if (nowMs - this.trapTimeStart >= this.windowMs || nowMs < this.trapTimeStart) {
      this.trapTimeStart = nowMs;
      this.trapTimeMs = 0;
    }
    this.trapTimeMs += Math.max(0, callMs);
    if (this.trapTimeMs > this.maxTrapMs) {
      return this.trip(`guest calls that trapped ran ${fmtSeconds(this.trapTimeMs)} within ${fmtSeconds(this.windowMs)}, over maxTrapMs ${this.maxTrapMs} (${last})`, nowMs);
    }
    return false;
  }

  /** Quarantines for a reason other than the trap rate (e.g. the module no longer starts). */
  trip(reason: string, nowMs: number): boolean {
    if (this.reason !== null) return false;
    this.reason = reason;
    this.since = nowMs;
    return true;
  }

  /** Lifts the quarantine and forgets the history (on redeploy). */
  clear(): void {
    this.reason = null;
    this.since = null;
    this.ring = 0;
    this.seen = 0;
    this.trapTimes.fill(0);
    this.windowStart = -Infinity;
    this.windowPackets = 0;
    this.windowTraps = 0;
    this.trapTimeStart = -Infinity;
    this.trapTimeMs = 0;
  }

  status(): string {
    return this.reason === null ? 'running' : `quarantined: ${this.reason}`;
  }
}

function fmtSeconds(ms: number): string {
  return ms >= 1000 || ms === 0 ? `${Math.max(1, Math.round(ms / 1000))}s` : `${Math.max(1, Math.round(ms))}ms`;
}
