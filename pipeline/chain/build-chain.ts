// Builds a port's chain from the config: a sandbox per stage (the operator's
// stages, then each tenant's, tenant stages checked against the tenant's
// quotas), the memory that serves as UMEM, and the runner over them.
// Offline runs, the in-memory chain port and live chain workers share it.

import { memoryPages } from '../../host/abi.js';
import { MapsRegion } from '../../host/maps/region.js';
import type { Sandbox } from '../../host/sandbox.js';
import { createSandbox } from '../program/create-sandbox.js';
import type { ProgramBytes } from '../program/load-program.js';
import type { Quota, StageConfig, TenantConfig } from '../tenants/config.js';
import { OPERATOR } from '../tenants/config.js';
import { checkMapQuota, checkModuleQuota } from '../tenants/quota.js';
import type { MapShapeSpec } from '../../host/maps/map-ops.js';
import { ChainRunner, ChainTenant } from './chain-runner.js';
import { ChainStage } from './stage.js';

/** A tenant stage that traps this often is quarantined until its next deploy. */
export const TENANT_QUARANTINE = { maxTraps: 10, windowMs: 1000 };

export interface StageSpec {
  owner: string;
  config: StageConfig;
  program: ProgramBytes;
}

export interface ChainOptions {
  frameSize?: 2048 | 4096;
  portCount?: number;
  log?: (line: string) => void;
  /** The tenant whose first stage owns the UMEM (a queue dedicated to it); default: the operator's first stage. */
  homeTenant?: number;
}

/** The maps a sandbox's module declared, as shapes. */
export function declaredMaps(sb: Sandbox): MapShapeSpec[] {
  return MapsRegion.of(sb.memory).list().map((i) => ({
    name: i.name, kind: i.kindName as MapShapeSpec['kind'], keySize: i.keySize, valueSize: i.valueSize, maxEntries: i.maxEntries,
  }));
}

/** One stage's sandbox; a tenant's stage is held to its quota. */
export function createStage(spec: StageSpec, quota: Quota | null, opts: ChainOptions): ChainStage {
  const p = spec.config.program;
  if (quota) checkModuleQuota(spec.owner, quota, spec.program.bytes.length);
  const sb = createSandbox({ ...spec.program, name: `${spec.owner}/${spec.config.stage}` }, {
    heapPages: p.heapPages, fuelPerPacket: p.fuelPerPacket, failVerdict: p.failVerdict, metering: p.metering,
    frameSize: opts.frameSize, portCount: opts.portCount, log: opts.log,
    // Fairness (docs/tenants.md): a tenant's call gets at most fuelPerBatch
    // whatever its share of the batch, is never re-run after a trap (its
    // neighbours would wait twice), and 10 traps within a second quarantine it.
    ...(quota ? { maxFuelPerBatch: quota.fuelPerBatch, maxRerunsPerBatch: 0, quarantine: TENANT_QUARANTINE } : {}),
    maxModuleBytes: quota?.moduleBytes,
  });
  if (quota) checkMapQuota(spec.owner, quota, declaredMaps(sb));
  return new ChainStage(spec.config.stage, spec.owner, sb, spec.config.chainActions);
}

export interface BuiltChain {
  runner: ChainRunner;
  /** The memory whose frame area is the UMEM. */
  umem: WebAssembly.Memory;
}

/**
 * `operator`: the port's stages; `tenants`: each tenant with its stage
 * programs in chain order (bytes loaded by the caller).
 */
export function buildChain(operator: StageSpec[], tenants: { config: TenantConfig; stages: StageSpec[] }[], opts: ChainOptions = {}): BuiltChain {
  const ops = operator.map((s) => createStage({ ...s, owner: OPERATOR }, null, opts));
  const ts: ChainTenant[] = tenants.map((t) => ({
    id: t.config.id, name: t.config.name,
    stages: t.stages.map((s) => createStage({ ...s, owner: t.config.name }, t.config.quota, opts)),
  }));
  const home = opts.homeTenant !== undefined ? ts.find((t) => t.id === opts.homeTenant)?.stages[0] : ops[0];
  // With no stage to own it, the UMEM is a memory no guest ever sees.
  const umem = home?.sandbox.memory ?? new WebAssembly.Memory({ initial: memoryPages(1), maximum: memoryPages(1) });
  return { runner: new ChainRunner(umem, ops, ts), umem };
}
