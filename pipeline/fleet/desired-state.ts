// Desired state: one rollout record per tenant/port/stage, and one desired
// key per node. The record is only ever changed by compare-and-swap on its
// etcd revision, and a new rollout also needs the previous one's controller
// key to be gone (it is bound to the controller's lease): of two deploys at
// once, exactly one gets to write, and the other gets E_FLEET_CONFLICT.

import crypto from 'node:crypto';
import os from 'node:os';
import type { Etcd3, Lease } from 'etcd3';
import { WasmxdpError } from '../../host/errors.js';
import { keys } from './keys.js';

export interface ModuleRef { sha256: string; name: string }

export type RolloutPhase = 'canary' | 'rolling' | 'done' | 'halted';

export interface RolloutRecord {
  id: string;
  kind: 'deploy' | 'rollback';
  tenant: string;
  port: string;
  stage: string;
  /** What each node is to run (null: leave the node as it is). */
  targets: Record<string, ModuleRef | null>;
  /** What each node ran before (a rollback's targets). */
  from: Record<string, ModuleRef | null>;
  canary: string[];
  maxUnhealthy: number;
  phase: RolloutPhase;
  /** Nodes that failed their health check, refused the module or went down, and why. */
  unhealthy: { node: string; why: string }[];
  note: string | null;
  controller: string;
  startedAt: string;
  updatedAt: string;
}

/** What one node reads: run this module on this port/stage. */
export interface DesiredValue extends ModuleRef { rollout: string }

/** A rollout being changed by one controller: its record's key and last revision. */
export interface RolloutHandle { key: string; record: RolloutRecord; revision: string }

const ACTIVE: RolloutPhase[] = ['canary', 'rolling'];

export const controllerKey = (rolloutKey: string) => `${rolloutKey}/controller`;

export async function readRollout(etcd: Etcd3, tenant: string, port: string, stage: string): Promise<{ record: RolloutRecord | null; revision: string }> {
  const r = await etcd.get(keys.rollout(tenant, port, stage)).exec();
  const kv = r.kvs[0];
  return kv ? { record: JSON.parse(kv.value.toString()) as RolloutRecord, revision: kv.mod_revision } : { record: null, revision: '0' };
}

export function newRolloutId(): string {
  return `${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${crypto.randomBytes(3).toString('hex')}`;
}

export function controllerName(): string {
  return `${os.hostname()} pid ${process.pid}`;
}

/**
 * Writes a new rollout record if the record is still at `seenRevision` and no
 * controller drives one (its lease-bound key is gone); else E_FLEET_CONFLICT.
 */
export async function beginRollout(etcd: Etcd3, lease: Lease, record: RolloutRecord, seenRevision: string, seen: RolloutRecord | null): Promise<RolloutHandle> {
  const key = keys.rollout(record.tenant, record.port, record.stage);
  const ctl = controllerKey(key);
  const r = await etcd.if(key, 'Mod', '==', seenRevision).and(ctl, 'Create', '==', 0)
    .then(etcd.put(key).value(JSON.stringify(record)), lease.put(ctl).value(record.controller))
    .commit();
  if (!r.succeeded) {
    const now = await readRollout(etcd, record.tenant, record.port, record.stage);
    const driver = await etcd.get(ctl).string();
    const other = now.record ?? seen;
    throw new WasmxdpError('E_FLEET_CONFLICT', driver !== null && other
      ? `${where(record)}: rollout ${other.id} (${other.kind} of ${describeTargets(other)}, phase ${other.phase}) is being driven by ${driver}; wait for it to finish ('wasmxdp fleet status'), then try again`
      : `${where(record)}: the desired state changed while this ${record.kind} was being prepared (rollout ${now.record?.id ?? '?'} by ${now.record?.controller ?? '?'} won); check 'wasmxdp fleet status', then try again`);
  }
  return { key, record, revision: String(r.header.revision) };
}

/** Compare-and-swap update of a rollout this controller drives. */
export async function updateRollout(etcd: Etcd3, h: RolloutHandle, change: Partial<RolloutRecord>): Promise<void> {
  const next: RolloutRecord = { ...h.record, ...change, updatedAt: new Date().toISOString() };
  const r = await etcd.if(h.key, 'Mod', '==', h.revision).then(etcd.put(h.key).value(JSON.stringify(next))).commit();
  if (!r.succeeded) throw new WasmxdpError('E_FLEET_CONFLICT', `${where(h.record)}: rollout ${h.record.id} was changed by someone else meanwhile (another controller took it over?); see 'wasmxdp fleet status'`);
  h.record = next;
  h.revision = String(r.header.revision);
}

/** Writes (or, for null, deletes) the desired keys of `nodes`, in one transaction. */
export async function writeDesired(etcd: Etcd3, h: RolloutHandle, nodes: string[], pick: (node: string) => ModuleRef | null): Promise<void> {
  if (nodes.length === 0) return;
  const { tenant, port, stage, id } = h.record;
  const ops = await Promise.all(nodes.map((n) => {
    const m = pick(n);
    const k = keys.desired(tenant, n, port, stage);
    return m ? etcd.put(k).value(JSON.stringify({ rollout: id, sha256: m.sha256, name: m.name } satisfies DesiredValue)).op() : etcd.delete().key(k).op();
  }));
  // Only while this controller still owns the rollout.
  const r = await etcd.if(h.key, 'Mod', '==', h.revision).then(...ops).commit();
  if (!r.succeeded) throw new WasmxdpError('E_FLEET_CONFLICT', `${where(h.record)}: rollout ${id} was changed by someone else meanwhile; see 'wasmxdp fleet status'`);
}

export function isActive(r: RolloutRecord | null): boolean {
  return r !== null && ACTIVE.includes(r.phase);
}

function where(r: { tenant: string; port: string; stage: string }): string {
  return `port ${r.port} stage ${r.stage}${r.tenant === 'default' ? '' : ` (tenant ${r.tenant})`}`;
}

function describeTargets(r: RolloutRecord): string {
  const names = [...new Set(Object.values(r.targets).filter((t): t is ModuleRef => t !== null).map((t) => `${t.name} ${t.sha256.slice(0, 12)}`))];
  return names.join(', ') || 'nothing';
}
