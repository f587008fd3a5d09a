// The rollout controller: the `wasmxdp fleet deploy` / `fleet rollback`
// process itself drives the rollout. Everything it decides is in etcd (the
// rollout record and the nodes' desired keys) and its claim is a key bound to
// its lease: if it dies, its claim lapses with the lease, the nodes keep what
// they were told, and the next deploy or rollback takes over from the record.
//
// Canary nodes get the new module first; once each runs it and passed its
// health check (the daemon's own probation), every other node gets it at
// once. A canary that fails, or more than maxUnhealthy other nodes that fail
// (health check, refusal, node down, no answer in time), halt the rollout and
// send every node it touched back to what that node ran before.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Etcd3 } from 'etcd3';
import { WasmxdpError } from '../../host/errors.js';
import { judge, operatorStage } from './actual-state.js';
import {
  beginRollout, controllerName, type ModuleRef, newRolloutId, readRollout, type RolloutHandle, type RolloutRecord, updateRollout, writeDesired,
} from './desired-state.js';
import { readNodes } from './fleet-view.js';
import { checkName } from './keys.js';
import { putModule } from './module-store.js';

export interface RolloutOptions {
  tenant: string;
  port: string;
  stage: string;
  canary: number;
  maxUnhealthy: number;
  /** How long a node may take to run the module and pass its health check. */
  healthTimeoutMs: number;
  progress?: (line: string) => void;
}

export interface NodeOutcome { node: string; result: 'ok' | 'failed' | 'down' | 'timeout'; why: string | null; ms: number }

export interface RolloutResult { rollout: RolloutRecord; nodes: NodeOutcome[]; ms: number; stored?: boolean }

const POLL_MS = 50;
/**
 * A node missing from the live set is judged down only after this long: a
 * node whose lease lapsed (an etcd restart) registers again under a new one,
 * and a rollout started in between must not count it as lost.
 */
const DOWN_GRACE_MS = 3000;

/** Stores the module and rolls it out to every live node that runs port/stage. */
export async function deployToFleet(etcd: Etcd3, module: { name: string; bytes: Uint8Array }, o: RolloutOptions): Promise<RolloutResult> {
  check(o);
  const t0 = Date.now();
  const { sha256, stored } = await putModule(etcd, module.bytes);
  const ref: ModuleRef = { sha256, name: module.name };
  const r = await roll(etcd, 'deploy', o, t0, (nodes) => Object.fromEntries(nodes.map((n) => [n, ref])));
  return { ...r, stored };
}

/** Sends every node of the last rollout back to what it ran before it. */
export async function rollbackFleet(etcd: Etcd3, o: RolloutOptions): Promise<RolloutResult> {
  check(o);
  const t0 = Date.now();
  const { record } = await readRollout(etcd, o.tenant, o.port, o.stage);
  if (!record) throw new WasmxdpError('E_NOT_FOUND', `no fleet rollout of port ${o.port} stage ${o.stage} to roll back ('wasmxdp fleet status' lists them)`);
  return roll(etcd, 'rollback', o, t0, (nodes) => Object.fromEntries(nodes.map((n) => [n, record.from[n] ?? null])));
}

function check(o: RolloutOptions): void {
  checkName('--port', o.port);
  checkName('--stage', o.stage);
  checkName('--tenant', o.tenant);
}

async function roll(etcd: Etcd3, kind: 'deploy' | 'rollback', o: RolloutOptions, t0: number, targetsOf: (nodes: string[]) => Record<string, ModuleRef | null>): Promise<RolloutResult> {
  const say = o.progress ?? (() => {});
  const opStage = operatorStage(o.tenant, o.stage);
  const { alive, actual } = await readNodes(etcd);
  const nodes = [...alive].filter((n) => actual.get(n)?.stages.some((s) => s.port === o.port && s.stage === opStage)).sort();
  if (nodes.length === 0) {
    throw new WasmxdpError('E_NOT_FOUND', `no live node runs port ${o.port} stage ${opStage}; live nodes: ${[...alive].sort().join(', ') || 'none'} (start them with 'wasmxdp serve --fleet <url> --node <name>')`);
  }
  const seen = await readRollout(etcd, o.tenant, o.port, o.stage);
  const running = (n: string): ModuleRef | null => {
    const s = actual.get(n)?.stages.find((x) => x.port === o.port && x.stage === opStage);
    return s?.sha256 && s.name ? { sha256: s.sha256, name: s.name } : null;
  };
  const now = new Date().toISOString();
  const targets = targetsOf(nodes);
  const canary = nodes.slice(0, Math.min(o.canary, nodes.length));
  const record: RolloutRecord = {
    id: newRolloutId(), kind, tenant: o.tenant, port: o.port, stage: o.stage, targets, from: Object.fromEntries(nodes.map((n) => [n, running(n)])),
    canary, maxUnhealthy: o.maxUnhealthy, phase: canary.length ? 'canary' : 'rolling', unhealthy: [], note: null, controller: controllerName(), startedAt: now, updatedAt: now,
  };
  const lease = etcd.lease(10, { autoKeepAlive: true });
  await lease.grant();
  let h: RolloutHandle;
  try {
    h = await beginRollout(etcd, lease, record, seen.revision, seen.record);
  } catch (e) {
    await lease.revoke().catch(() => {});
    throw e;
  }
  const outcomes: NodeOutcome[] = [];
  try {
    say(`rollout ${record.id}: ${kind} on ${nodes.length} node(s): ${nodes.join(', ')}${canary.length ? `; canary first: ${canary.join(', ')}` : ''}`);
    const touched: string[] = [];
    const step = async (group: string[]) => {
      touched.push(...group);
      await writeDesired(etcd, h, group, (n) => targets[n]);
      const r = await converge(etcd, h.record, group, (n) => targets[n], o.healthTimeoutMs, t0);
      outcomes.push(...r);
      for (const x of r) say(`  ${x.node}: ${x.result}${x.why ? ` (${x.why})` : ''} after ${x.ms} ms`);
      return r.filter((x) => x.result !== 'ok');
    };
    const bad: NodeOutcome[] = [];
    if (canary.length) {
      bad.push(...await step(canary));
      if (bad.length) return { ...await halt(etcd, h, touched, bad, `canary ${bad.map((b) => b.node).join(', ')} failed`, o, t0), nodes: outcomes, ms: Date.now() - t0 };
      await updateRollout(etcd, h, { phase: 'rolling' });
    }
    bad.push(...await step(nodes.filter((n) => !canary.includes(n))));
    if (bad.length > o.maxUnhealthy) {
      return { ...await halt(etcd, h, touched, bad, `${bad.length} node(s) failed (${bad.map((b) => b.node).join(', ')}), more than --max-unhealthy ${o.maxUnhealthy}`, o, t0), nodes: outcomes, ms: Date.now() - t0 };
    }
    await updateRollout(etcd, h, { phase: 'done', unhealthy: bad.map(unhealthy), note: bad.length ? `${bad.length} node(s) did not converge (within --max-unhealthy ${o.maxUnhealthy}); they keep their desired state and converge when they come back` : null });
    return { rollout: h.record, nodes: outcomes, ms: Date.now() - t0 };
  } finally {
    await lease.revoke().catch(() => {});
  }
}

const unhealthy = (b: NodeOutcome) => ({ node: b.node, why: b.why ?? b.result });

/** Sends `touched` back to what each ran before, waits (bounded) for them, and records the halt. */
async function halt(etcd: Etcd3, h: RolloutHandle, touched: string[], bad: NodeOutcome[], why: string, o: RolloutOptions, t0: number): Promise<{ rollout: RolloutRecord }> {
  const say = o.progress ?? (() => {});
  say(`rollout ${h.record.id}: halted: ${why}; rolling back ${touched.join(', ')}`);
  await updateRollout(etcd, h, { phase: 'halted', unhealthy: bad.map(unhealthy), note: `halted: ${why}; every node it touched was sent back to what it ran before`, targets: { ...h.record.targets, ...Object.fromEntries(touched.map((n) => [n, h.record.from[n]])) } });
  const back = touched.filter((n) => h.record.from[n] !== null);
  await writeDesired(etcd, h, touched, (n) => h.record.from[n]);
  const r = await converge(etcd, h.record, back, (n) => h.record.from[n]!, o.healthTimeoutMs, t0);
  for (const x of r) say(`  ${x.node}: back on ${h.record.from[x.node]!.name}: ${x.result}${x.why ? ` (${x.why})` : ''}`);
  return { rollout: h.record };
}

/** Waits until each node runs its target healthily, fails it, goes down, or the time is up. */
async function converge(etcd: Etcd3, rec: RolloutRecord, nodes: string[], want: (n: string) => ModuleRef | null, timeoutMs: number, t0: number): Promise<NodeOutcome[]> {
  const start = Date.now();
  const pending = new Set(nodes.filter((n) => want(n) !== null));
  const out: NodeOutcome[] = nodes.filter((n) => want(n) === null).map((node) => ({ node, result: 'ok' as const, why: 'left as it was', ms: 0 }));
  const opStage = operatorStage(rec.tenant, rec.stage);
  const absentSince = new Map<string, number>();
  while (pending.size) {
    const { alive, actual } = await readNodes(etcd);
    for (const n of [...pending]) {
      if (alive.has(n)) absentSince.delete(n);
      else if (!absentSince.has(n)) absentSince.set(n, Date.now());
      const j = judge(actual.get(n) ?? null, rec.id, rec.port, opStage, want(n)!);
      const done = (result: NodeOutcome['result'], why: string | null) => { pending.delete(n); out.push({ node: n, result, why, ms: Date.now() - t0 }); };
      if (j === 'ok') done('ok', null);
      else if (j !== 'pending') done('failed', j.failed);
      else if (!alive.has(n) && Date.now() - absentSince.get(n)! >= DOWN_GRACE_MS) done('down', 'the node went down (its lease expired)');
      else if (Date.now() - start > timeoutMs) done('timeout', `not running ${want(n)!.name} healthily within ${timeoutMs} ms (--health-timeout)`);
    }
    if (pending.size) await sleep(POLL_MS);
  }
  // In the order the rollout names the nodes, not the order they were decided in (a node going down can be decided first).
  return out.sort((a, b) => nodes.indexOf(a.node) - nodes.indexOf(b.node));
}
