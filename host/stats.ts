// Per-program counters kept by the host (never by the guest, which could lie).

import { TRAP_KINDS, TrapKind } from './trap.js';

export interface ProgramStatsSnapshot {
  packets: number;
  batches: number;
  verdicts: { aborted: number; drop: number; pass: number; tx: number; redirect: number };
  invalidVerdicts: number;
  traps: number;
  trapsByKind: Record<TrapKind, number>;
  instantiations: number;
  lastTrap: string | null;
}

export class ProgramStats {
  packets = 0;
  batches = 0;
  readonly verdicts = new Float64Array(5);
  invalidVerdicts = 0;
  traps = 0;
  readonly trapsByKind = new Map<TrapKind, number>(TRAP_KINDS.map((k) => [k, 0]));
  instantiations = 0;
  lastTrap: string | null = null;

  recordTrap(kind: TrapKind, message: string): void {
    this.traps++;
    this.trapsByKind.set(kind, (this.trapsByKind.get(kind) ?? 0) + 1);
    this.lastTrap = message;
  }

  snapshot(): ProgramStatsSnapshot {
    const v = this.verdicts;
    return {
      packets: this.packets,
      batches: this.batches,
      verdicts: { aborted: v[0], drop: v[1], pass: v[2], tx: v[3], redirect: v[4] },
      invalidVerdicts: this.invalidVerdicts,
      traps: this.traps,
      trapsByKind: Object.fromEntries(this.trapsByKind) as Record<TrapKind, number>,
      instantiations: this.instantiations,
      lastTrap: this.lastTrap,
    };
  }
}
