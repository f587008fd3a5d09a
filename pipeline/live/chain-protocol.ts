// What the main thread tells a chain port's workers (the stages, tenants and
// which queue a tenant owns) and the figures they send back per stage and per
// tenant. Stage keys: an operator stage is its name, a tenant's stage is
// `<tenant>/<stage>`.

import type { ActionCounts } from '../../host/abi.js';
import type { ProgramStatsSnapshot } from '../../host/stats.js';
import type { TenantCounters } from '../../native/tenants.js';
import type { ControlFigures } from './control-messages.js';
import type { WorkerStats } from './worker-protocol.js';
import type { ProgramBytes } from '../program/load-program.js';
import type { StageConfig, TenantConfig } from '../tenants/config.js';
import type { CopyStats } from '../chain/stage.js';

export interface ChainStageInit { key: string; owner: string; config: StageConfig; program: ProgramBytes }

export interface ChainInit {
  port: string;
  operator: ChainStageInit[];
  tenants: { config: TenantConfig; stages: ChainStageInit[] }[];
  /** Queue number -> id of the tenant the queue is dedicated to. */
  dedicated: Record<number, number>;
}

export interface StageFigures {
  owner: string;
  program: ProgramStatsSnapshot;
  control: ControlFigures;
  copy: CopyStats;
  zeroCopy: boolean;
}

export interface TenantFiguresMsg {
  id: number;
  name: string;
  /** Frames that reached user space, by final verdict. */
  packets: number;
  verdicts: ActionCounts;
  /** The XDP program's counters of this tenant (summed over the port's interfaces). */
  kernel: Omit<TenantCounters, 'tenant'>;
}

export interface ChainFigures {
  stages: Record<string, StageFigures>;
  tenants: TenantFiguresMsg[];
  /** Frames of another tenant that arrived on a queue dedicated to one: dropped. */
  foreignOnDedicated: number;
}

export function stageKey(owner: string, stage: string, operator: string): string {
  return owner === operator ? stage : `${owner}/${stage}`;
}

export function chainStageKeys(c: ChainInit): string[] {
  return [...c.operator, ...c.tenants.flatMap((t) => t.stages)].map((s) => s.key);
}

/** A worker's figures as one stage sees them (its program and versions). */
export function stageStats(m: WorkerStats, key: string): WorkerStats | null {
  const st = m.chain?.stages[key];
  return st ? { ...m, program: st.program, control: st.control } : null;
}
