// Runs a sandboxed program over frames that come from user space (a capture
// file, a test): each frame is copied into a frame slot of the sandbox's frame
// area with the same headroom a live port gives, batches of up to 256 go
// through one guest call, and every verdict is handed to a sink together with
// the packet bytes as the handler left them.

import { Action, actionCountsOf, BATCH_CAPACITY, XDP_PACKET_HEADROOM, type ActionCounts } from '../../host/abi.js';
import { Batch } from '../../host/batch.js';
import type { Sandbox } from '../../host/sandbox.js';

export const DEFAULT_HEADROOM = XDP_PACKET_HEADROOM;

export interface OfflineFrame {
  data: Uint8Array;
  tsNs?: bigint;
  /** Ingress port index (default 0). */
  port?: number;
}

export interface OfflineVerdict {
  /** Position of the frame in the input. */
  index: number;
  frame: OfflineFrame;
  action: Action;
  target: number;
  /** The packet after the handler: a view into guest memory, valid only during the sink call. */
  data: Uint8Array;
}

export interface OfflineSummary {
  packets: number;
  verdicts: ActionCounts;
  /** Frames larger than a frame slot minus headroom: not run, reported here. */
  oversize: number;
  elapsedNs: number;
}

export type VerdictSink = (v: OfflineVerdict) => void;

export class OfflineRunner {
  private readonly batch = new Batch();
  private readonly pending: OfflineFrame[] = [];
  private readonly pendingIndex = new Float64Array(BATCH_CAPACITY);
  private readonly summary: OfflineSummary = {
    packets: 0, verdicts: actionCountsOf(0), oversize: 0, elapsedNs: 0,
  };

  constructor(
    private readonly sandbox: Sandbox,
    private readonly sink: VerdictSink = () => {},
    private readonly headroom = DEFAULT_HEADROOM,
    private readonly onOversize: (index: number, frame: OfflineFrame) => void = () => {},
  ) {
    if (headroom < 0 || headroom >= sandbox.frameSize) throw new RangeError(`headroom ${headroom} does not fit a ${sandbox.frameSize}-byte frame`);
  }

  /** Largest packet a frame slot can carry. */
  get maxPacket(): number { return this.sandbox.frameSize - this.headroom; }

  /** Feeds one frame; batches run when full. */
  push(frame: OfflineFrame, index: number): void {
    if (frame.data.length > this.maxPacket) {
      this.summary.oversize++;
      this.onOversize(index, frame);
      return;
    }
    const slot = this.batch.n;
    const base = this.sandbox.frameAddr(slot);
    const addr = base + this.headroom;
    const mem = this.sandbox.bytes;
    // Clear the whole slot so a handler's result never depends on the bytes of
    // an earlier packet left in head- or tailroom.
    mem.fill(0, base, base + this.sandbox.frameSize);
    mem.set(frame.data, addr);
    this.batch.push(addr, frame.data.length, frame.port ?? 0, 0, this.headroom, this.sandbox.frameSize - this.headroom - frame.data.length);
    this.pending.push(frame);
    this.pendingIndex[slot] = index;
    if (this.batch.n === BATCH_CAPACITY) this.flush();
  }

  /** Runs what is batched so far. */
  flush(): void {
    const b = this.batch;
    if (b.n === 0) return;
    const t0 = process.hrtime.bigint();
    this.sandbox.run(b, t0);
    this.summary.elapsedNs += Number(process.hrtime.bigint() - t0);
    const mem = this.sandbox.bytes;
    const v = this.summary.verdicts;
    for (let i = 0; i < b.n; i++) {
      const action = b.action[i] as Action;
      switch (action) {
        case Action.DROP: v.drop++; break;
        case Action.PASS: v.pass++; break;
        case Action.TX: v.tx++; break;
        case Action.REDIRECT: v.redirect++; break;
        default: v.aborted++;
      }
      this.sink({
        index: this.pendingIndex[i],
        frame: this.pending[i],
        action,
        target: b.target[i],
        data: mem.subarray(b.outAddr[i], b.outAddr[i] + b.outLen[i]),
      });
    }
    this.summary.packets += b.n;
    b.clear();
    this.pending.length = 0;
  }

  run(frames: Iterable<OfflineFrame>): OfflineSummary {
    let i = 0;
    for (const f of frames) this.push(f, i++);
    this.flush();
    return this.result();
  }

  result(): OfflineSummary {
    return { ...this.summary, verdicts: { ...this.summary.verdicts } };
  }
}
