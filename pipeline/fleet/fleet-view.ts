// One read of the fleet as etcd holds it: which nodes are alive (their lease
// lives), what each last reported, and every rollout and desired key.

import type { Etcd3 } from 'etcd3';
import { FLEET_PREFIX, parseDesiredKey } from './keys.js';
import type { ActualReport } from './actual-state.js';
import type { DesiredValue, RolloutRecord } from './desired-state.js';

export interface FleetView {
  alive: Set<string>;
  actual: Map<string, ActualReport>;
  rollouts: RolloutRecord[];
  desired: { tenant: string; node: string; port: string; stage: string; value: DesiredValue }[];
}

export async function readNodes(etcd: Etcd3): Promise<Pick<FleetView, 'alive' | 'actual'>> {
  const all = await etcd.getAll().prefix(`${FLEET_PREFIX}nodes/`).strings();
  const alive = new Set<string>();
  const actual = new Map<string, ActualReport>();
  for (const [k, v] of Object.entries(all)) {
    const m = /^\/wasmxdp\/nodes\/([^/]+)\/(alive|actual)$/.exec(k);
    if (!m) continue;
    if (m[2] === 'alive') alive.add(m[1]);
    else actual.set(m[1], JSON.parse(v) as ActualReport);
  }
  return { alive, actual };
}

export async function readFleet(etcd: Etcd3): Promise<FleetView> {
  const nodes = await readNodes(etcd);
  const all = await etcd.getAll().prefix(`${FLEET_PREFIX}tenants/`).strings();
  const rollouts: RolloutRecord[] = [];
  const desired: FleetView['desired'] = [];
  for (const [k, v] of Object.entries(all)) {
    const d = parseDesiredKey(k);
    if (d) desired.push({ ...d, value: JSON.parse(v) as DesiredValue });
    else if (/\/rollouts\/[^/]+\/[^/]+$/.test(k)) rollouts.push(JSON.parse(v) as RolloutRecord);
  }
  return { ...nodes, rollouts, desired };
}
