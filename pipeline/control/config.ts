// The daemon's pipeline.json: ports (interfaces, queue, mode) and the program
// each runs, with its sandbox options and health check. Validation names the
// offending key (`ports[1].program.fuelPerPacket: ...`) so a config error is
// fixed in one look.

import fs from 'node:fs';
import path from 'node:path';
import type { FrameSize } from '../../host/abi.js';
import { WasmxdpError } from '../../host/errors.js';
import { OPTIONS, type FailVerdict, type RangeOption, type XdpMode } from '../../host/options.js';
import type { HealthPolicy } from '../live/control-messages.js';
import { DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_TENANT } from './protocol.js';
import { CONTROL_LIMIT_DEFAULTS } from './server.js';
import { parseChain, parseTenants, StageConfig, TenantConfig } from '../tenants/config.js';
import { MetricsConfig, parseMetricsConfig } from '../ops/metrics-config.js';

export interface ProgramConfig {
  /** Absolute path of a .ts handler, an example directory or a .wasm. */
  path: string;
  heapPages?: number;
  fuelPerPacket?: number;
  failVerdict?: FailVerdict;
  metering?: boolean;
  health: HealthPolicy;
}

export interface PortConfig {
  name: string;
  owner: string;
  ifaces: string[];
  queue: number | 'all';
  mode: XdpMode;
  force: boolean;
  frameSize: FrameSize;
  /** The first stage's program (a `program` key is a one-stage chain). */
  program: ProgramConfig;
  /** The operator's stages, run before the matched tenant's (tenants/config.ts). */
  chain: StageConfig[];
}

export interface PipelineConfig {
  socket?: string;
  readTimeoutMs: number;
  maxMessageBytes: number;
  /** Control socket bounds (docs/control-plane.md, threat model). */
  maxConnections: number;
  messageDeadlineMs: number;
  idleTimeoutMs: number;
  maxBufferedBytes: number;
  /** Versions kept per port, the running one included: rollback reaches historyDepth - 1 back. */
  historyDepth: number;
  /** A deploy or rollback that has not started swapping this long after it arrived is abandoned. */
  deployDeadlineMs: number;
  ports: PortConfig[];
  tenants: TenantConfig[];
  /** Prometheus endpoint (pipeline/ops/metrics-config.ts); off when absent. */
  metrics?: MetricsConfig;
  /** Where run-time changes are kept across restarts (pipeline/ops/state-store.ts); absolute. */
  stateDir?: string;
}

export const DEFAULT_HEALTH: HealthPolicy = { packets: 100, ms: 1000 };
export const DEFAULT_READ_TIMEOUT_MS = CONTROL_LIMIT_DEFAULTS.readTimeoutMs;
export const DEFAULT_HISTORY_DEPTH = 3;
export const DEFAULT_DEPLOY_DEADLINE_MS = 60_000;

type Obj = Record<string, unknown>;

const at = (key: string, k: string) => (key ? `${key}.${k}` : k);

function fail(key: string, msg: string): never {
  throw new WasmxdpError('E_CONFIG', key ? `${key}: ${msg}` : `the config ${msg}`);
}

function object(v: unknown, key: string, allowed: string[]): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(key, `must be an object, got ${JSON.stringify(v)}`);
  for (const k of Object.keys(v as Obj)) {
    if (!allowed.includes(k)) fail(at(key, k), `unknown key; expected one of ${allowed.join(', ')}`);
  }
  return v as Obj;
}

function int(o: Obj, k: string, key: string, min: number, max: number): number | undefined {
  const v = o[k];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(at(key, k), `must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  return v;
}

function option(o: Obj, k: string, key: string, spec: RangeOption): number | undefined {
  return int(o, k, key, spec.min, spec.max);
}

function string(o: Obj, k: string, key: string, required: boolean): string | undefined {
  const v = o[k];
  if (v === undefined) { if (required) fail(at(key, k), 'is required'); return undefined; }
  if (typeof v !== 'string' || v.length === 0) fail(at(key, k), `must be a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

function oneOf<T extends string>(o: Obj, k: string, key: string, options: readonly T[]): T | undefined {
  const v = o[k];
  if (v === undefined) return undefined;
  if (!options.includes(v as T)) fail(at(key, k), `must be one of ${options.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

function bool(o: Obj, k: string, key: string): boolean | undefined {
  const v = o[k];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') fail(at(key, k), `must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

function health(v: unknown, key: string): HealthPolicy {
  if (v === undefined) return { ...DEFAULT_HEALTH };
  const o = object(v, key, ['packets', 'ms']);
  return {
    packets: int(o, 'packets', key, 0, 1e9) ?? DEFAULT_HEALTH.packets,
    ms: int(o, 'ms', key, 0, 3_600_000) ?? DEFAULT_HEALTH.ms,
  };
}

export function program(v: unknown, key: string, baseDir: string): ProgramConfig {
  if (typeof v === 'string') v = { path: v };
  const o = object(v, key, ['path', 'heapPages', 'fuelPerPacket', 'failVerdict', 'metering', 'health']);
  const p = string(o, 'path', key, true)!;
  const abs = path.resolve(baseDir, p);
  if (!fs.existsSync(abs)) fail(`${key}.path`, `${abs} does not exist (relative paths are relative to the config file)`);
  return {
    path: abs,
    heapPages: option(o, 'heapPages', key, OPTIONS.heapPages),
    fuelPerPacket: option(o, 'fuelPerPacket', key, OPTIONS.fuelPerPacket),
    failVerdict: oneOf(o, 'failVerdict', key, OPTIONS.failVerdict.values),
    metering: bool(o, 'metering', key),
    health: health(o.health, `${key}.health`),
  };
}

function port(v: unknown, key: string, baseDir: string): PortConfig {
  const o = object(v, key, ['name', 'owner', 'iface', 'ifaces', 'queue', 'mode', 'force', 'frameSize', 'program', 'chain']);
  const name = string(o, 'name', key, true)!;
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) fail(`${key}.name`, `must be 1-64 letters, digits, '_', '.' or '-', got ${JSON.stringify(name)}`);
  const owner = string(o, 'owner', key, false) ?? DEFAULT_TENANT;
  if (owner !== DEFAULT_TENANT) fail(`${key}.owner`, `only the tenant '${DEFAULT_TENANT}' exists in this version, got ${JSON.stringify(owner)}`);
  if (o.iface !== undefined && o.ifaces !== undefined) fail(`${key}.ifaces`, 'give iface or ifaces, not both');
  let ifaces: string[];
  if (o.ifaces !== undefined) {
    if (!Array.isArray(o.ifaces) || o.ifaces.length === 0) fail(`${key}.ifaces`, 'must be a non-empty array of interface names');
    ifaces = o.ifaces.map((x, i) => {
      if (typeof x !== 'string' || !/^[A-Za-z0-9_.:@-]{1,15}$/.test(x)) fail(`${key}.ifaces[${i}]`, `must be an interface name (1-15 characters), got ${JSON.stringify(x)}`);
      return x;
    });
  } else {
    const i = string(o, 'iface', key, false);
    if (i === undefined) fail(`${key}.iface`, 'is required (or ifaces)');
    if (!/^[A-Za-z0-9_.:@-]{1,15}$/.test(i)) fail(`${key}.iface`, `must be an interface name (1-15 characters), got ${JSON.stringify(i)}`);
    ifaces = [i];
  }
  let queue: number | 'all' = OPTIONS.queue.default;
  if (o.queue !== undefined) queue = o.queue === 'all' ? 'all' : option(o, 'queue', key, OPTIONS.queue)!;
  const frameSize = o.frameSize === undefined ? OPTIONS.frameSize.default : o.frameSize;
  if (!(OPTIONS.frameSize.values as readonly unknown[]).includes(frameSize)) fail(`${key}.frameSize`, `must be ${OPTIONS.frameSize.values.join(' or ')}, got ${JSON.stringify(frameSize)}`);
  if (o.program !== undefined && o.chain !== undefined) fail(`${key}.chain`, 'give program (one stage) or chain, not both');
  if (o.program === undefined && o.chain === undefined) fail(`${key}.program`, 'is required (or chain)');
  const chain = o.chain !== undefined
    ? parseChain(o.chain, `${key}.chain`, baseDir, program)
    : [{ stage: 'main', program: program(o.program, `${key}.program`, baseDir), chainActions: ['pass' as const] }];
  return {
    name, owner, ifaces, queue,
    mode: oneOf(o, 'mode', key, OPTIONS.xdpMode.values) ?? OPTIONS.xdpMode.default,
    force: bool(o, 'force', key) ?? false,
    frameSize: frameSize as FrameSize,
    program: chain[0].program,
    chain,
  };
}

/** Validates a parsed config; relative program paths resolve against baseDir. */
export function validateConfig(raw: unknown, baseDir: string): PipelineConfig {
  const o = object(raw, '', ['socket', 'readTimeoutMs', 'maxMessageBytes', 'maxConnections', 'messageDeadlineMs', 'idleTimeoutMs', 'maxBufferedBytes', 'historyDepth', 'deployDeadlineMs', 'ports', 'tenants', 'metrics', 'stateDir']);
  if (!Array.isArray(o.ports) || o.ports.length === 0) fail('ports', 'must be a non-empty array of ports');
  const ports = o.ports.map((p, i) => port(p, `ports[${i}]`, baseDir));
  const names = new Set<string>();
  const ifaces = new Map<string, string>();
  ports.forEach((p, i) => {
    if (names.has(p.name)) fail(`ports[${i}].name`, `'${p.name}' is used by an earlier port; names must be unique`);
    names.add(p.name);
    for (const ifn of p.ifaces) {
      if (ifaces.has(ifn)) fail(`ports[${i}].ifaces`, `${ifn} is already used by port '${ifaces.get(ifn)}'; an interface belongs to one port`);
      ifaces.set(ifn, p.name);
    }
  });
  return {
    socket: string(o, 'socket', '', false),
    readTimeoutMs: int(o, 'readTimeoutMs', '', 10, 600_000) ?? DEFAULT_READ_TIMEOUT_MS,
    maxMessageBytes: int(o, 'maxMessageBytes', '', 1024, 64 * 1024 * 1024) ?? DEFAULT_MAX_MESSAGE_BYTES,
    maxConnections: int(o, 'maxConnections', '', 1, 4096) ?? CONTROL_LIMIT_DEFAULTS.maxConnections,
    messageDeadlineMs: int(o, 'messageDeadlineMs', '', 10, 600_000) ?? CONTROL_LIMIT_DEFAULTS.messageDeadlineMs,
    idleTimeoutMs: int(o, 'idleTimeoutMs', '', 10, 86_400_000) ?? CONTROL_LIMIT_DEFAULTS.idleTimeoutMs,
    maxBufferedBytes: int(o, 'maxBufferedBytes', '', 1024, 4 * 1024 * 1024 * 1024) ?? CONTROL_LIMIT_DEFAULTS.maxBufferedBytes,
    historyDepth: int(o, 'historyDepth', '', 1, 64) ?? DEFAULT_HISTORY_DEPTH,
    deployDeadlineMs: int(o, 'deployDeadlineMs', '', 100, 3_600_000) ?? DEFAULT_DEPLOY_DEADLINE_MS,
    ports,
    tenants: parseTenants(o.tenants, ports, baseDir, program),
    metrics: parseMetricsConfig(o.metrics),
    stateDir: o.stateDir === undefined ? undefined : path.resolve(baseDir, string(o, 'stateDir', '', true)!),
  };
}

export function loadConfig(file: string): PipelineConfig {
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch (e) {
    throw new WasmxdpError('E_CONFIG', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let raw: unknown;
  try { raw = JSON.parse(text); } catch (e) {
    throw new WasmxdpError('E_CONFIG', `${file} is not valid JSON: ${(e as Error).message}`);
  }
  try {
    return validateConfig(raw, path.dirname(path.resolve(file)));
  } catch (e) {
    if (e instanceof WasmxdpError) throw new WasmxdpError('E_CONFIG', `${file}: ${e.message}`);
    throw e;
  }
}
