// The control side of a live port worker: hot swaps at a batch boundary (the
// new module instantiated on the same memory, so frames in flight and maps
// stay), the health check that follows one, per-version figures, map
// operations and fresh figures on request. The burst loop calls poll()
// between bursts and beforeBatch()/afterBatch() around each batch; nothing on
// that path allocates unless a swap is being measured or checked.
//
// A swap is spread over gaps between bursts, one step each, so that the one
// that switches versions does nothing but the switch: receive the request
// (the structured clone of the module); plan the maps (which conflict, which
// are released: this code runs once a deploy, so it runs cold); prepare the
// new module (Sandbox.prepare: its first instances in this thread and its
// first batch, on a scratch memory, pay V8's per-thread and per-instance
// setup and compile the functions a frame reaches); switch (apply the plan,
// instantiate on the real memory, a few assignments); after the new
// version's first batch, the bookkeeping (figures charged to the old
// version, the swap's record, the health check's start); then the reply.
// While a swap is under way no other request is read, so the plan stays
// true; the running guest cannot declare maps, and if it scribbles over the
// region the new version's start fails and the old one keeps running. The
// pause a swap causes is the longest of those gaps (each from the last batch
// before it to the first batch after it; the switch's to the end of the new
// version's first batch).

import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { actionCounts } from '../../host/abi.js';
import { WasmxdpError, isWasmxdpError } from '../../host/errors.js';
import { MapsRegion } from '../../host/maps/region.js';
import type { PreparedProgram, Sandbox } from '../../host/sandbox.js';
import { applyMapOp } from '../../host/maps/map-ops.js';
import type { CaptureRequest } from '../capture/capture-tap.js';
import type {
  ControlFigures, ControlReply, ControlRequest, HealthEvent, HealthPolicy, MapShapeSpec, SwapRecord, SwapRequest, VersionFigures,
} from './control-messages.js';

const KEPT_SWAPS = 64;
/** Dry runs of the maps plan at start (a few ms, before traffic). */
const PLAN_REHEARSALS = 300;
/** A gap longer than this before or after a swap means the port was idle: no pause is measured. */
const IDLE_MS = 20;
/** With no batch since a swap's last step, the next one waits this long (ms). */
const IDLE_STEP_MS = 5;

interface Running { version: number; name: string; module: WebAssembly.Module; maps: MapShapeSpec[] }

/** What a swap does to the maps region, worked out when the request arrives. */
interface MapsPlan { conflicts: MapShapeSpec[]; release: { desc: number; name: string }[] }

/** A swap's steps, one per gap between bursts, in order. */
const STEPS = ['receive', 'plan', 'prepare', 'rehearse', 'switch', 'finish', 'reply'] as const;
const SWITCH = STEPS.indexOf('switch');

/** A swap under way: the step the next poll() does, and what the steps before it made. */
interface SwapInProgress {
  req: SwapRequest;
  /** The step the next poll() does, and the index in STEPS of the last one done. */
  step: Exclude<(typeof STEPS)[number], 'receive'>;
  done: number;
  plan: MapsPlan | null;
  prepared: PreparedProgram | null;
  previous: Running;
  /** performance.now() at the switch's start, after the maps, after the instantiation, at its end. */
  times?: [number, number, number, number];
  /** The switch's gap, when traffic ran on both sides of it. */
  switchGap?: { us: number; beforeUs: number; afterUs: number };
  rec: SwapRecord | null;
  reply: ControlReply | null;
  /** Each step's gap (us; STEPS order), null when the port was idle around it. */
  gapsUs: (number | null)[];
}

interface Probation { policy: HealthPolicy; since: number; packets: number; traps: number; previous: Running }

export class WorkerControl {
  private current: Running;
  private probation: Probation | null = null;
  private health: ControlFigures['health'] = 'unchecked';
  private readonly versions = new Map<number, VersionFigures>();
  private readonly swaps: SwapRecord[] = [];
  private lastRollback: string | null = null;
  /** Sandbox totals at the last version change, to charge the difference to the version that ran. */
  private mark = { packets: 0, traps: 0, verdicts: new Float64Array(5) };
  private lastBatchEnd = 0;
  /** Live capture requests (capture/capture-tap.ts), set by the worker. */
  onCapture: ((req: CaptureRequest) => unknown) | null = null;
  /** After a restart, gives the maps the dead worker's contents (live/maps-keeper.ts), set by the worker. */
  onMapsRestore: (() => unknown) | null = null;
  /** The swap under way (a step per poll()), null when none. */
  private swapping: SwapInProgress | null = null;
  /** Set by a poll() that did a swap step: the next batch measures the gap. */
  private stepped: SwapInProgress | null = null;
  private stepAt = 0;
  /** The switch's gap runs to the end of the new version's first batch. */
  private switchedFrom = -1;
  /** Sandbox totals at the switch, for the bookkeeping after it (no allocation in the switch). */
  private readonly atSwitch = { packets: 0, traps: 0, verdicts: new Float64Array(5) };

  constructor(
    private readonly sandbox: Sandbox,
    private readonly port: MessagePort | undefined,
    private readonly send: (m: ControlReply | HealthEvent) => void,
    private readonly figures: () => unknown,
    version: number,
  ) {
    // A fresh memory holds exactly the maps the first version declared.
    const maps = MapsRegion.of(sandbox.memory).list().map((i): MapShapeSpec => ({
      name: i.name, kind: i.kindName as MapShapeSpec['kind'], keySize: i.keySize, valueSize: i.valueSize, maxEntries: i.maxEntries,
    }));
    this.current = { version, name: sandbox.name, module: sandbox.module, maps };
    // warm()'s scratch memory is made now, before traffic: made in a swap's
    // receiving gap it held the burst loop for milliseconds.
    sandbox.warm(sandbox.module);
    // The maps plan is JS that runs once a deploy, interpreted (tens of us
    // in its gap): run it now, before traffic, until V8 has compiled it. It
    // only reads the region.
    const rehearsal = { type: 'swap', id: 0, version, name: sandbox.name, module: sandbox.module, maps, resetMaps: false, keepMaps: [], reason: 'deploy', health: null } as SwapRequest;
    try {
      for (let i = 0; i < PLAN_REHEARSALS; i++) this.planMaps(rehearsal);
    } catch {
      // A region the plan refuses (a restored worker's) is the real swap's to report.
    }
  }

  /**
   * Handles waiting requests (between bursts); one swap step per call.
   * Returns true while a swap is under way: call again at the next gap.
   */
  poll(): boolean {
    if (this.swapping !== null) {
      // One step per gap: the next waits for a batch, or on an idle port for
      // IDLE_STEP_MS (the loop polls again right after a step, with no
      // receive in between; an idle loop waits in receive() for POLL_MS).
      const now = performance.now();
      if (this.stepped !== null && now - this.stepAt < IDLE_STEP_MS) return true;
      this.stepAt = now;
      this.stepped = this.swapping;
      this.step(this.swapping);
      return this.swapping !== null;
    }
    if (this.port) {
      for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port)) {
        const req = m.message as ControlRequest;
        if (req.type === 'swap') {
          // Receiving it (the module's structured clone) is this gap's step.
          this.swapping = { req, step: 'plan', done: 0, plan: null, prepared: null, previous: this.current, rec: null, reply: null, gapsUs: STEPS.map(() => null) };
          this.stepped = this.swapping;
          this.stepAt = performance.now();
          return true;
        }
        this.send(this.reply(req));
      }
    }
    if (this.probation !== null) this.checkHealth();
    return false;
  }

  private step(w: SwapInProgress): void {
    w.done = STEPS.indexOf(w.step);
    switch (w.step) {
      case 'plan': {
        const refused = this.answer(w.req.id, () => { w.plan = this.planMaps(w.req); });
        if (w.plan === null) {
          this.swapping = null;
          this.send(refused);
        } else {
          w.step = 'prepare';
        }
        return;
      }
      case 'prepare':
        try {
          w.prepared = this.sandbox.prepare(w.req.module, { name: w.req.name, version: w.req.version });
        } catch (e) {
          this.swapping = null;
          this.send(this.answer(w.req.id, () => { throw e; }));
          return;
        }
        w.step = 'rehearse';
        return;
      case 'rehearse':
        this.sandbox.rehearse(w.prepared!);
        w.step = 'switch';
        return;
      case 'switch':
        this.switchTo(w);
        return;
      case 'finish':
        this.finish(w);
        w.step = 'reply';
        return;
      case 'reply':
        this.swapping = null;
        this.send(w.reply!);
        return;
    }
  }

  beforeBatch(): void {
    const w = this.stepped;
    if (w === null) return;
    this.stepped = null;
    const from = this.lastBatchEnd;
    const now = performance.now();
    // A gap longer than IDLE_MS is idleness, not a pause.
    if (from === 0 || now - from > IDLE_MS) return;
    // The switch's gap ends with the new version's first batch (afterBatch).
    if (w.done === SWITCH) { this.switchedFrom = from; return; }
    const us = Math.round((now - from) * 1000);
    w.gapsUs[w.done] = us;
    if (w.rec !== null) {
      w.rec.gapsUs = w.gapsUs;
      if (w.rec.pauseUs !== null && us > w.rec.pauseUs) w.rec.pauseUs = us;
    }
  }

  /** endMs: when the batch ended, if the caller has it (a port worker: the sandbox's last run end). */
  afterBatch(endMs = performance.now()): void {
    this.lastBatchEnd = endMs;
    if (this.switchedFrom >= 0) this.measureSwitch();
    if (this.probation !== null) this.checkHealth();
  }

  snapshot(): ControlFigures {
    const versions = [...this.versions.values()].map((v) => ({ ...v, verdicts: { ...v.verdicts } }));
    const live = this.pending();
    const cur = versions.find((v) => v.version === this.current.version);
    if (cur) addFigures(cur, live); else versions.push(live);
    return { version: this.current.version, health: this.health, versions, swaps: this.swaps.map((s) => ({ ...s })), lastRollback: this.lastRollback };
  }

  private reply(req: ControlRequest): ControlReply {
    return this.answer((req as { id: number }).id, () => {
      if (req.type === 'map') return applyMapOp(MapsRegion.of(this.sandbox.memory), req);
      if (req.type === 'figures') return this.figures();
      if (req.type === 'capture' && this.onCapture) return this.onCapture(req);
      if (req.type === 'maps-restore' && this.onMapsRestore) return this.onMapsRestore();
      throw new WasmxdpError('E_PROTOCOL', `unknown worker request '${(req as { type: string }).type}'`);
    });
  }

  private answer(id: number, work: () => unknown): ControlReply {
    try {
      return { type: 'reply', id, ok: true, result: work() };
    } catch (e) {
      return { type: 'reply', id, ok: false, error: { code: isWasmxdpError(e) ? e.code : 'E_DEPLOY', message: (e as Error).message } };
    }
  }

  /** What the running version handled since the last mark. */
  private pending(s: { packets: number; traps: number; verdicts: Float64Array } = this.sandbox.stats): VersionFigures {
    const v = s.verdicts, m = this.mark.verdicts;
    return {
      version: this.current.version, name: this.current.name, packets: s.packets - this.mark.packets, traps: s.traps - this.mark.traps,
      verdicts: actionCounts(v.map((x, i) => x - m[i])),
    };
  }

  /** Charges the running version with what it handled up to `upTo` (the sandbox's totals at its end). */
  private closeVersion(upTo: { packets: number; traps: number; verdicts: Float64Array } = this.sandbox.stats): void {
    const live = this.pending(upTo);
    const acc = this.versions.get(live.version);
    if (acc) addFigures(acc, live); else this.versions.set(live.version, live);
    this.mark = { packets: upTo.packets, traps: upTo.traps, verdicts: Float64Array.from(upTo.verdicts) };
  }

  /** Which maps the swap resets and releases; refuses conflicts without --reset-maps. */
  private planMaps(req: SwapRequest): MapsPlan {
    const region = MapsRegion.of(this.sandbox.memory);
    const conflicts = req.maps.filter((m) => differs(region, m));
    if (conflicts.length && !req.resetMaps) {
      throw new WasmxdpError('E_DEPLOY', `${req.name}: ${conflicts.map((m) => describeConflict(region, m)).join('; ')}; deploy with --reset-maps to reset ${conflicts.length > 1 ? 'them' : 'it'} (contents are lost)`);
    }
    // Maps nobody can come back to are released (their directory entries and
    // space are reused); with reset, so are corrupt ones the new version does not declare.
    const wanted = new Set(req.maps.map((m) => m.name));
    const keep = req.keepMaps ? new Set([...req.keepMaps, ...wanted]) : null;
    const release = region.scan().filter((e) => !wanted.has(e.info.name) && ((keep !== null && !keep.has(e.info.name)) || (req.resetMaps && e.problem !== undefined)));
    return { conflicts, release: release.map((e) => ({ desc: e.info.desc, name: e.info.name })) };
  }

  /** The switch: the only step in its gap. Allocates nothing but what an error needs. */
  private switchTo(w: SwapInProgress): void {
    const t0 = performance.now();
    const { req, plan } = w;
    const { conflicts, release } = plan!;
    const region = MapsRegion.of(this.sandbox.memory);
    // What the running instance knows of its maps (bodies included), to put back if the new version does not start.
    const saved = conflicts.length || release.length ? region.snapshot() : null;
    if (saved) {
      for (const e of release) region.removeDesc(e.desc);
      region.repairHeader();
      this.resetMaps(region, conflicts);
    }
    const t1 = performance.now();
    try {
      this.sandbox.commit(w.prepared!);
    } catch (e) {
      // The old instance still runs, with the addresses it declared: give it its region back byte for byte.
      if (saved) region.restore(saved);
      const previous = w.previous;
      const msg = (e as Error).message;
      const full = !req.resetMaps && /(region|directory) (or directory )?is full|no room in the maps region/.test(msg)
        ? '; the maps of the versions kept for rollback take room too: deploy with --reset-maps to release them (or lower historyDepth)'
        : '';
      this.swapping = null;
      this.send(this.answer(req.id, () => {
        throw new WasmxdpError(isWasmxdpError(e) ? e.code : 'E_DEPLOY', `${req.name} v${req.version} did not start, ${previous.name} v${previous.version} keeps running: ${msg}${full}`);
      }));
      return;
    }
    const t2 = performance.now();
    // The old version's share ends here; a health check running for the
    // previous swap must not judge this version.
    const s = this.sandbox.stats, at = this.atSwitch;
    at.packets = s.packets;
    at.traps = s.traps;
    for (let i = 0; i < 5; i++) at.verdicts[i] = s.verdicts[i];
    this.probation = null;
    w.times = [t0, t1, t2, performance.now()];
    w.step = 'finish';
  }

  /** After the new version's first batch: what the switch left for later. */
  private finish(w: SwapInProgress): void {
    const { req, plan, previous } = w;
    const [t0, t1, t2, end] = w.times!;
    this.closeVersion(this.atSwitch);
    this.current = { version: req.version, name: req.name, module: req.module, maps: req.maps };
    this.probation = req.health ? { policy: req.health, since: t2, packets: this.atSwitch.packets, traps: this.atSwitch.traps, previous } : null;
    this.health = req.health ? 'probation' : 'unchecked';
    const prepared = Math.max(0, ...w.gapsUs.slice(0, SWITCH).map((g) => g ?? 0));
    const rec = this.record(previous.version, req.version, req.reason, t0, t1, t2, end, prepared);
    rec.gapsUs = w.gapsUs;
    if (w.switchGap !== undefined) {
      rec.beforeUs = w.switchGap.beforeUs;
      rec.afterUs = w.switchGap.afterUs;
      rec.pauseUs = Math.max(w.switchGap.us, prepared);
    }
    w.rec = rec;
    w.reply = { type: 'reply', id: req.id, ok: true, result: { version: req.version, instantiateUs: rec.instantiateUs, resetMaps: plan!.conflicts.map((m) => m.name), releasedMaps: plan!.release.map((e) => e.name) } };
  }

  /** The new version's first batch ended: the switch's gap is over. */
  private measureSwitch(): void {
    const w = this.swapping;
    const from = this.switchedFrom;
    this.switchedFrom = -1;
    if (w === null || w.times === undefined) return;
    const [t0, , , end] = w.times;
    w.gapsUs[SWITCH] = Math.round((this.lastBatchEnd - from) * 1000);
    w.switchGap = {
      us: w.gapsUs[SWITCH]!,
      beforeUs: Math.round((t0 - from) * 1000),
      afterUs: Math.round((this.lastBatchEnd - end) * 1000),
    };
  }

  /** Resets the given maps to the given shapes (a corrupt one is recreated). */
  private resetMaps(region: MapsRegion, shapes: MapShapeSpec[]): void {
    for (const m of shapes) region.declare(m.name, m.kind, m.keySize, m.valueSize, m.maxEntries, { reset: true });
  }

  private record(from: number, to: number, reason: SwapRecord['reason'], t0: number, t1: number, t2: number, end: number, preparedUs: number): SwapRecord {
    const rec: SwapRecord = {
      from, to, reason, at: Date.now(), instantiateUs: Math.round((t2 - t1) * 1000), preparedUs,
      blockedUs: Math.round((end - t0) * 1000), pauseUs: null, beforeUs: null, afterUs: null,
    };
    this.swaps.push(rec);
    if (this.swaps.length > KEPT_SWAPS) this.swaps.shift();
    return rec;
  }

  private checkHealth(): void {
    const p = this.probation!;
    const s = this.sandbox.stats;
    if (s.traps > p.traps || this.sandbox.quarantined) {
      this.rollbackUnhealthy(p, `v${this.current.version} trapped ${s.traps - p.traps} time(s) in its first ${s.packets - p.packets} packet(s): ${s.lastTrap ?? this.sandbox.status()}`);
      return;
    }
    if (s.packets - p.packets >= p.policy.packets && performance.now() - p.since >= p.policy.ms) {
      this.probation = null;
      this.health = 'healthy';
      this.sendHealth({ type: 'health', version: this.current.version, state: 'healthy' });
    }
  }

  private rollbackUnhealthy(p: Probation, why: string): void {
    const failed = this.current;
    this.probation = null;
    const region = MapsRegion.of(this.sandbox.memory);
    const t0 = performance.now();
    let reason = `rolled back to v${p.previous.version}: ${why}`;
    try {
      this.resetMaps(region, p.previous.maps.filter((m) => differs(region, m)));
      const t1 = performance.now();
      this.sandbox.redeploy(p.previous.module, { name: p.previous.name, version: p.previous.version });
      const t2 = performance.now();
      this.closeVersion();
      this.current = p.previous;
      this.health = 'unchecked';
      this.record(failed.version, p.previous.version, 'health', t0, t1, t2, performance.now(), 0);
      // A swap not yet switched was planned against the version rolled back: plan it again.
      const w = this.swapping;
      if (w !== null && w.times === undefined) { w.step = 'plan'; w.plan = null; w.previous = this.current; }
    } catch (e) {
      reason = `v${failed.version} failed its health check (${why}) and v${p.previous.version} could not be restored: ${(e as Error).message}`;
    }
    this.lastRollback = reason;
    this.sendHealth({ type: 'health', version: failed.version, state: 'failed', reason, restored: this.current.version });
  }

  /** The swap's reply, held for the gap after its bookkeeping, goes out now. */
  private flushReply(): void {
    const w = this.swapping;
    if (w === null || w.reply === null) return;
    this.swapping = null;
    this.send(w.reply);
  }

  /**
   * A health verdict can come in the burst right after the swap, before the
   * gap that sends the swap's reply: the daemon must see the reply first, or
   * it does not know the version the verdict is about.
   */
  private sendHealth(e: HealthEvent): void {
    this.flushReply();
    this.send(e);
  }
}

/** The map exists with another shape, or its descriptor is corrupt. */
function differs(region: MapsRegion, m: MapShapeSpec): boolean {
  const h = region.find(m.name);
  if (!h) return false;
  const { info: i, problem } = region.check(h.desc);
  return problem !== undefined || i.kindName !== m.kind || i.keySize !== m.keySize || i.valueSize !== m.valueSize || i.maxEntries !== m.maxEntries;
}

function describeConflict(region: MapsRegion, m: MapShapeSpec): string {
  const { info: i, problem } = region.check(region.find(m.name)!.desc);
  if (problem !== undefined) return `map '${m.name}' is corrupt (${problem}): a version that ran overwrote its descriptor`;
  const d: string[] = [];
  if (i.kindName !== m.kind) d.push(`kind ${i.kindName} (new: ${m.kind})`);
  if (i.keySize !== m.keySize) d.push(`key size ${i.keySize} (new: ${m.keySize})`);
  if (i.valueSize !== m.valueSize) d.push(`value size ${i.valueSize} (new: ${m.valueSize})`);
  if (i.maxEntries !== m.maxEntries) d.push(`max entries ${i.maxEntries} (new: ${m.maxEntries})`);
  return `map '${m.name}' is incompatible: it has ${d.join(', ')}`;
}

function addFigures(into: VersionFigures, v: VersionFigures): void {
  into.packets += v.packets;
  into.traps += v.traps;
  for (const k of Object.keys(into.verdicts) as (keyof VersionFigures['verdicts'])[]) into.verdicts[k] += v.verdicts[k];
}
