// One port of the daemon: its live pipeline (a worker per queue), the
// versions deployed on it, and the deploy / rollback / health bookkeeping.
// Every change to a port is serialised (one at a time); the swap itself
// happens in the workers, at a batch boundary (worker-control.ts).

import crypto from 'node:crypto';
import { WasmxdpError, isWasmxdpError } from '../../host/errors.js';
import { loadModule, LoadedModule } from '../../host/load.js';
import type {
  ControlFigures, HealthEvent, MapOpRequest, MapShapeSpec, SwapRecord, SwapRequest, VersionFigures,
} from '../live/control-messages.js';
import { LivePipeline } from '../live/live-pipeline.js';
import { sumFigures } from '../live/live-figures.js';
import type { WorkerStats } from '../live/worker-protocol.js';
import type { ProgramBytes } from '../program/load-program.js';
import type { ProgramOptions } from '../program/create-sandbox.js';
import type { PortConfig } from './config.js';
import { probeMaps } from './probe.js';
import type { PublishedPort } from '../ops/published.js';
import { DEFAULT_SUPERVISION, Supervisor } from '../ops/supervisor.js';

export type VersionState = 'active' | 'previous' | 'rolled-back' | 'retired';

export interface VersionRecord {
  version: number;
  name: string;
  sha256: string;
  size: number;
  deployedAt: string;
  state: VersionState;
  health: 'probation' | 'healthy' | 'unchecked' | 'failed';
  /** Why it stopped running (rollback, failed health check). */
  note: string | null;
  /** Maps reset when it was deployed. */
  resetMaps: string[];
  maps: MapShapeSpec[];
}

interface SwapResult { version: number; instantiateUs: number; resetMaps: string[] }

interface Deployed { record: VersionRecord; loaded: LoadedModule }

export class PortRuntime {
  private readonly deployed = new Map<number, Deployed>();
  /** Versions that ran one after another; the last is running, rollback returns to the one before. */
  private readonly chain: number[] = [];
  private nextVersion = 1;
  private busy: Promise<unknown> = Promise.resolve();
  private readonly healthy = new Map<number, Set<number>>();
  private latest = new Map<number, WorkerStats>();
  private receivedAt = new Map<number, number>();
  private readonly supervisor: Supervisor;
  /** The config's program (v1), kept for the state directory. */
  initialProgram: ProgramBytes | null = null;

  private constructor(readonly config: PortConfig, private readonly pipeline: LivePipeline, private readonly log: (l: string) => void) {
    pipeline.onHealth = (queue, e) => this.onHealth(queue, e);
    pipeline.onWorkerLog = (queue, l) => this.log(`port ${this.name} queue ${queue}: ${l}`);
    this.supervisor = new Supervisor(pipeline, log, (q) => this.reinstate(q), DEFAULT_SUPERVISION, `port ${config.name}`);
    pipeline.onWorkerExit = (queue, why) => this.supervisor.workerExited(queue, why);
  }

  get name(): string { return this.config.name; }
  get owner(): string { return this.config.owner; }

  private programOptions(): ProgramOptions {
    const p = this.config.program;
    return { heapPages: p.heapPages, fuelPerPacket: p.fuelPerPacket, failVerdict: p.failVerdict, metering: p.metering };
  }

  private load(program: ProgramBytes): { loaded: LoadedModule; maps: MapShapeSpec[] } {
    const p = this.config.program;
    try {
      const loaded = loadModule(program.bytes, { heapPages: p.heapPages, metering: p.metering });
      return { loaded, maps: probeMaps(loaded, program.name) };
    } catch (e) {
      if (isWasmxdpError(e)) throw new WasmxdpError(e.code, `${program.name}: refused: ${e.message}`);
      throw e;
    }
  }

  static async start(config: PortConfig, program: ProgramBytes, log: (l: string) => void): Promise<PortRuntime> {
    let rt: PortRuntime | null = null;
    const pipeline = await LivePipeline.start(program, {
      ifaces: config.ifaces, queue: config.queue, mode: config.mode, force: config.force, frameSize: config.frameSize,
      program: defined({ heapPages: config.program.heapPages, fuelPerPacket: config.program.fuelPerPacket, failVerdict: config.program.failVerdict, metering: config.program.metering }),
    }, (queue, s) => { rt?.latest.set(queue, s); rt?.receivedAt.set(queue, Date.now()); });
    rt = new PortRuntime(config, pipeline, log);
    try {
      const { loaded, maps } = rt.load(program);
      rt.add(program, loaded, maps, [], 'unchecked');
      rt.initialProgram = program;
    } catch (e) {
      await pipeline.stop();
      throw e;
    }
    return rt;
  }

  private add(program: ProgramBytes, loaded: LoadedModule, maps: MapShapeSpec[], resetMaps: string[], health: VersionRecord['health']): VersionRecord {
    const record: VersionRecord = {
      version: this.nextVersion++, name: program.name, sha256: crypto.createHash('sha256').update(program.bytes).digest('hex'),
      size: program.bytes.length, deployedAt: new Date().toISOString(), state: 'active', health, note: null, resetMaps, maps,
    };
    const prev = this.current;
    if (prev) prev.state = 'previous';
    for (const d of this.deployed.values()) if (d.record.state === 'previous' && d.record !== prev) d.record.state = 'retired';
    this.deployed.set(record.version, { record, loaded });
    this.chain.push(record.version);
    return record;
  }

  get current(): VersionRecord | undefined {
    const v = this.chain[this.chain.length - 1];
    return v === undefined ? undefined : this.deployed.get(v)!.record;
  }

  /** Runs changes to this port one at a time. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.busy.then(fn, fn);
    this.busy = run.catch(() => {});
    return run;
  }

  deploy(program: ProgramBytes, resetMaps: boolean): Promise<unknown> {
    return this.exclusive(async () => {
      const { loaded, maps } = this.load(program);
      const version = this.nextVersion;
      const results = await this.swapAll({ version, name: program.name, module: loaded.module, maps, resetMaps, health: this.config.program.health, reason: 'deploy' });
      const reset = [...new Set(results.flatMap((r) => r.resetMaps))];
      const rec = this.add(program, loaded, maps, reset, 'probation');
      this.healthy.set(rec.version, new Set());
      this.log(`port ${this.name}: deployed v${rec.version} (${rec.name})${reset.length ? `, maps reset: ${reset.join(', ')}` : ''}`);
      return { port: this.name, owner: this.owner, version: rec.version, name: rec.name, sha256: rec.sha256, health: rec.health, resetMaps: reset, instantiateUs: results.map((r) => r.instantiateUs) };
    });
  }

  rollback(): Promise<unknown> {
    return this.exclusive(async () => {
      if (this.chain.length < 2) throw new WasmxdpError('E_DEPLOY', `port ${this.name}: no previous version to roll back to (v${this.current?.version} is the first)`);
      const from = this.deployed.get(this.chain[this.chain.length - 1])!;
      const to = this.deployed.get(this.chain[this.chain.length - 2])!;
      // The previous version's maps get their shapes back; that is what it was running with.
      await this.swapAll({ version: to.record.version, name: to.record.name, module: to.loaded.module, maps: to.record.maps, resetMaps: true, health: null, reason: 'rollback' });
      this.chain.pop();
      this.retire(from.record, 'rolled back by request');
      to.record.state = 'active';
      this.log(`port ${this.name}: rolled back from v${from.record.version} to v${to.record.version}`);
      return { port: this.name, owner: this.owner, version: to.record.version, name: to.record.name, from: from.record.version };
    });
  }

  private retire(r: VersionRecord, note: string): void {
    r.state = 'rolled-back';
    r.note = note;
    if (r.health === 'probation') r.health = 'unchecked';
    const prev = this.deployed.get(this.chain[this.chain.length - 2] ?? -1);
    if (prev) prev.record.state = 'previous';
  }

  /**
   * Swaps every queue; if some queues refuse, the ones that switched go back,
   * so a port never runs two versions because of a failed deploy.
   */
  private async swapAll(body: Omit<SwapRequest, 'id' | 'type'>): Promise<SwapResult[]> {
    const req: Omit<SwapRequest, 'id'> = { ...body, type: 'swap' };
    const settled = await Promise.allSettled(this.pipeline.queues.map((q) => this.pipeline.requestQueue(q, req)));
    const failed = settled.find((s) => s.status === 'rejected') as PromiseRejectedResult | undefined;
    if (failed) {
      const cur = this.current ? this.deployed.get(this.current.version) : undefined;
      if (cur) {
        await Promise.allSettled(this.pipeline.queues.map((q, i) => settled[i].status === 'fulfilled'
          ? this.pipeline.requestQueue(q, { type: 'swap', version: cur.record.version, name: cur.record.name, module: cur.loaded.module, maps: cur.record.maps, resetMaps: true, health: null, reason: 'rollback' })
          : Promise.resolve()));
      }
      throw failed.reason;
    }
    return settled.map((s) => (s as PromiseFulfilledResult<SwapResult>).value);
  }

  private onHealth(queue: number, e: HealthEvent): void {
    const d = this.deployed.get(e.version);
    if (!d) return;
    if (e.state === 'healthy') {
      const set = this.healthy.get(e.version) ?? new Set<number>();
      set.add(queue);
      this.healthy.set(e.version, set);
      if (set.size >= this.pipeline.queues.length && d.record.health === 'probation') {
        d.record.health = 'healthy';
        this.log(`port ${this.name}: v${e.version} passed its health check`);
      }
      return;
    }
    if (d.record.health === 'failed') return;
    d.record.health = 'failed';
    this.log(`port ${this.name}: queue ${queue}: ${e.reason}`);
    void this.exclusive(async () => {
      const at = this.chain.lastIndexOf(e.version);
      if (at < 0) return;
      if (at !== this.chain.length - 1) {
        // Already replaced by a later deploy: only take it out of the rollback path.
        this.chain.splice(at, 1);
        d.record.state = 'rolled-back';
        d.record.note = e.reason ?? 'failed its health check';
        return;
      }
      this.chain.pop();
      this.retire(d.record, e.reason ?? 'failed its health check');
      const back = this.current;
      if (back) back.state = 'active';
      // The other queues may still run the failed version: bring them back too.
      const to = back ? this.deployed.get(back.version)! : undefined;
      if (to) {
        const figures = await this.pipeline.request({ type: 'figures' }).catch(() => []) as WorkerStats[];
        await Promise.allSettled(this.pipeline.queues.map((q, i) => figures[i]?.control?.version === e.version
          ? this.pipeline.requestQueue(q, { type: 'swap', version: to.record.version, name: to.record.name, module: to.loaded.module, maps: to.record.maps, resetMaps: true, health: null, reason: 'rollback' })
          : Promise.resolve()));
      }
    });
  }

  /**
   * A restarted worker starts with the config's program (v1) on a fresh
   * memory: put the running version back on it. Map contents of that queue
   * are lost with the dead worker's memory.
   */
  private reinstate(queue: number): Promise<void> {
    return this.exclusive(async () => {
      const cur = this.current ? this.deployed.get(this.current.version) : undefined;
      if (cur && cur.record.version !== 1) {
        await this.pipeline.requestQueue(queue, { type: 'swap', version: cur.record.version, name: cur.record.name, module: cur.loaded.module, maps: cur.record.maps, resetMaps: true, health: null, reason: 'rollback' });
      }
      await this.afterRestart?.(queue);
    });
  }

  /** Called once a restarted queue runs the current version again (ops/persistence.ts replays map writes). */
  afterRestart: ((queue: number) => Promise<void>) | null = null;

  get queues(): number[] { return this.pipeline.queues; }

  /** Live capture on every queue (ops/capture-session.ts): a ring per queue, or null to stop. */
  setCapture(rings: Map<number, SharedArrayBuffer> | null, verdictMask: number, snaplen: number): Promise<unknown> {
    return Promise.all(this.pipeline.queues.map((q) => this.pipeline.requestQueue(q, { type: 'capture', ring: rings?.get(q) ?? null, verdictMask, snaplen })));
  }

  /** The version history, for the state directory (ops/persistence.ts). */
  history(): { nextVersion: number; chain: number[]; versions: VersionRecord[] } {
    return { nextVersion: this.nextVersion, chain: [...this.chain], versions: [...this.deployed.values()].map((d) => ({ ...d.record })) };
  }

  /**
   * Puts a saved history back (ops/persistence.ts): the versions are loaded
   * again from their bytes and every queue switches to the one that ran.
   */
  restoreHistory(h: { nextVersion: number; chain: number[]; versions: VersionRecord[] }, bytesOf: (r: VersionRecord) => Uint8Array): Promise<void> {
    return this.exclusive(async () => {
      const deployed = new Map<number, Deployed>();
      for (const r of h.versions) {
        const { loaded } = this.load({ name: r.name, bytes: bytesOf(r) });
        deployed.set(r.version, { record: { ...r, health: r.health === 'probation' ? 'unchecked' : r.health }, loaded });
      }
      const running = deployed.get(h.chain[h.chain.length - 1]);
      if (!running) throw new WasmxdpError('E_DEPLOY', `port ${this.name}: the saved history has no running version`);
      if (running.record.version !== this.current?.version || running.record.sha256 !== this.current?.sha256) {
        await this.swapAll({ version: running.record.version, name: running.record.name, module: running.loaded.module, maps: running.record.maps, resetMaps: true, health: null, reason: 'rollback' });
      }
      this.deployed.clear();
      for (const [v, d] of deployed) this.deployed.set(v, d);
      this.chain.splice(0, this.chain.length, ...h.chain);
      this.nextVersion = h.nextVersion;
    });
  }

  /** Fresh figures from every worker. */
  async figures(): Promise<WorkerStats[]> {
    return await this.pipeline.request({ type: 'figures' }) as WorkerStats[];
  }

  async stats(): Promise<unknown> {
    const all = await this.figures();
    const totals = sumFigures(all);
    return {
      port: this.name, owner: this.owner, version: this.current?.version, ...totals,
      versions: sumVersions(all.map((s) => s.control?.versions ?? [])),
      queues: all.map((s, i) => ({ queue: this.pipeline.queues[i], version: s.control?.version, health: s.control?.health, packets: s.program.packets, status: s.program.status, swaps: s.control?.swaps ?? [], socket: s.ports.map((p) => ({ ifname: p.ifname, ...p.socket })) })),
      swapPauses: pauseSummary(all.flatMap((s) => s.control?.swaps ?? [])),
    };
  }

  status(): unknown {
    const cur = this.current;
    const latest = this.pipeline.queues.map((q) => this.latest.get(q));
    const control = latest.map((s) => s?.control) as (ControlFigures | undefined)[];
    return {
      name: this.name, owner: this.owner, ifaces: this.config.ifaces, queues: this.pipeline.queues, mode: this.config.mode,
      error: this.pipeline.error?.message ?? null,
      program: cur ? { owner: this.owner, version: cur.version, name: cur.name, health: cur.health, sha256: cur.sha256 } : null,
      quarantined: latest.some((s) => s?.program.quarantined === true),
      programStatus: latest.map((s) => s?.program.status ?? 'starting'),
      lastRollback: control.map((c) => c?.lastRollback).find((x) => x) ?? [...this.deployed.values()].map((d) => d.record).filter((r) => r.health === 'failed').map((r) => r.note).pop() ?? null,
      versions: [...this.deployed.values()].map((d) => ({ ...d.record, owner: this.owner, maps: d.record.maps.map((m) => ({ ...m, owner: this.owner })) })),
      swapPauses: pauseSummary(control.flatMap((c) => c?.swaps ?? [])),
      supervision: this.supervisor.snapshot(this.pipeline.queues),
    };
  }

  /** The figures the workers last published on their own (ops/published.ts): read without asking a worker. */
  published(): PublishedPort {
    return {
      name: this.name, owner: this.owner, version: this.current?.version,
      queues: this.supervisor.snapshot(this.pipeline.queues).map((s) => ({
        queue: s.queue, figures: this.latest.get(s.queue) ?? null, receivedAt: this.receivedAt.get(s.queue) ?? null, restarts: s.restarts, down: s.down?.reason ?? null,
      })),
    };
  }

  mapOp(req: Omit<MapOpRequest, 'id' | 'type'>, queue: number | undefined): Promise<unknown> {
    const body = { ...req, type: 'map' as const };
    const queues = queue === undefined ? this.pipeline.queues : [queue];
    if (queue !== undefined && !this.pipeline.queues.includes(queue)) {
      throw new WasmxdpError('E_NOT_FOUND', `port ${this.name} has no queue ${queue}; its queues are ${this.pipeline.queues.join(', ')}`);
    }
    return Promise.all(queues.map(async (q) => ({ queue: q, result: await this.pipeline.requestQueue(q, body) })));
  }

  async stop(): Promise<void> {
    this.supervisor.stop();
    await this.pipeline.stop();
  }
}

function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function sumVersions(perQueue: VersionFigures[][]): VersionFigures[] {
  const out = new Map<number, VersionFigures>();
  for (const list of perQueue) {
    for (const v of list) {
      const acc = out.get(v.version);
      if (!acc) { out.set(v.version, { ...v, verdicts: { ...v.verdicts } }); continue; }
      acc.packets += v.packets;
      acc.traps += v.traps;
      for (const k of Object.keys(acc.verdicts) as (keyof VersionFigures['verdicts'])[]) acc.verdicts[k] += v.verdicts[k];
    }
  }
  return [...out.values()].sort((a, b) => a.version - b.version);
}

export function pauseSummary(swaps: SwapRecord[]): { swaps: number; pauseUs: { median: number | null; max: number | null }; instantiateUs: { median: number | null; max: number | null } } {
  const stat = (xs: number[]) => {
    if (!xs.length) return { median: null, max: null };
    const s = [...xs].sort((a, b) => a - b);
    return { median: s[Math.floor((s.length - 1) / 2)], max: s[s.length - 1] };
  };
  return {
    swaps: swaps.length,
    pauseUs: stat(swaps.map((s) => s.pauseUs).filter((x): x is number => x !== null)),
    instantiateUs: stat(swaps.map((s) => s.instantiateUs)),
  };
}
