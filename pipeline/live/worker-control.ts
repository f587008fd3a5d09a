// The control side of a live port worker: hot swaps at a batch boundary (the
// new module instantiated on the same memory, so frames in flight and maps
// stay), the health check that follows one, per-version figures, map
// operations and fresh figures on request. The burst loop calls poll()
// between bursts and beforeBatch()/afterBatch() around each batch; nothing on
// that path allocates unless a swap is being measured or checked.
//
// A swap is spread over three gaps between bursts so that the one that
// switches versions does little else: one gap receives the request (the
// structured clone of the module), plans the maps (which conflict, which
// are released: this code runs once a deploy, so it runs cold) and warms the
// new module (Sandbox.warm: its first instance in this thread, on a scratch
// memory, pays V8's per-thread setup), the next swaps, the one after replies. Between the first two only one burst of the
// running guest happens: it cannot declare maps, and if it scribbles over
// the region the new version's start fails and the old one keeps running.

import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { actionCounts } from '../../host/abi.js';
import { WasmxdpError, isWasmxdpError } from '../../host/errors.js';
import { MapsRegion } from '../../host/maps/region.js';
import type { Sandbox } from '../../host/sandbox.js';
import { applyMapOp } from '../../host/maps/map-ops.js';
import type { CaptureRequest } from '../capture/capture-tap.js';
import type {
  ControlFigures, ControlReply, ControlRequest, HealthEvent, HealthPolicy, MapShapeSpec, SwapRecord, SwapRequest, VersionFigures,
} from './control-messages.js';

const KEPT_SWAPS = 64;
/** A gap longer than this before or after a swap means the port was idle: no pause is measured. */
const IDLE_MS = 20;

interface Running { version: number; name: string; module: WebAssembly.Module; maps: MapShapeSpec[] }

/** What a swap does to the maps region, worked out when the request arrives. */
interface MapsPlan { conflicts: MapShapeSpec[]; release: { desc: number; name: string }[] }

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
  /** The swap whose pause is measured by the next batch. */
  private pausePending: SwapRecord | null = null;
  private pauseFrom = 0;
  private swapEnd = 0;
  /** A swap request received and planned in an earlier gap: the next poll() runs it. */
  private staged: { req: SwapRequest; plan: MapsPlan } | null = null;
  /** Its reply, sent by the poll() after it, off the swap's gap. */
  private deferred: ControlReply | null = null;
  /** How long the receiving gap spent planning and warming the staged swap. */
  private stagedUs = 0;

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
  }

  /** Handles waiting requests (between bursts); one swap step per call. */
  poll(): void {
    this.flushReply();
    if (this.staged !== null) {
      const { req, plan } = this.staged;
      this.staged = null;
      this.deferred = this.answer(req.id, () => this.swap(req, plan));
      // Requests behind the swap wait for the next gap.
      return;
    }
    if (this.port) {
      for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port)) {
        const req = m.message as ControlRequest;
        if (req.type === 'swap') {
          const t = performance.now();
          let plan: MapsPlan | null = null;
          const refused = this.answer(req.id, () => { plan = this.planMaps(req); });
          if (plan === null) {
            this.send(refused);
          } else {
            this.sandbox.warm(req.module);
            this.staged = { req, plan };
            this.stagedUs = Math.round((performance.now() - t) * 1000);
          }
          return;
        }
        this.send(this.reply(req));
      }
    }
    if (this.probation !== null) this.checkHealth();
  }

  beforeBatch(): void {
    if (this.pausePending !== null) {
      const now = performance.now();
      if (now - this.swapEnd <= IDLE_MS) {
        this.pausePending.pauseUs = Math.round((now - this.pauseFrom) * 1000);
        this.pausePending.afterUs = Math.round((now - this.swapEnd) * 1000);
      }
      this.pausePending = null;
    }
  }

  /** endMs: when the batch ended, if the caller has it (a port worker: the sandbox's last run end). */
  afterBatch(endMs = performance.now()): void {
    this.lastBatchEnd = endMs;
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
  private pending(): VersionFigures {
    const s = this.sandbox.stats;
    const v = s.verdicts, m = this.mark.verdicts;
    return {
      version: this.current.version, name: this.current.name, packets: s.packets - this.mark.packets, traps: s.traps - this.mark.traps,
      verdicts: actionCounts(v.map((x, i) => x - m[i])),
    };
  }

  private closeVersion(): void {
    const live = this.pending();
    const acc = this.versions.get(live.version);
    if (acc) addFigures(acc, live); else this.versions.set(live.version, live);
    const s = this.sandbox.stats;
    this.mark = { packets: s.packets, traps: s.traps, verdicts: Float64Array.from(s.verdicts) };
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

  private swap(req: SwapRequest, plan: MapsPlan): { version: number; instantiateUs: number; resetMaps: string[]; releasedMaps: string[] } {
    const t0 = performance.now();
    const region = MapsRegion.of(this.sandbox.memory);
    const { conflicts, release } = plan;
    const previous = this.current;
    // What the running instance knows of its maps (bodies included), to put back if the new version does not start.
    const saved = conflicts.length || release.length ? region.snapshot() : null;
    for (const e of release) region.removeDesc(e.desc);
    if (saved) region.repairHeader();
    this.resetMaps(region, conflicts);
    const t1 = performance.now();
    try {
      this.sandbox.redeploy(req.module, { name: req.name, version: req.version });
    } catch (e) {
      // The old instance still runs, with the addresses it declared: give it its region back byte for byte.
      if (saved) region.restore(saved);
      const msg = (e as Error).message;
      const full = !req.resetMaps && /(region|directory) (or directory )?is full|no room in the maps region/.test(msg)
        ? '; the maps of the versions kept for rollback take room too: deploy with --reset-maps to release them (or lower historyDepth)'
        : '';
      throw new WasmxdpError(isWasmxdpError(e) ? e.code : 'E_DEPLOY', `${req.name} v${req.version} did not start, ${previous.name} v${previous.version} keeps running: ${msg}${full}`);
    }
    const t2 = performance.now();
    this.closeVersion();
    this.current = { version: req.version, name: req.name, module: req.module, maps: req.maps };
    this.probation = req.health ? { policy: req.health, since: t2, packets: this.sandbox.stats.packets, traps: this.sandbox.stats.traps, previous } : null;
    this.health = req.health ? 'probation' : 'unchecked';
    this.record(previous.version, req.version, req.reason, t0, t1, t2, this.stagedUs);
    return { version: req.version, instantiateUs: Math.round((t2 - t1) * 1000), resetMaps: conflicts.map((m) => m.name), releasedMaps: release.map((e) => e.name) };
  }

  /** Resets the given maps to the given shapes (a corrupt one is recreated). */
  private resetMaps(region: MapsRegion, shapes: MapShapeSpec[]): void {
    for (const m of shapes) region.declare(m.name, m.kind, m.keySize, m.valueSize, m.maxEntries, { reset: true });
  }

  private record(from: number, to: number, reason: SwapRecord['reason'], t0: number, t1: number, t2: number, preparedUs: number): void {
    const rec: SwapRecord = {
      from, to, reason, at: Date.now(), instantiateUs: Math.round((t2 - t1) * 1000), preparedUs,
      blockedUs: Math.round((performance.now() - t0) * 1000), pauseUs: null, beforeUs: null, afterUs: null,
    };
    this.swaps.push(rec);
    if (this.swaps.length > KEPT_SWAPS) this.swaps.shift();
    // From the old version's last batch, when traffic was flowing on both sides
    // of the swap: on an idle port the gap is idleness, not a pause.
    this.pausePending = this.lastBatchEnd > 0 && t0 - this.lastBatchEnd <= IDLE_MS ? rec : null;
    if (this.pausePending) rec.beforeUs = Math.round((t0 - this.lastBatchEnd) * 1000);
    this.pauseFrom = this.lastBatchEnd;
    this.swapEnd = performance.now();
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
      this.record(failed.version, p.previous.version, 'health', t0, t1, t2, 0);
    } catch (e) {
      reason = `v${failed.version} failed its health check (${why}) and v${p.previous.version} could not be restored: ${(e as Error).message}`;
    }
    this.lastRollback = reason;
    this.sendHealth({ type: 'health', version: failed.version, state: 'failed', reason, restored: this.current.version });
  }

  /** The swap's reply, held for the next gap, goes out now. */
  private flushReply(): void {
    if (this.deferred === null) return;
    this.send(this.deferred);
    this.deferred = null;
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
