// Runs a port's chain over one batch, the way libxdp's dispatcher runs XDP
// programs: the operator's stages in order, then the stages of the tenant
// each frame belongs to. A verdict in a stage's chainActions (PASS by default)
// goes on to the next stage; any other ends the frame's chain; a frame that
// continues past the last stage is PASSed to the kernel's stack, as the
// dispatcher returns XDP_PASS. Each stage runs once per batch over the frames
// still going (one guest call), so a trap in one stage costs only that
// stage's frames its fail verdict.
//
// Isolation: a stage whose memory is the UMEM runs in place (zero copy); any
// other gets each of its frames copied into its own memory and written back
// only when it rewrote them (frame-copy.ts). A tenant's stages therefore never
// see a frame that is not the tenant's, nor any other memory.
//
// Fairness: tenants run in a rotating order (none is always last), and each
// stage's CPU per batch is bounded by its fuel: frames x fuelPerPacket.

import { Action, BATCH_CAPACITY } from '../../host/abi.js';
import type { Batch } from '../../host/batch.js';
import { copyFrame, memoryBuffer, rewritten } from './frame-copy.js';
import type { ChainStage } from './stage.js';

export interface ChainTenant {
  id: number;
  name: string;
  stages: ChainStage[];
}

export interface TenantFigures {
  name: string;
  packets: number;
  /** Final verdicts of this tenant's frames, by action. */
  verdicts: Float64Array;
}

export class ChainRunner {
  private readonly umem: Buffer;
  private readonly stageBuffers = new Map<ChainStage, Buffer>();
  private readonly byId = new Map<number, ChainTenant>();
  /** Per-frame state of the batch in flight. */
  private readonly addr = new Uint32Array(BATCH_CAPACITY);
  private readonly len = new Uint32Array(BATCH_CAPACITY);
  private readonly head = new Uint32Array(BATCH_CAPACITY);
  private readonly tail = new Uint32Array(BATCH_CAPACITY);
  private readonly active = new Uint8Array(BATCH_CAPACITY);
  private readonly pick = new Uint16Array(BATCH_CAPACITY);
  private rotation = 0;
  /** Final verdicts per tenant id (0: frames no tenant owns). */
  readonly figures = new Map<number, TenantFigures>();

  constructor(umem: WebAssembly.Memory, readonly operator: ChainStage[], readonly tenants: ChainTenant[]) {
    this.umem = memoryBuffer(umem);
    this.figures.set(0, { name: '(no tenant)', packets: 0, verdicts: new Float64Array(5) });
    for (const t of tenants) {
      this.byId.set(t.id, t);
      this.figures.set(t.id, { name: t.name, packets: 0, verdicts: new Float64Array(5) });
    }
    for (const s of [...operator, ...tenants.flatMap((t) => t.stages)]) {
      this.stageBuffers.set(s, s.sandbox.memory === umem ? this.umem : memoryBuffer(s.sandbox.memory));
    }
  }

  /** Every stage, the operator's first. */
  get stages(): ChainStage[] { return [...this.operator, ...this.tenants.flatMap((t) => t.stages)]; }

  /** True when the stage runs on the UMEM itself. */
  zeroCopy(stage: ChainStage): boolean { return this.stageBuffers.get(stage) === this.umem; }

  /**
   * Runs the chain over `batch` (frames in the UMEM); `tenantOf[i]` is frame
   * i's tenant id (0: none). Fills the batch's results.
   */
  run(batch: Batch, tenantOf: ArrayLike<number>, nowNs: bigint = process.hrtime.bigint()): void {
    const n = batch.n;
    for (let i = 0; i < n; i++) {
      this.addr[i] = batch.addr[i];
      this.len[i] = batch.len[i];
      this.head[i] = batch.headroom[i];
      this.tail[i] = batch.tailroom[i];
      this.active[i] = 1;
      batch.action[i] = Action.PASS;
      batch.target[i] = 0;
    }
    let k = 0;
    for (let i = 0; i < n; i++) this.pick[k++] = i;
    for (const s of this.operator) k = this.runStage(s, batch, k, nowNs);

    const count = this.tenants.length;
    if (count > 0) {
      const first = this.rotation++ % count;
      for (let r = 0; r < count; r++) {
        const t = this.tenants[(first + r) % count];
        let m = 0;
        for (let i = 0; i < n; i++) if (this.active[i] && tenantOf[i] === t.id) this.pick[m++] = i;
        for (const s of t.stages) { if (m === 0) break; m = this.runStage(s, batch, m, nowNs); }
      }
    }
    for (let i = 0; i < n; i++) {
      batch.outAddr[i] = this.addr[i];
      batch.outLen[i] = this.len[i];
      const f = this.figures.get(this.byId.has(tenantOf[i]) ? tenantOf[i] : 0)!;
      f.packets++;
      f.verdicts[batch.action[i]]++;
    }
  }

  /**
   * Runs one stage over the frames pick[0..k); leaves in pick[0..) the ones
   * that go on and returns their count. Ended frames get their final verdict.
   */
  private runStage(s: ChainStage, batch: Batch, k: number, nowNs: bigint): number {
    if (k === 0) return 0;
    const sb = s.batch;
    const mem = this.stageBuffers.get(s)!;
    const inPlace = mem === this.umem;
    sb.clear();
    for (let j = 0; j < k; j++) {
      const i = this.pick[j];
      s.index[j] = i;
      sb.push(this.addr[i], this.len[i], batch.port[i], batch.queue[i], this.head[i], this.tail[i]);
      if (!inPlace) {
        copyFrame(this.umem, mem, this.addr[i], this.len[i]);
        s.copy.copiesIn++;
        s.copy.bytesIn += this.len[i];
      }
    }
    s.sandbox.run(sb, nowNs);
    // The stage's verdicts on the bytes it left, before any copy back (the capture never waits: capture/capture-tap.ts).
    if (s.tap.active) s.tap.record(sb, k);
    let going = 0;
    for (let j = 0; j < k; j++) {
      const i = s.index[j];
      const a = sb.action[j] as Action;
      const oa = sb.outAddr[j], ol = sb.outLen[j];
      const goes = s.continues(a);
      if (!inPlace && (goes || a === Action.PASS || a === Action.TX || a === Action.REDIRECT)
          && rewritten(this.umem, mem, this.addr[i], this.len[i], oa, ol)) {
        copyFrame(mem, this.umem, oa, ol);
        s.copy.copiesBack++;
        s.copy.bytesBack += ol;
      }
      // The frame's slot bounds stay; head and tail room follow the packet.
      const lo = this.addr[i] - this.head[i];
      const hi = this.addr[i] + this.len[i] + this.tail[i];
      this.addr[i] = oa;
      this.len[i] = ol;
      this.head[i] = oa - lo;
      this.tail[i] = hi - oa - ol;
      if (goes) {
        this.pick[going++] = i;
      } else {
        this.active[i] = 0;
        batch.action[i] = a;
        batch.target[i] = sb.target[j];
      }
    }
    return going;
  }
}
