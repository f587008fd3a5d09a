// `wasmxdp fleet status`: per node and port/stage, the desired module against
// the one it runs, its health, and whether the node is up (lease alive) or
// stale (its last report is all there is: it died or lost etcd).

import type { Etcd3 } from 'etcd3';
import { operatorStage } from './actual-state.js';
import type { RolloutRecord } from './desired-state.js';
import { readFleet } from './fleet-view.js';

export interface NodeStageStatus {
  node: string;
  state: 'up' | 'stale';
  reportedAt: string | null;
  port: string;
  stage: string;
  desired: { sha256: string; name: string; rollout: string } | null;
  actual: { version: number | null; sha256: string | null; name: string | null; health: string | null } | null;
  outcome: string | null;
  error: string | null;
  inSync: boolean;
  packets?: number;
}

export interface FleetStatus { nodes: { node: string; state: 'up' | 'stale'; reportedAt: string | null }[]; stages: NodeStageStatus[]; rollouts: RolloutRecord[] }

export async function fleetStatus(etcd: Etcd3): Promise<FleetStatus> {
  const f = await readFleet(etcd);
  const names = [...new Set([...f.alive, ...f.actual.keys()])].sort();
  const stages: NodeStageStatus[] = [];
  for (const node of names) {
    const rep = f.actual.get(node) ?? null;
    const state = f.alive.has(node) ? 'up' as const : 'stale' as const;
    const rows = new Map<string, NodeStageStatus>();
    for (const s of rep?.stages ?? []) {
      rows.set(`${s.port}/${s.stage}`, {
        node, state, reportedAt: rep!.reportedAt, port: s.port, stage: s.stage, desired: null,
        actual: { version: s.version, sha256: s.sha256, name: s.name, health: s.health }, outcome: s.desired?.outcome ?? null, error: s.desired?.error ?? s.error, inSync: true, packets: s.packets,
      });
    }
    for (const d of f.desired.filter((x) => x.node === node)) {
      const k = `${d.port}/${operatorStage(d.tenant, d.stage)}`;
      const row = rows.get(k) ?? { node, state, reportedAt: rep?.reportedAt ?? null, port: d.port, stage: operatorStage(d.tenant, d.stage), desired: null, actual: null, outcome: null, error: null, inSync: false };
      row.desired = { sha256: d.value.sha256, name: d.value.name, rollout: d.value.rollout };
      const refused = rep?.refused?.find((x) => x.key.endsWith(`/desired/${node}/${d.port}/${d.stage}`) && x.key.includes(`/tenants/${d.tenant}/`));
      if (refused && refused.sha256 === d.value.sha256) { row.outcome = 'refused'; row.error = refused.error; }
      rows.set(k, row);
    }
    for (const r of rows.values()) {
      r.inSync = state === 'up' && (r.desired === null || (r.actual?.sha256 === r.desired.sha256));
      stages.push(r);
    }
  }
  return { nodes: names.map((node) => ({ node, state: f.alive.has(node) ? 'up' : 'stale', reportedAt: f.actual.get(node)?.reportedAt ?? null })), stages, rollouts: f.rollouts };
}

export function formatFleetStatus(s: FleetStatus): string {
  const short = (x: { sha256: string | null; name: string | null } | null) => (x?.sha256 ? `${x.name} ${x.sha256.slice(0, 12)}` : '-');
  const lines: string[] = [];
  lines.push(`${s.nodes.length} node(s): ${s.nodes.filter((n) => n.state === 'up').length} up, ${s.nodes.filter((n) => n.state === 'stale').length} stale`);
  for (const r of s.stages) {
    const sync = r.state === 'stale' ? `STALE (last report ${r.reportedAt ?? 'never'})` : r.inSync ? 'in sync' : 'converging';
    lines.push(`  ${r.node} ${r.port}/${r.stage}: runs ${short(r.actual)}${r.actual ? ` v${r.actual.version} (${r.actual.health})` : ''}; desired ${r.desired ? short(r.desired) : '(none)'}; ${sync}${r.outcome === 'failed' || r.outcome === 'refused' ? `; ${r.outcome}: ${r.error}` : ''}`);
  }
  for (const r of s.rollouts) {
    lines.push(`rollout ${r.id} (${r.kind}) of ${r.port}/${r.stage}${r.tenant === 'default' ? '' : ` tenant ${r.tenant}`}: ${r.phase}${r.note ? ` - ${r.note}` : ''} (by ${r.controller}, started ${r.startedAt})`);
  }
  return lines.join('\n');
}
