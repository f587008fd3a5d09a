// The fleet side of `wasmxdp serve --fleet <url> --node <name>`: registers the
// node under a lease (its alive key vanishes when the node dies or is cut off
// longer than the TTL), makes the daemon run what the node's desired keys say,
// and reports what it actually runs under the node's own keys.
//
// etcd is never on the data path: when it cannot be reached, the daemon keeps
// running what it runs, the agent keeps trying, and on reconnecting it reads
// the desired state again (a watch only makes that prompt; a periodic read
// makes it certain) and converges.

import type { Etcd3, Lease, Watcher } from 'etcd3';
import { isWasmxdpError } from '../../host/errors.js';
import { connectEtcd } from './etcd.js';
import { keys, checkName } from './keys.js';
import { getModule } from './module-store.js';
import { type ActualReport, type ActualStage, type DesiredOutcome, operatorStage, OPERATOR_TENANT, stagesOf } from './actual-state.js';
import type { DesiredValue } from './desired-state.js';

/** The daemon as the agent drives it: its request handler, acting for a tenant. */
export type FleetHandle = (req: { cmd: 'status' | 'stats' | 'deploy' | 'rollback'; tenant: string; args: Record<string, unknown> }) => Promise<unknown>;

export interface AgentOptions {
  url: string;
  node: string;
  /** The tenants of the config (the operator is always there). */
  tenants: string[];
  /** Lease TTL in seconds: how long after the node dies (or loses etcd) it is shown down. */
  ttlSeconds?: number;
  /** How often the agent reads its desired state and reports (ms). */
  tickMs?: number;
  /** How often counters alone justify a new report (ms). */
  countersMs?: number;
  log?: (l: string) => void;
}

export const DEFAULT_FLEET_TTL_S = 10;

interface Applied { rollout: string; sha256: string; name: string; outcome: DesiredOutcome; error: string | null }

export class FleetAgent {
  private readonly etcd: Etcd3;
  private lease: Lease | null = null;
  private watcher: Watcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  /** Per desired key: what the agent did with it. */
  private readonly applied = new Map<string, Applied>();
  private lastReport = '';
  /** When the counters were last read, and what they were (port/stage -> packets, drops). */
  private countersAt = 0;
  private readonly lastCounters = new Map<string, [number | undefined, number | undefined]>();
  private connected = false;
  private readonly log: (l: string) => void;

  constructor(private readonly opts: AgentOptions, private readonly handle: FleetHandle) {
    checkName('--node', opts.node);
    this.etcd = connectEtcd(opts.url);
    this.log = opts.log ?? (() => {});
  }

  /** Starts registering and converging; never throws for an unreachable etcd (it keeps trying). */
  start(): void {
    this.timer = setInterval(() => this.kick(), this.opts.tickMs ?? 500);
    this.timer.unref();
    this.kick();
  }

  /** Runs one pass now (or right after the one running). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) { this.again = true; return; }
    this.running = this.pass().finally(() => {
      this.running = null;
      if (this.again) { this.again = false; this.kick(); }
    });
  }

  private async pass(): Promise<void> {
    try {
      await this.register();
      await this.watch();
      for (const t of [OPERATOR_TENANT, ...this.opts.tenants]) {
        const desired = await this.etcd.getAll().prefix(keys.desiredOfNode(t, this.opts.node)).strings();
        for (const [key, text] of Object.entries(desired)) await this.converge(t, key, JSON.parse(text) as DesiredValue);
      }
      await this.report();
      if (!this.connected) { this.connected = true; this.log(`fleet: node ${this.opts.node} connected to etcd at ${this.opts.url}`); }
    } catch (e) {
      if (this.connected) this.log(`fleet: etcd at ${this.opts.url} unreachable (${(e as Error).message}); the ports keep running what they run, retrying`);
      this.connected = false;
      // A lease whose keepalives failed may be gone: grant a new one next time.
      if (this.lease?.revoked()) this.lease = null;
    }
  }

  private async register(): Promise<void> {
    if (this.lease && !this.lease.revoked()) return;
    const lease = this.etcd.lease(this.opts.ttlSeconds ?? DEFAULT_FLEET_TTL_S, { autoKeepAlive: true });
    lease.on('lost', (e) => {
      // Leases of failed attempts report their loss too: only the registered one matters.
      if (this.lease !== lease) return;
      this.log(`fleet: lease lost (${e.message}); registering again`);
      this.lease = null;
      this.kick();
    });
    try {
      await lease.put(keys.alive(this.opts.node)).value(JSON.stringify({ node: this.opts.node, pid: process.pid, since: new Date().toISOString(), tenants: this.opts.tenants }));
    } catch (e) {
      lease.release();
      throw e;
    }
    this.lease = lease;
    this.lastReport = ''; // report afresh after every (re)registration
  }

  private async watch(): Promise<void> {
    if (this.watcher) return;
    const w = await this.etcd.watch().prefix(keys.tenants()).create();
    w.on('put', (kv) => { if (kv.key.toString().includes(`/desired/${this.opts.node}/`)) this.kick(); });
    w.on('error', () => {});
    this.watcher = w;
  }

  private async status(): Promise<Omit<ActualStage, 'desired'>[]> {
    return stagesOf(await this.handle({ cmd: 'status', tenant: OPERATOR_TENANT, args: {} }));
  }

  /** Makes port/stage of desired key `key` (tenant `tenant`) run `d`. */
  private async converge(tenant: string, key: string, d: DesiredValue): Promise<void> {
    const m = /\/desired\/[^/]+\/([^/]+)\/([^/]+)$/.exec(key);
    if (!m) return;
    const [, port, stage] = m;
    const done = this.applied.get(key);
    if (done && done.rollout === d.rollout && done.sha256 === d.sha256 && done.outcome !== 'deploying') return;
    const here = (await this.status()).find((s) => s.port === port && s.stage === operatorStage(tenant, stage));
    const note = (outcome: DesiredOutcome, error: string | null) => this.applied.set(key, { rollout: d.rollout, sha256: d.sha256, name: d.name, outcome, error });
    if (!here) {
      // Another tenant's stage, or no such port here: the daemon's own ownership check would refuse it too.
      note('refused', `no ${tenant === OPERATOR_TENANT ? '' : `tenant ${tenant} `}port ${port} stage ${stage} on node ${this.opts.node}`);
      return;
    }
    if (here.sha256 === d.sha256) { note('running', null); return; }
    const args: Record<string, unknown> = { port, ...(stage === 'main' && tenant === OPERATOR_TENANT ? {} : { stage }) };
    note('deploying', null);
    try {
      // Going back to the version that ran before is the daemon's rollback (the config's own program is not in the store).
      const prev = here.kept.find((k) => k.sha256 === d.sha256 && k.state === 'previous' && k.kept);
      if (prev) {
        await this.handle({ cmd: 'rollback', tenant, args });
      } else {
        const bytes = await getModule(this.etcd, d.sha256);
        await this.handle({ cmd: 'deploy', tenant, args: { ...args, program: { name: d.name, bytes } } });
      }
      this.log(`fleet: ${port}/${stage}: ${prev ? 'rolled back' : 'deployed'} ${d.name} ${d.sha256.slice(0, 12)} (rollout ${d.rollout})`);
      note('running', null);
    } catch (e) {
      if (!isWasmxdpError(e) || e.code === 'E_BUSY') { this.applied.delete(key); throw e; }
      note(e.code === 'E_NOT_FOUND' || e.code === 'E_PERMISSION' ? 'refused' : 'failed', e.message);
      this.log(`fleet: ${port}/${stage}: ${d.name} ${d.sha256.slice(0, 12)} refused: ${e.message}`);
    }
  }

  /** Writes the node's actual state when it changed (counters alone: at most every countersMs). */
  private async report(): Promise<void> {
    const stages = await this.status();
    const byStage = new Map<string, Applied & { key: string }>();
    for (const [key, a] of this.applied) {
      const m = /\/tenants\/([^/]+)\/desired\/[^/]+\/([^/]+)\/([^/]+)$/.exec(key);
      if (m) byStage.set(`${m[2]}/${operatorStage(m[1], m[3])}`, { ...a, key });
    }
    const out: ActualStage[] = stages.map((s) => {
      const a = byStage.get(`${s.port}/${s.stage}`);
      let desired: ActualStage['desired'] = null;
      if (a) {
        // The daemon rolls a version back on its own when its health check fails.
        const failed = s.kept.some((k) => k.sha256 === a.sha256 && k.health === 'failed') && s.sha256 !== a.sha256;
        desired = { rollout: a.rollout, sha256: a.sha256, name: a.name, outcome: failed ? 'failed' : a.outcome, error: failed ? `${a.sha256.slice(0, 12)} failed its health check on ${this.opts.node} and was rolled back` : a.error };
      }
      return { ...s, desired };
    });
    // Counters are read every countersMs and repeated in between: an idle node writes nothing.
    const now = Date.now();
    if (now - this.countersAt >= (this.opts.countersMs ?? 5000)) {
      await this.addCounters(out);
      this.countersAt = now;
      for (const s of out) this.lastCounters.set(`${s.port}/${s.stage}`, [s.packets, s.drops]);
    } else {
      for (const s of out) [s.packets, s.drops] = this.lastCounters.get(`${s.port}/${s.stage}`) ?? [];
    }
    const shape = JSON.stringify([out, [...this.applied.values()].map((a) => a.outcome)]);
    if (shape === this.lastReport) return;
    const refused = [...this.applied].filter(([, a]) => a.outcome === 'refused').map(([key, a]) => ({ key, rollout: a.rollout, sha256: a.sha256, error: a.error ?? 'refused' }));
    const r: ActualReport = { node: this.opts.node, pid: process.pid, reportedAt: new Date().toISOString(), stages: out, refused };
    await this.etcd.put(keys.actual(this.opts.node)).value(JSON.stringify(r));
    this.lastReport = shape;
  }

  private async addCounters(out: ActualStage[]): Promise<void> {
    const st = await this.handle({ cmd: 'stats', tenant: OPERATOR_TENANT, args: {} }).catch(() => null) as { ports?: { port: string; chain?: boolean; packets?: number; verdicts?: Record<string, number>; stages?: { stage: string; packets?: number; verdicts?: Record<string, number> }[] }[] } | null;
    for (const p of st?.ports ?? []) {
      const list = p.chain ? (p.stages ?? []).map((s) => ({ ...s, stage: s.stage })) : [{ ...p, stage: 'main' }];
      for (const s of list) {
        const e = out.find((x) => x.port === p.port && x.stage === s.stage);
        if (e) { e.packets = s.packets ?? 0; e.drops = s.verdicts?.drop ?? 0; }
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => {});
    await this.watcher?.cancel().catch(() => {});
    // A clean stop says so at once: the lease goes with the node.
    await this.lease?.revoke().catch(() => {});
    this.etcd.close();
  }
}
