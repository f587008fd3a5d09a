// One port of the daemon: its live pipeline (a worker per queue), the
// versions deployed on it, and the deploy / rollback / health bookkeeping.
// Every change to a port is serialised (one at a time; a deploy or rollback
// asked for while another runs is refused with E_BUSY); the swap itself
// happens in the workers, at a batch boundary (worker-control.ts). Only the
// last historyDepth versions keep their compiled module (what rollback
// needs); older ones are released, and so are the maps no kept version declares.

import crypto from 'node:crypto';
import { WasmxdpError, isWasmxdpError } from '../../host/errors.js';
import { loadModuleIsolated } from '../../host/isolated-load.js';
import type { LoadedModule } from '../../host/load.js';
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
import { DEFAULT_SUPERVISION, Supervisor, type QueueSupervision, type Restartable } from '../ops/supervisor.js';

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
  /** Maps released when it was deployed (no kept version declares them, or --reset-maps). */
  releasedMaps: string[];
  maps: MapShapeSpec[];
  /** Its compiled module is kept: rollback can return to it. */
  kept: boolean;
}

interface SwapResult { version: number; instantiateUs: number; resetMaps: string[]; releasedMaps?: string[] }

/** `loaded` is dropped once the version leaves the rollback history. */
interface Deployed { record: VersionRecord; loaded?: LoadedModule }

/** Records (metadata only) of versions shown by status, kept or not. */
const RECORDS_SHOWN = 32;

export interface PortPolicy { historyDepth: number; deployDeadlineMs: number }
export const DEFAULT_PORT_POLICY: PortPolicy = { historyDepth: 3, deployDeadlineMs: 60_000 };

/** What a runtime drives: a port's LivePipeline, or one stage of a chain port (pipeline/chain/). */
export type PipelineLike = Pick<LivePipeline, 'queues' | 'requestQueue' | 'request' | 'error' | 'stop' | 'onHealth'> & Partial<Pick<LivePipeline, 'onFailure' | 'onWorkerLog' | 'onWorkerExit'>>;

/** Refuses a loaded version (a tenant's quotas); throws a WasmxdpError naming why. */
export type Admit = (program: ProgramBytes, loaded: LoadedModule, maps: MapShapeSpec[]) => void;

export class PortRuntime {
  private readonly deployed = new Map<number, Deployed>();
  /** Versions that ran one after another; the last is running, rollback returns to the one before. */
  private readonly chain: number[] = [];
  private nextVersion = 1;
  private busy: Promise<unknown> = Promise.resolve();
  private readonly healthy = new Map<number, Set<number>>();
  private latest = new Map<number, WorkerStats>();
  /** The deploy or rollback running now (a second one is refused, not queued). */
  private changing: { what: string; since: number } | null = null;
  private receivedAt = new Map<number, number>();
  /** Restarts dead workers of a port's own pipeline (a chain stage's workers are its chain port's). */
  private readonly supervisor: Supervisor | null;
  /** The config's program (v1), kept for the state directory. */
  initialProgram: ProgramBytes | null = null;
  /** The stage key when this runtime drives one stage of a chain port (pipeline/chain/). */
  stage: string | null = null;

  private constructor(readonly config: PortConfig, private readonly pipeline: PipelineLike, private readonly log: (l: string) => void, private readonly policy: PortPolicy = DEFAULT_PORT_POLICY, private readonly admit: Admit = () => {}) {
    pipeline.onHealth = (queue, e) => this.onHealth(queue, e);
    pipeline.onFailure = (e) => this.log(`port ${this.name}: ERROR: ${e.message}`);
    pipeline.onWorkerLog = (queue, l) => this.log(`port ${this.name} queue ${queue}: ${l}`);
    const restartable = 'restart' in pipeline ? pipeline as PipelineLike & Restartable : null;
    this.supervisor = restartable ? new Supervisor(restartable, log, (q) => this.reinstate(q), DEFAULT_SUPERVISION, `port ${config.name}`) : null;
    if (this.supervisor) pipeline.onWorkerExit = (queue, why) => this.supervisor!.workerExited(queue, why);
  }

  get name(): string { return this.config.name; }
  get owner(): string { return this.config.owner; }

  private programOptions(): ProgramOptions {
    const p = this.config.program;
    return { heapPages: p.heapPages, fuelPerPacket: p.fuelPerPacket, failVerdict: p.failVerdict, metering: p.metering };
  }

  // Validation and metering run in a worker under a time and memory budget
  // (host/isolated-load.ts): the daemon's thread keeps answering meanwhile.
  private async load(program: ProgramBytes, version: number): Promise<{ loaded: LoadedModule; maps: MapShapeSpec[] }> {
    const p = this.config.program;
    try {
      const loaded = await loadModuleIsolated(program.bytes, { heapPages: p.heapPages, metering: p.metering });
      const maps = probeMaps(loaded, program.name);
      this.admit(program, loaded, maps);
      return { loaded, maps };
    } catch (e) {
      if (isWasmxdpError(e)) throw new WasmxdpError(e.code, `${program.name} v${version}: refused: ${e.message}`);
      throw e;
    }
  }

  static async start(config: PortConfig, program: ProgramBytes, log: (l: string) => void, policy: PortPolicy = DEFAULT_PORT_POLICY): Promise<PortRuntime> {
    let rt: PortRuntime | null = null;
    const pipeline = await LivePipeline.start(program, {
      ifaces: config.ifaces, queue: config.queue, mode: config.mode, force: config.force, frameSize: config.frameSize,
      program: defined({ heapPages: config.program.heapPages, fuelPerPacket: config.program.fuelPerPacket, failVerdict: config.program.failVerdict, metering: config.program.metering }),
    }, (queue, s) => { rt?.latest.set(queue, s); rt?.receivedAt.set(queue, Date.now()); });
    rt = new PortRuntime(config, pipeline, log, policy);
    try {
      const { loaded, maps } = await rt.load(program, 1);
      rt.add(program, loaded, maps, [], [], 'unchecked');
      rt.initialProgram = program;
    } catch (e) {
      await pipeline.stop();
      throw e;
    }
    return rt;
  }

  /** A runtime over one stage of a chain port, whose workers already run `program` as version 1. */
  static async attach(config: PortConfig, pipeline: PipelineLike, program: ProgramBytes, log: (l: string) => void, admit?: Admit, policy: PortPolicy = DEFAULT_PORT_POLICY): Promise<PortRuntime> {
    const rt = new PortRuntime(config, pipeline, log, policy, admit);
    const { loaded, maps } = await rt.load(program, 1);
    rt.add(program, loaded, maps, [], [], 'unchecked');
    return rt;
  }

  /** Latest periodic figures of a queue (status reads them). */
  observe(queue: number, s: WorkerStats): void { this.latest.set(queue, s); this.receivedAt.set(queue, Date.now()); }

  private add(program: ProgramBytes, loaded: LoadedModule, maps: MapShapeSpec[], resetMaps: string[], releasedMaps: string[], health: VersionRecord['health']): VersionRecord {
    const record: VersionRecord = {
      version: this.nextVersion++, name: program.name, sha256: crypto.createHash('sha256').update(program.bytes).digest('hex'),
      size: program.bytes.length, deployedAt: new Date().toISOString(), state: 'active', health, note: null, resetMaps, releasedMaps, maps, kept: true,
    };
    const prev = this.current;
    if (prev) prev.state = 'previous';
    for (const d of this.deployed.values()) if (d.record.state === 'previous' && d.record !== prev) d.record.state = 'retired';
    this.deployed.set(record.version, { record, loaded });
    this.chain.push(record.version);
    this.prune();
    return record;
  }

  /**
   * Keeps the compiled modules of the last historyDepth versions of the
   * rollback chain and releases every other one; forgets the records of
   * old versions beyond what status shows.
   */
  private prune(): void {
    while (this.chain.length > this.policy.historyDepth) {
      const d = this.deployed.get(this.chain.shift()!)!;
      if (d.record.state === 'previous') d.record.state = 'retired';
      d.record.note ??= `released: older than the last ${this.policy.historyDepth} versions (historyDepth)`;
    }
    const inChain = new Set(this.chain);
    for (const [v, d] of this.deployed) {
      if (!inChain.has(v) && d.loaded) { d.loaded = undefined; d.record.kept = false; }
    }
    const versions = [...this.deployed.keys()].sort((a, b) => a - b);
    for (const v of versions.slice(0, Math.max(0, versions.length - RECORDS_SHOWN))) {
      if (!inChain.has(v)) { this.deployed.delete(v); this.healthy.delete(v); }
    }
  }

  /** Map names declared by these versions. */
  private keptMaps(chain: number[]): string[] {
    return [...new Set(chain.flatMap((v) => this.deployed.get(v)!.record.maps.map((m) => m.name)))];
  }

  /** Refuses a second deploy or rollback while one runs: the first one's client gets the outcome. */
  private async changeAlone<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (this.changing) {
      throw new WasmxdpError('E_BUSY', `port ${this.name}: a ${this.changing.what} is in progress (for ${Date.now() - this.changing.since} ms); wait for it to finish ('wasmxdp status' shows the version each port runs), then try again`);
    }
    this.changing = { what, since: Date.now() };
    try {
      return await this.exclusive(fn);
    } finally {
      this.changing = null;
    }
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

  /**
   * Deploys `program`. `deadlineMs`: if the swap cannot begin that long after
   * the request arrived (validation, or waiting for an automatic rollback),
   * the deploy is abandoned with E_TIMEOUT and nothing changes; once the
   * swap has begun it finishes (each worker answers within its request
   * timeout) and the answer says what happened.
   */
  deploy(program: ProgramBytes, resetMaps: boolean, deadlineMs = this.policy.deployDeadlineMs): Promise<unknown> {
    const t0 = Date.now();
    return this.changeAlone(`deploy of ${program.name}`, async () => {
      this.checkDeadline('deploy', program.name, t0, deadlineMs);
      const version = this.nextVersion;
      const { loaded, maps } = await this.load(program, version);
      this.checkDeadline('deploy', program.name, t0, deadlineMs);
      // Maps of the versions still reachable by rollback once this one is added; --reset-maps keeps only the new version's.
      const olderKept = this.policy.historyDepth > 1 ? this.chain.slice(-(this.policy.historyDepth - 1)) : [];
      const keepMaps = resetMaps ? [] : this.keptMaps(olderKept);
      const results = await this.swapAll({ version, name: program.name, module: loaded.module, maps, resetMaps, keepMaps, health: this.config.program.health, reason: 'deploy' });
      const reset = [...new Set(results.flatMap((r) => r.resetMaps))];
      const released = [...new Set(results.flatMap((r) => r.releasedMaps ?? []))];
      const rec = this.add(program, loaded, maps, reset, released, 'probation');
      this.healthy.set(rec.version, new Set());
      this.log(`port ${this.name}: deployed v${rec.version} (${rec.name})${reset.length ? `, maps reset: ${reset.join(', ')}` : ''}${released.length ? `, maps released: ${released.join(', ')}` : ''}`);
      return { port: this.name, owner: this.owner, version: rec.version, name: rec.name, sha256: rec.sha256, health: rec.health, resetMaps: reset, releasedMaps: released, instantiateUs: results.map((r) => r.instantiateUs) };
    });
  }

  private checkDeadline(what: string, name: string, t0: number, deadlineMs: number): void {
    const took = Date.now() - t0;
    if (took > deadlineMs) {
      throw new WasmxdpError('E_TIMEOUT', `port ${this.name}: ${what} of ${name} abandoned: it could not begin swapping within its deadline of ${deadlineMs} ms (${took} ms passed); nothing changed`);
    }
  }

  rollback(deadlineMs = this.policy.deployDeadlineMs): Promise<unknown> {
    const t0 = Date.now();
    return this.changeAlone('rollback', async () => {
      this.checkDeadline('rollback', `v${this.current?.version}`, t0, deadlineMs);
      if (this.chain.length < 2) {
        const older = [...this.deployed.values()].some((d) => d.record.version < (this.current?.version ?? 0) && d.record.state !== 'rolled-back');
        throw new WasmxdpError('E_DEPLOY', older
          ? `port ${this.name}: no older version is kept to roll back to: the port keeps its last ${this.policy.historyDepth} version(s) (historyDepth in the config) and v${this.current?.version} is the oldest left; deploy the version you want again`
          : `port ${this.name}: no previous version to roll back to (v${this.current?.version} is the first)`);
      }
      const from = this.deployed.get(this.chain[this.chain.length - 1])!;
      const to = this.deployed.get(this.chain[this.chain.length - 2])!;
      // The previous version's maps get their shapes back (corrupt ones are recreated); maps only newer versions used are released.
      await this.swapAll({ version: to.record.version, name: to.record.name, module: to.loaded!.module, maps: to.record.maps, resetMaps: true, keepMaps: this.keptMaps(this.chain.slice(0, -1)), health: null, reason: 'rollback' });
      this.chain.pop();
      this.retire(from.record, 'rolled back by request');
      to.record.state = 'active';
      this.prune();
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
          ? this.pipeline.requestQueue(q, { type: 'swap', version: cur.record.version, name: cur.record.name, module: cur.loaded!.module, maps: cur.record.maps, resetMaps: true, health: null, reason: 'rollback' })
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
        this.prune();
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
          ? this.pipeline.requestQueue(q, { type: 'swap', version: to.record.version, name: to.record.name, module: to.loaded!.module, maps: to.record.maps, resetMaps: true, health: null, reason: 'rollback' })
          : Promise.resolve()));
      }
      this.prune();
    });
  }

  /**
   * A restarted worker starts with the config's program (v1) on a fresh
   * memory: put the running version back on it, then the map contents the
   * dead worker last kept (live/maps-keeper.ts). Called by this port's
   * supervisor, or a chain port's for each of its stages.
   */
  reinstate(queue: number): Promise<void> {
    return this.exclusive(async () => {
      const cur = this.current ? this.deployed.get(this.current.version) : undefined;
      if (cur?.loaded && cur.record.version !== 1) {
        await this.pipeline.requestQueue(queue, { type: 'swap', version: cur.record.version, name: cur.record.name, module: cur.loaded.module, maps: cur.record.maps, resetMaps: true, health: null, reason: 'rollback' });
      }
      // The maps the dead worker last copied out (at most a second old), then the operator's saved writes on top.
      const kept = await this.pipeline.requestQueue(queue, { type: 'maps-restore' }) as { maps: string[]; skipped: string[] };
      if (kept.maps.length || kept.skipped.length) this.log(`port ${this.name}${this.stage ? ` stage ${this.stage}` : ''} queue ${queue}: map contents restored after the restart: ${kept.maps.join(', ') || 'none'}${kept.skipped.length ? `; not restored (not declared by the running version, or reshaped): ${kept.skipped.join(', ')}` : ''}`);
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
        const { loaded } = await this.load({ name: r.name, bytes: bytesOf(r) }, r.version);
        deployed.set(r.version, { record: { ...r, health: r.health === 'probation' ? 'unchecked' : r.health }, loaded });
      }
      const running = deployed.get(h.chain[h.chain.length - 1]);
      if (!running?.loaded) throw new WasmxdpError('E_DEPLOY', `port ${this.name}: the saved history has no running version`);
      if (running.record.version !== this.current?.version || running.record.sha256 !== this.current?.sha256) {
        await this.swapAll({ version: running.record.version, name: running.record.name, module: running.loaded!.module, maps: running.record.maps, resetMaps: true, health: null, reason: 'rollback' });
      }
      this.deployed.clear();
      for (const [v, d] of deployed) this.deployed.set(v, d);
      this.chain.splice(0, this.chain.length, ...h.chain);
      this.nextVersion = h.nextVersion;
    });
  }

  /** Fresh figures from every worker. */
  async figures(): Promise<WorkerStats[]> {
    if (!this.pipeline.error) return await this.pipeline.request({ type: 'figures' }) as WorkerStats[];
    // A failed port's workers may be gone: their last report is all there is.
    const settled = await Promise.allSettled(this.pipeline.queues.map((q) => this.pipeline.requestQueue(q, { type: 'figures' }, 2000)));
    return settled.map((r, i) => (r.status === 'fulfilled' ? r.value : this.latest.get(this.pipeline.queues[i])) as WorkerStats)
      .filter((s): s is WorkerStats => s !== undefined);
  }

  async stats(): Promise<unknown> {
    const all = await this.figures();
    const totals = sumFigures(all);
    return {
      port: this.name, owner: this.owner, version: this.current?.version, error: this.pipeline.error?.message ?? null, ...totals,
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
      historyDepth: this.policy.historyDepth,
      deploying: this.changing ? { what: this.changing.what, forMs: Date.now() - this.changing.since } : null,
      versions: [...this.deployed.values()].map((d) => ({ ...d.record, owner: this.owner, maps: d.record.maps.map((m) => ({ ...m, owner: this.owner })) })),
      swapPauses: pauseSummary(control.flatMap((c) => c?.swaps ?? [])),
      supervision: this.supervision(),
    };
  }

  private supervision(): QueueSupervision[] {
    return this.supervisor?.snapshot(this.pipeline.queues) ?? this.pipeline.queues.map((queue) => ({ queue, restarts: 0, lastExit: null, down: null }));
  }

  /** The figures the workers last published on their own (ops/published.ts): read without asking a worker. */
  published(): PublishedPort {
    return {
      name: this.name, owner: this.owner, version: this.current?.version,
      queues: this.supervision().map((s) => ({
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
    this.supervisor?.stop();
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
