// The daemon behind `wasmxdp serve`: its ports, started from the config, and
// the request handler the control socket calls. Every port, program and map
// has an owner (a tenant); a request only sees what its tenant owns, so
// tenants fit later without changing the protocol.

import { WasmxdpError, isWasmxdpError } from '../../host/errors.js';
import { stopMetering } from '../../host/isolated-load.js';
import { loadProgramBytes } from '../program/load-program.js';
import type { MapOpName } from '../live/control-messages.js';
import type { PipelineConfig } from './config.js';
import type { Request } from './protocol.js';
import { PROTOCOL_VERSION } from './protocol.js';
import { DEFAULT_PORT_POLICY, PortPolicy, PortRuntime } from './port-runtime.js';
import type { Connection } from './server.js';
import { ChainPortRuntime, sees } from './chain-port-runtime.js';
import { tenantsOf } from './load-chain.js';
import { tenantList, tenantStatus } from './tenant-commands.js';
import { OPERATOR, TenantConfig } from '../tenants/config.js';
import { MAIN_STAGE, type PublishedPort, type PublishedTenants } from '../ops/published.js';
import { processMemory } from '../ops/memory.js';
import { CaptureSessions } from '../ops/capture-session.js';

export class Daemon {
  private readonly ports = new Map<string, PortRuntime>();
  /** Ports with a chain of stages or tenants (pipeline/chain/). */
  private readonly chains = new Map<string, ChainPortRuntime>();
  private readonly started = Date.now();
  /** The control socket's figures (connections, buffered bytes, limits), shown by status. */
  controlFigures: (() => unknown) | null = null;
  private tenants: TenantConfig[] = [];
  private readonly captures = new CaptureSessions();

  private constructor(private readonly log: (l: string) => void, private readonly policy: PortPolicy) {}

  /** Attaches every port of the config; on a failure, detaches the ones already attached. */
  static async start(config: Pick<PipelineConfig, 'ports'> & Partial<Pick<PipelineConfig, 'tenants'>> & Partial<PortPolicy>, log: (l: string) => void = () => {}): Promise<Daemon> {
    const d = new Daemon(log, { historyDepth: config.historyDepth ?? DEFAULT_PORT_POLICY.historyDepth, deployDeadlineMs: config.deployDeadlineMs ?? DEFAULT_PORT_POLICY.deployDeadlineMs });
    d.tenants = config.tenants ?? [];
    try {
      for (const [i, pc] of config.ports.entries()) {
        try {
          const tenants = tenantsOf({ tenants: d.tenants }, pc.name);
          if (pc.chain.length > 1 || tenants.length > 0) {
            d.chains.set(pc.name, await ChainPortRuntime.start(pc, tenants, log, d.policy));
            log(`port ${pc.name}: chain ${pc.chain.map((c) => c.stage).join(', ')} + ${tenants.length} tenant(s) attached to ${pc.ifaces.join(', ')} (${pc.mode} mode)`);
            continue;
          }
          const program = await loadProgramBytes(pc.program.path);
          d.ports.set(pc.name, await PortRuntime.start(pc, program, log, d.policy));
          log(`port ${pc.name}: ${program.name} attached to ${pc.ifaces.join(', ')} (${pc.mode} mode)`);
        } catch (e) {
          // Name the config entry: the user fixes the config, not the code.
          if (isWasmxdpError(e)) throw new WasmxdpError(e.code, `ports[${i}] (${pc.name}): ${e.message}`, { cause: e });
          throw e;
        }
      }
    } catch (e) {
      await d.stop();
      throw e;
    }
    return d;
  }

  async stop(): Promise<void> {
    await this.captures.stopAll();
    // A module being metered must not hold up shutdown.
    await Promise.all([stopMetering(), ...[...this.ports.values(), ...this.chains.values()].map((p) => p.stop())]);
    this.ports.clear();
    this.chains.clear();
  }

  /** Every port and every chain port's stage, all tenants (ops/persistence.ts). */
  runtimes(): PortRuntime[] {
    return [...this.ports.values(), ...[...this.chains.values()].flatMap((c) => c.stages.map((s) => s.rt))];
  }

  /** The runtime a request acts on (a port, or a chain port's stage), as the handler resolves it; null if none. */
  runtimeFor(req: Request): PortRuntime | null {
    try { return this.port(req); } catch { return null; }
  }

  /** Every port's (and chain stage's) last published figures, all tenants (metrics, top): see ops/published.ts. */
  published(): PublishedPort[] {
    return [...[...this.ports.values()].map((p) => p.published()), ...[...this.chains.values()].flatMap((c) => c.published())];
  }

  /** Each chain port's tenants: kernel counters and final verdicts as last published. */
  publishedTenants(): PublishedTenants[] {
    return [...this.chains.values()].map((c) => ({ port: c.name, tenants: c.publishedTenants() }));
  }

  /** The port a request names: a single-program port, or the stage (args.stage) of a chain port. */
  private port(req: Request): PortRuntime {
    const name = req.args.port;
    if (typeof name !== 'string') throw new WasmxdpError('E_USAGE', `${req.cmd}: give the port name (args.port)`);
    const c = this.chains.get(name);
    if (c && c.visible(req.tenant).length > 0) return c.resolve(req.tenant, req.args.stage).rt;
    const p = this.ports.get(name);
    // Another tenant's port is reported like a missing one: its existence is not ours to know.
    if (!p || !sees(req.tenant, p.owner)) throw this.missing(req.tenant, name);
    if (req.args.stage !== undefined && req.args.stage !== MAIN_STAGE) throw new WasmxdpError('E_NOT_FOUND', `port ${name} runs one program (stage '${MAIN_STAGE}'), no stage '${String(req.args.stage)}'`);
    return p;
  }

  private missing(who: string, name: string): WasmxdpError {
    const mine = [...this.mine(who).map((x) => x.name), ...[...this.chains.values()].filter((c) => c.visible(who).length > 0).map((c) => c.name)];
    return new WasmxdpError('E_NOT_FOUND', `no port named '${name}'; ports: ${mine.length ? mine.join(', ') : 'none'}`);
  }

  private mine(tenant: string): PortRuntime[] {
    return [...this.ports.values()].filter((p) => sees(tenant, p.owner));
  }

  private myChains(who: string): ChainPortRuntime[] {
    return [...this.chains.values()].filter((c) => c.visible(who).length > 0);
  }

  /**
   * The control socket's handler. `conn` says who asks (conn.peer: SO_PEERCRED);
   * the server has already refused peers that are neither root nor our uid.
   */
  async handle(req: Request, conn?: Connection): Promise<unknown> {
    void conn;
    const a = req.args;
    switch (req.cmd) {
      case 'ping':
        return { protocol: PROTOCOL_VERSION, pid: process.pid, uptimeMs: Date.now() - this.started };
      case 'status':
        return {
          protocol: PROTOCOL_VERSION, pid: process.pid, uptimeMs: Date.now() - this.started, tenant: req.tenant,
          historyDepth: this.policy.historyDepth, control: this.controlFigures?.() ?? null, memory: processMemory(), ports: [...this.mine(req.tenant).map((p) => p.status()), ...this.myChains(req.tenant).map((c) => c.status(req.tenant))],
        };
      case 'stats': {
        if (a.port === undefined) {
          return { ports: await Promise.all([...this.mine(req.tenant).map((p) => p.stats()), ...this.myChains(req.tenant).map((c) => c.stats(req.tenant))]) };
        }
        const c = typeof a.port === 'string' ? this.chains.get(a.port) : undefined;
        if (c && c.visible(req.tenant).length > 0) return { ports: [await c.stats(req.tenant, a.stage)] };
        return { ports: [await this.port(req).stats()] };
      }
      case 'tenant.list': case 'tenant.status':
        if (req.tenant !== OPERATOR) throw new WasmxdpError('E_PERMISSION', `${req.cmd}: for the operator's socket only; a tenant sees its own stages with 'wasmxdp status'`);
        return req.cmd === 'tenant.list' ? tenantList(this.tenants) : tenantStatus(this.tenants, [...this.chains.values()], a.tenant);
      case 'deploy': {
        const p = this.port(req);
        const prog = a.program as { name?: unknown; bytes?: unknown } | undefined;
        if (!prog || typeof prog.name !== 'string' || !(prog.bytes instanceof Uint8Array)) {
          throw new WasmxdpError('E_USAGE', 'deploy: args.program must be { name: string, bytes: binary wasm module }');
        }
        return p.deploy({ name: prog.name, bytes: new Uint8Array(prog.bytes) }, a.resetMaps === true, this.deadline(a));
      }
      case 'rollback':
        return this.port(req).rollback(this.deadline(a));
      case 'map.list': case 'map.get': case 'map.set': case 'map.delete': case 'map.dump':
        return this.mapOp(req, req.cmd.slice(4) as MapOpName);
      case 'capture.start':
        return this.captures.start(this.port(req), req.tenant, a.verdicts, a.snaplen);
      case 'capture.read':
        return this.captures.read(a.id, req.tenant);
      case 'capture.stop':
        return this.captures.stop(a.id, req.tenant);
    }
    throw new WasmxdpError('E_PROTOCOL', `unknown command '${req.cmd as string}'`);
  }

  /** The client's deadline (args.deadlineMs: how long it waits for the swap to begin), capped by the config's. */
  private deadline(a: Record<string, unknown>): number {
    const d = a.deadlineMs;
    if (d === undefined) return this.policy.deployDeadlineMs;
    if (typeof d !== 'number' || !Number.isFinite(d) || d <= 0) throw new WasmxdpError('E_USAGE', 'args.deadlineMs must be a positive number of milliseconds');
    return Math.min(d, this.policy.deployDeadlineMs);
  }

  private async mapOp(req: Request, op: MapOpName): Promise<unknown> {
    const p = this.port(req);
    const a = req.args;
    const text = (k: string) => {
      const v = a[k];
      if (v !== undefined && typeof v !== 'string' && !(v instanceof Uint8Array)) throw new WasmxdpError('E_USAGE', `map.${op}: args.${k} must be a string or bytes`);
      return v as string | Uint8Array | undefined;
    };
    const schema = (k: string) => {
      const v = a[k];
      if (v === undefined) return undefined;
      if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.values(v).some((t) => typeof t !== 'string')) throw new WasmxdpError('E_USAGE', `map.${op}: args.${k} must map field names to types`);
      return v as Record<string, string>;
    };
    if (op !== 'list' && typeof a.map !== 'string') throw new WasmxdpError('E_USAGE', `map.${op}: give the map name (args.map)`);
    if (a.queue !== undefined && (typeof a.queue !== 'number' || !Number.isInteger(a.queue))) throw new WasmxdpError('E_USAGE', `map.${op}: args.queue must be a queue number (omit it for all queues)`);
    if (a.limit !== undefined && (typeof a.limit !== 'number' || !Number.isInteger(a.limit) || a.limit < 0)) throw new WasmxdpError('E_USAGE', `map.${op}: args.limit must be a non-negative integer`);
    const queues = await p.mapOp({
      op, map: a.map as string | undefined, key: text('key'), value: text('value'),
      keySchema: schema('keySchema'), valueSchema: schema('valueSchema'), limit: a.limit as number | undefined,
    }, a.queue as number | undefined) as { queue: number; result: unknown }[];
    return { port: p.name, owner: p.owner, map: a.map ?? null, op, queues, ...combine(op, queues) };
  }
}

/**
 * With one memory per queue, counters are summed over the queues (each
 * queue's entry already sums its slots); other values are per queue only.
 */
function combine(op: MapOpName, queues: { queue: number; result: unknown }[]): Record<string, unknown> {
  if (op === 'get') {
    const totals = queues.map((q) => (q.result as { total?: string }).total);
    if (totals.every((t) => t !== undefined)) return { total: totals.reduce((s, t) => s + BigInt(t!), 0n).toString() };
  }
  if (op === 'dump') {
    const sums = new Map<string, bigint>();
    let counters = true;
    for (const q of queues) {
      for (const e of (q.result as { entries: { key: string; total?: string }[] }).entries) {
        if (e.total === undefined) { counters = false; break; }
        sums.set(e.key, (sums.get(e.key) ?? 0n) + BigInt(e.total));
      }
    }
    if (counters && sums.size) return { totals: [...sums].map(([key, total]) => ({ key, total: total.toString() })) };
  }
  return {};
}
