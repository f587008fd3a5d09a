// A chain port of the daemon: one LivePipeline whose workers run the chain
// (chain-worker.ts), and one PortRuntime per stage driving that stage's
// versions, deploys, rollbacks, health checks and maps through the stage's
// own request port. Who may see a stage: the operator every stage, a tenant
// only its own; another tenant's stage is reported as missing. A chain
// worker that dies is restarted by the port's supervisor (ops/supervisor.ts),
// then every stage puts its running version back on it (and, with a state
// directory, the operator's map writes).

import { addActionCounts } from '../../host/abi.js';
import { WasmxdpError } from '../../host/errors.js';
import type { PortConfig } from './config.js';
import { DEFAULT_PORT_POLICY, PortPolicy, PortRuntime, PipelineLike } from './port-runtime.js';
import type { HealthEvent } from '../live/control-messages.js';
import { LivePipeline } from '../live/live-pipeline.js';
import type { RequestBody } from '../live/worker-requests.js';
import type { WorkerStats } from '../live/worker-protocol.js';
import { loadProgramBytes } from '../program/load-program.js';
import { OPERATOR, TenantConfig } from '../tenants/config.js';
import { checkMapQuota, checkModuleQuota } from '../tenants/quota.js';
import { ChainInit, ChainStageInit, stageKey, TenantFiguresMsg } from '../live/chain-protocol.js';
import { DEFAULT_SUPERVISION, Supervisor, type QueueSupervision } from '../ops/supervisor.js';
import type { PublishedPort } from '../ops/published.js';

export interface StageEntry {
  /** `stage` for the operator's, `tenant/stage` for a tenant's. */
  key: string;
  stage: string;
  owner: string;
  rt: PortRuntime;
}

export const sees = (who: string, owner: string): boolean => who === OPERATOR || who === owner;

export class ChainPortRuntime {
  readonly stages: StageEntry[] = [];
  private readonly supervisor: Supervisor;

  private constructor(readonly config: PortConfig, readonly tenants: TenantConfig[], private readonly pipeline: LivePipeline, log: (l: string) => void) {
    this.supervisor = new Supervisor(pipeline, log, (q) => this.reinstate(q), DEFAULT_SUPERVISION, `port ${config.name}`);
    pipeline.onWorkerExit = (queue, why) => this.supervisor.workerExited(queue, why);
  }

  /** A restarted worker runs every stage's config program again: each stage puts back the version it ran. */
  private async reinstate(queue: number): Promise<void> {
    for (const s of this.stages) await s.rt.reinstate(queue);
  }

  /** Restarts per queue, and queues whose worker is down. */
  supervision(): QueueSupervision[] { return this.supervisor.snapshot(this.pipeline.queues); }

  get name(): string { return this.config.name; }

  static async start(config: PortConfig, tenants: TenantConfig[], log: (l: string) => void, policy: PortPolicy = DEFAULT_PORT_POLICY): Promise<ChainPortRuntime> {
    const init = async (owner: string, s: PortConfig['chain'][number]): Promise<ChainStageInit> =>
      ({ key: stageKey(owner, s.stage, OPERATOR), owner, config: s, program: await loadProgramBytes(s.program.path) });
    const chain: ChainInit = {
      port: config.name,
      operator: await Promise.all(config.chain.map((s) => init(OPERATOR, s))),
      tenants: await Promise.all(tenants.map(async (t) => ({ config: t, stages: await Promise.all(t.chain.map((s) => init(t.name, s))) }))),
      dedicated: Object.fromEntries(tenants.flatMap((t) => t.queues.map((q) => [q, t.id]))),
    };
    const pipeline = await LivePipeline.start(chain.operator[0].program, {
      ifaces: config.ifaces, queue: config.queue, mode: config.mode, force: config.force, frameSize: config.frameSize, program: {}, chain,
    });
    pipeline.onFailure = (e) => log(`port ${config.name}: ERROR: ${e.message}`);
    const rt = new ChainPortRuntime(config, tenants, pipeline, log);
    try {
      for (const s of [...chain.operator, ...chain.tenants.flatMap((t) => t.stages)]) await rt.attachStage(s, log, policy);
    } catch (e) {
      await pipeline.stop();
      throw e;
    }
    return rt;
  }

  private async attachStage(s: ChainStageInit, log: (l: string) => void, policy: PortPolicy): Promise<void> {
    const pipeline = this.pipeline;
    const view: PipelineLike = {
      get queues() { return pipeline.queues; },
      get error() { return pipeline.error; },
      requestQueue: (q: number, body: RequestBody, timeoutMs?: number) => pipeline.requestStage(s.key, q, body, timeoutMs),
      request: (body: RequestBody, timeoutMs?: number) => Promise.all(pipeline.queues.map((q) => pipeline.requestStage(s.key, q, body, timeoutMs))),
      stop: async () => (pipeline.latest()),
      onHealth: () => {},
    };
    const tenant = this.tenants.find((t) => t.name === s.owner);
    const admit = tenant
      ? (p: { bytes: Uint8Array }, _l: unknown, maps: Parameters<typeof checkMapQuota>[2]) => { checkModuleQuota(tenant.name, tenant.quota, p.bytes.length); checkMapQuota(tenant.name, tenant.quota, maps); }
      : undefined;
    const stageLog = (l: string) => log(l.replace(/^port (\S+):/, `port $1 stage ${s.key}:`));
    const rt = await PortRuntime.attach({ ...this.config, owner: s.owner, program: s.config.program as PortConfig['program'], chain: [s.config] }, view, s.program, stageLog, admit, policy);
    rt.initialProgram = s.program;
    rt.stage = s.key;
    pipeline.stageListeners.set(s.key, {
      onHealth: (q: number, e: HealthEvent) => view.onHealth(q, e),
      onStats: (q: number, st: WorkerStats) => rt.observe(q, st),
    });
    this.stages.push({ key: s.key, stage: s.config.stage, owner: s.owner, rt });
  }

  /** The stages `who` may see, in chain order. */
  visible(who: string): StageEntry[] { return this.stages.filter((s) => sees(who, s.owner)); }

  /**
   * The stage a request names: `stage` is a stage's name (a tenant's own, or
   * the operator's) or, for the operator, `tenant/stage`. Omitted, it is the
   * only stage `who` sees on this port.
   */
  resolve(who: string, stage: unknown): StageEntry {
    const mine = this.visible(who);
    if (stage === undefined) {
      if (mine.length === 1) return mine[0];
      throw new WasmxdpError('E_USAGE', `port ${this.name} has several stages (${mine.map((s) => s.key).join(', ')}); give --stage <name>`);
    }
    if (typeof stage !== 'string') throw new WasmxdpError('E_USAGE', 'args.stage must be a stage name');
    const key = who === OPERATOR ? stage : `${who}/${stage}`;
    const s = mine.find((x) => x.key === key);
    if (!s) throw new WasmxdpError('E_NOT_FOUND', `no stage named '${stage}' on port ${this.name}; stages: ${mine.map((x) => (who === OPERATOR ? x.key : x.stage)).join(', ') || 'none'}`);
    return s;
  }

  status(who: string): unknown {
    return {
      name: this.name, owner: who, ifaces: this.config.ifaces, queues: this.pipeline.queues, mode: this.config.mode, chain: true,
      error: this.pipeline.error?.message ?? null, supervision: this.supervision(),
      stages: this.visible(who).map((s) => ({ stage: who === OPERATOR ? s.key : s.stage, owner: s.owner, ...(s.rt.status() as object), supervision: this.supervision() })),
      tenants: this.tenantFigures(who, this.pipeline.latest()),
    };
  }

  async stats(who: string, stage?: unknown): Promise<unknown> {
    const list = stage === undefined ? this.visible(who) : [this.resolve(who, stage)];
    // Any stage's figures carry the whole worker's chain figures (tenants included).
    const fresh = await this.stages[0].rt.figures().catch(() => null);
    const stages = await Promise.all(list.map(async (s) => {
      const figs = await s.rt.figures();
      const copy = figs.map((f) => f.chain?.stages[s.key]);
      return {
        stage: who === OPERATOR ? s.key : s.stage, ...(await s.rt.stats() as object),
        zeroCopy: copy.map((c) => c?.zeroCopy ?? null),
        copy: copy.reduce((acc, c) => {
          if (c) for (const k of Object.keys(acc) as (keyof typeof acc)[]) acc[k] += c.copy[k];
          return acc;
        }, { copiesIn: 0, bytesIn: 0, copiesBack: 0, bytesBack: 0 }),
      };
    }));
    return { port: this.name, chain: true, stages, tenants: this.tenantFigures(who, fresh ?? this.pipeline.latest()) };
  }

  /** Per tenant, summed over queues: frames by final verdict and the kernel's counters. */
  tenantFigures(who: string, figures: (WorkerStats | null)[]): TenantFiguresMsg[] {
    const out = new Map<number, TenantFiguresMsg>();
    for (const f of figures) {
      for (const t of f?.chain?.tenants ?? []) {
        if (t.id === 0 ? who !== OPERATOR : !sees(who, t.name)) continue;
        const acc = out.get(t.id);
        if (!acc) { out.set(t.id, { ...t, verdicts: { ...t.verdicts }, kernel: { ...t.kernel } }); continue; }
        acc.packets += t.packets;
        addActionCounts(acc.verdicts, t.verdicts);
        // Kernel counters are per device: every queue's worker reads the same totals.
        acc.kernel = t.kernel;
      }
    }
    return [...out.values()];
  }

  /** Each stage's last published figures (metrics, top), with the port's restarts; read without asking a worker. */
  published(): PublishedPort[] {
    const sup = new Map(this.supervision().map((q) => [q.queue, q]));
    return this.stages.map((s) => {
      const p = s.rt.published();
      return { ...p, stage: s.key, queues: p.queues.map((q) => ({ ...q, restarts: sup.get(q.queue)?.restarts ?? 0, down: sup.get(q.queue)?.down?.reason ?? null })) };
    });
  }

  /** Per tenant, the kernel's counters and final verdicts, from the figures the workers last published. */
  publishedTenants(): TenantFiguresMsg[] { return this.tenantFigures(OPERATOR, this.pipeline.latest()); }

  async stop(): Promise<void> {
    this.supervisor.stop();
    await this.pipeline.stop();
  }
}
