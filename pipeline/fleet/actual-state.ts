// What a node reports about itself: per port and stage, the version it runs
// (name, module hash, health) and what became of its desired state, read
// from the daemon's own status (the operator's view: every stage, tenants' as
// <tenant>/<stage>).

import type { DesiredValue, ModuleRef } from './desired-state.js';

export const OPERATOR_TENANT = 'default';

/** What became of a node's desired module. */
export type DesiredOutcome = 'running' | 'deploying' | 'failed' | 'refused';

export interface ActualStage {
  port: string;
  /** As the operator names it: 'main', a chain stage, or <tenant>/<stage>. */
  stage: string;
  owner: string;
  version: number | null;
  name: string | null;
  sha256: string | null;
  health: string | null;
  /** The versions the daemon remembers (kept: it can roll back to it). */
  kept: { sha256: string; state: string; health: string; kept: boolean }[];
  packets?: number;
  drops?: number;
  error: string | null;
  desired: (DesiredValue & { outcome: DesiredOutcome; error: string | null }) | null;
}

export interface ActualReport {
  node: string;
  pid: number;
  reportedAt: string;
  stages: ActualStage[];
  /** Desired keys naming a stage this node does not have for that tenant (another tenant's, or none): not applied. */
  refused: { key: string; rollout: string; sha256: string; error: string }[];
}

/** The operator's name of a tenant's stage. */
export function operatorStage(tenant: string, stage: string): string {
  return tenant === OPERATOR_TENANT ? stage : `${tenant}/${stage}`;
}

type VersionLike = { sha256: string; state: string; health: string };
type StageStatus = { owner: string; error?: string | null; program: { version: number; name: string; sha256: string; health: string } | null; versions?: (VersionLike & { kept?: boolean })[] };
type PortStatus = StageStatus & { name: string; chain?: boolean; stages?: (StageStatus & { stage: string })[] };

/** The daemon's status (operator's view) as one entry per port/stage. */
export function stagesOf(status: unknown): Omit<ActualStage, 'desired'>[] {
  const ports = (status as { ports?: PortStatus[] }).ports ?? [];
  const entry = (port: string, stage: string, s: StageStatus): Omit<ActualStage, 'desired'> => ({
    port, stage, owner: s.owner, version: s.program?.version ?? null, name: s.program?.name ?? null, sha256: s.program?.sha256 ?? null,
    health: s.program?.health ?? null, error: s.error ?? null,
    kept: (s.versions ?? []).map((v) => ({ sha256: v.sha256, state: v.state, health: v.health, kept: v.kept !== false })),
  });
  return ports.flatMap((p) => (p.chain ? (p.stages ?? []).map((s) => entry(p.name, s.stage, { ...s, error: s.error ?? p.error })) : [entry(p.name, 'main', p)]));
}

/** Whether a report says `node` runs `want` healthily on port/stage, failed it, or neither yet. */
export function judge(report: ActualReport | null, rollout: string, port: string, stage: string, want: ModuleRef): 'ok' | 'pending' | { failed: string } {
  const s = report?.stages.find((x) => x.port === port && x.stage === stage);
  if (!s) return 'pending';
  if (s.desired && s.desired.rollout === rollout && s.desired.sha256 === want.sha256 && (s.desired.outcome === 'failed' || s.desired.outcome === 'refused')) {
    return { failed: s.desired.error ?? s.desired.outcome };
  }
  if (s.sha256 === want.sha256 && (s.health === 'healthy' || s.health === 'unchecked') && s.desired?.rollout === rollout) return 'ok';
  return 'pending';
}
