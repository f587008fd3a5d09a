// The multi-tenant part of pipeline.json: each port's chain of stages and the
// tenants[] (socket, traffic selectors, quotas, chain, dedicated queues).
// Validation names the key path (`tenants[0].quota.heapPages: ...`).

import path from 'node:path';
import { ACTION_NAMES, ActionName } from '../../host/abi.js';
import { WasmxdpError } from '../../host/errors.js';
import { MAX_FUEL, OPTIONS } from '../../host/options.js';
import { parseSelector, Selector } from './selector.js';

/** What a stage's program config looks like once validated (control/config.ts). */
export interface StageProgram {
  path: string;
  heapPages?: number;
  fuelPerPacket?: number;
  failVerdict?: 'aborted' | 'drop' | 'pass';
  metering?: boolean;
  health: { packets: number; ms: number };
}

export interface StageConfig {
  stage: string;
  program: StageProgram;
  /** Verdicts that go on to the next stage (libxdp's chain_call_actions); default ['pass']. */
  chainActions: ActionName[];
}

export interface Quota {
  /** Packets per second, enforced in the kernel (token bucket). */
  pps?: number;
  fuelPerPacket: number;
  /** Fuel of one guest call whatever the batch size: the tenant's CPU share of a batch. */
  fuelPerBatch: number;
  heapPages: number;
  mapBytes: number;
  stages: number;
  moduleBytes: number;
}

export interface TenantSocket { path: string; uid: number; gid: number; mode: number }

export interface TenantConfig {
  name: string;
  /** 1-based position in tenants[]: the tenant id frames carry (0: no tenant). */
  id: number;
  socket: TenantSocket;
  match: Selector[];
  quota: Quota;
  chain: StageConfig[];
  /** Queues dedicated to this tenant (zero copy); none: it shares the port's queues. */
  queues: number[];
}

/** Quotas a tenant gets for what its config does not say. */
export const DEFAULT_QUOTA: Quota = {
  fuelPerPacket: OPTIONS.fuelPerPacket.default, fuelPerBatch: 1_000_000, heapPages: OPTIONS.heapPages.default, mapBytes: 4 * 1024 * 1024, stages: 4, moduleBytes: 1024 * 1024,
};

/** The operator's identity: the owner of ports and their stages (the protocol's 'default' tenant). */
export const OPERATOR = 'default';
export const RESERVED_TENANT_NAMES = [OPERATOR, 'operator'];
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

type Obj = Record<string, unknown>;
export type ProgramParser = (v: unknown, key: string, baseDir: string) => StageProgram;

function fail(key: string, msg: string): never {
  throw new WasmxdpError('E_CONFIG', `${key}: ${msg}`);
}

function obj(v: unknown, key: string, allowed: string[]): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(key, `must be an object, got ${JSON.stringify(v)}`);
  for (const k of Object.keys(v as Obj)) if (!allowed.includes(k)) fail(`${key}.${k}`, `unknown key; expected one of ${allowed.join(', ')}`);
  return v as Obj;
}

function int(o: Obj, k: string, key: string, min: number, max: number): number | undefined {
  const v = o[k];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(`${key}.${k}`, `must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  return v;
}

export function stageName(v: unknown, key: string): string {
  if (typeof v !== 'string' || !NAME.test(v)) fail(key, `must be 1-64 letters, digits, '_', '.' or '-', got ${JSON.stringify(v)}`);
  return v;
}

/** A chain: [{ stage, program, chainActions? }], stage names unique within it. */
export function parseChain(v: unknown, key: string, baseDir: string, program: ProgramParser): StageConfig[] {
  if (!Array.isArray(v) || v.length === 0) fail(key, 'must be a non-empty array of { stage, program }');
  const seen = new Set<string>();
  return v.map((s, i) => {
    const k = `${key}[${i}]`;
    const o = obj(s, k, ['stage', 'program', 'chainActions']);
    const stage = stageName(o.stage, `${k}.stage`);
    if (seen.has(stage)) fail(`${k}.stage`, `'${stage}' is used by an earlier stage of this chain; names must be unique`);
    seen.add(stage);
    if (o.program === undefined) fail(`${k}.program`, 'is required');
    let chainActions: ActionName[] = ['pass'];
    if (o.chainActions !== undefined) {
      if (!Array.isArray(o.chainActions) || o.chainActions.some((a) => !ACTION_NAMES.includes(a as ActionName))) {
        fail(`${k}.chainActions`, `must be an array of verdicts (${ACTION_NAMES.join(', ')}) that go on to the next stage, got ${JSON.stringify(o.chainActions)}`);
      }
      chainActions = [...new Set(o.chainActions as ActionName[])];
    }
    return { stage, program: program(o.program, `${k}.program`, baseDir), chainActions };
  });
}

function quota(v: unknown, key: string): Quota {
  const o = v === undefined ? {} : obj(v, key, ['pps', 'fuelPerPacket', 'fuelPerBatch', 'heapPages', 'mapBytes', 'stages', 'moduleBytes']);
  return {
    pps: int(o, 'pps', key, 1, 100_000_000),
    fuelPerPacket: int(o, 'fuelPerPacket', key, OPTIONS.fuelPerPacket.min, OPTIONS.fuelPerPacket.max) ?? DEFAULT_QUOTA.fuelPerPacket,
    fuelPerBatch: int(o, 'fuelPerBatch', key, 1000, MAX_FUEL) ?? DEFAULT_QUOTA.fuelPerBatch,
    heapPages: int(o, 'heapPages', key, OPTIONS.heapPages.min, OPTIONS.heapPages.max) ?? DEFAULT_QUOTA.heapPages,
    mapBytes: int(o, 'mapBytes', key, 0, 16 * 1024 * 1024) ?? DEFAULT_QUOTA.mapBytes,
    stages: int(o, 'stages', key, 1, 64) ?? DEFAULT_QUOTA.stages,
    moduleBytes: int(o, 'moduleBytes', key, 1024, 64 * 1024 * 1024) ?? DEFAULT_QUOTA.moduleBytes,
  };
}

function socket(v: unknown, key: string): TenantSocket {
  const o = obj(v, key, ['path', 'uid', 'gid', 'mode']);
  if (typeof o.path !== 'string' || !path.isAbsolute(o.path)) fail(`${key}.path`, `must be an absolute path, got ${JSON.stringify(o.path)}`);
  const uid = int(o, 'uid', key, 0, 0xfffffffe);
  if (uid === undefined) fail(`${key}.uid`, 'is required: the user that may connect');
  let mode = 0o600;
  if (o.mode !== undefined) {
    if (typeof o.mode !== 'string' || !/^0?[0-7]{3}$/.test(o.mode)) fail(`${key}.mode`, `must be an octal mode string like "0600", got ${JSON.stringify(o.mode)}`);
    mode = parseInt(o.mode, 8);
    if (mode & 0o007) fail(`${key}.mode`, `${o.mode} lets every user of the machine connect; give others no access (e.g. "0600" or "0660")`);
  }
  return { path: o.path, uid, gid: int(o, 'gid', key, 0, 0xfffffffe) ?? 0, mode };
}

/** Checks a stage's program against the tenant's quota; fills in the quota as its default. */
function fitQuota(s: StageConfig, q: Quota, key: string): void {
  const p = s.program;
  if (p.metering === false) fail(`${key}.program.metering`, 'a tenant stage is always metered (the CPU budget is its fairness bound)');
  p.fuelPerPacket ??= q.fuelPerPacket;
  p.heapPages ??= q.heapPages;
  if (p.fuelPerPacket > q.fuelPerPacket) fail(`${key}.program.fuelPerPacket`, `${p.fuelPerPacket} is over the tenant's quota fuelPerPacket ${q.fuelPerPacket}`);
  if (p.heapPages > q.heapPages) fail(`${key}.program.heapPages`, `${p.heapPages} is over the tenant's quota heapPages ${q.heapPages}`);
}

/** Validates tenants[]; `ports` are the port names, `queues` each port's queue setting. */
export function parseTenants(v: unknown, ports: { name: string; queue: number | 'all' }[], baseDir: string, program: ProgramParser): TenantConfig[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) fail('tenants', 'must be an array of tenants');
  const names = new Set<string>();
  const sockets = new Set<string>();
  const portNames = ports.map((p) => p.name);
  const dedicated = new Map<string, string>();
  return v.map((t, i) => {
    const key = `tenants[${i}]`;
    const o = obj(t, key, ['name', 'socket', 'match', 'quota', 'chain', 'queues']);
    const name = stageName(o.name, `${key}.name`);
    if (RESERVED_TENANT_NAMES.includes(name)) fail(`${key}.name`, `'${name}' is reserved; choose another name`);
    if (names.has(name)) fail(`${key}.name`, `'${name}' is used by an earlier tenant; names must be unique`);
    names.add(name);
    if (o.socket === undefined) fail(`${key}.socket`, 'is required: { path, uid, mode }');
    const sock = socket(o.socket, `${key}.socket`);
    if (sockets.has(sock.path)) fail(`${key}.socket.path`, `${sock.path} is another tenant's socket`);
    sockets.add(sock.path);
    if (!Array.isArray(o.match) || o.match.length === 0) fail(`${key}.match`, 'must be a non-empty array of selectors ({ port, dst | vlan | proto [, dport] })');
    const match = o.match.map((m, j) => parseSelector(m, `${key}.match[${j}]`, portNames));
    const q = quota(o.quota, `${key}.quota`);
    const chain = parseChain(o.chain, `${key}.chain`, baseDir, program);
    if (chain.length > q.stages) fail(`${key}.chain`, `${chain.length} stages are over the tenant's quota stages ${q.stages}`);
    chain.forEach((s, j) => fitQuota(s, q, `${key}.chain[${j}]`));
    let queues: number[] = [];
    if (o.queues !== undefined) {
      if (!Array.isArray(o.queues) || o.queues.some((x) => !Number.isInteger(x) || (x as number) < 0 || (x as number) > 63)) fail(`${key}.queues`, `must be an array of queue numbers 0-63, got ${JSON.stringify(o.queues)}`);
      queues = [...new Set(o.queues as number[])];
      for (const q of queues) {
        for (const port of new Set(match.map((m) => m.port))) {
          const k = `${port}:${q}`;
          if (dedicated.has(k)) fail(`${key}.queues`, `queue ${q} of port ${port} is already dedicated to tenant ${dedicated.get(k)}`);
          dedicated.set(k, name);
        }
      }
    }
    return { name, id: i + 1, socket: sock, match, quota: q, chain, queues };
  });
}
