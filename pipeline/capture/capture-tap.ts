// The worker's side of a live capture: when active, after the guest judged a
// batch and before the verdicts are applied, each frame whose verdict is
// asked for is copied (up to snaplen bytes) into the capture ring. The data
// path never waits: a full ring drops the frame from the capture only.

import type { Batch } from '../../host/batch.js';
import { CaptureRing } from './capture-ring.js';

export interface CaptureRequest {
  type: 'capture';
  id: number;
  /** null stops the capture. */
  ring: SharedArrayBuffer | null;
  /** Bit i set: capture verdict i (XDP numbering). */
  verdictMask: number;
  snaplen: number;
}

export class CaptureTap {
  active = false;
  private ring: CaptureRing | null = null;
  private mask = 0;
  private snaplen = 0;
  private readonly mem: Buffer;

  constructor(memory: WebAssembly.Memory) {
    // The sandbox memory has a fixed size: its buffer never changes.
    this.mem = Buffer.from(memory.buffer);
  }

  configure(req: CaptureRequest): { active: boolean } {
    this.ring = req.ring ? new CaptureRing(req.ring) : null;
    this.mask = req.verdictMask;
    this.snaplen = req.snaplen;
    this.active = this.ring !== null;
    return { active: this.active };
  }

  /** After sandbox.run, before the verdicts are applied. */
  record(batch: Batch, n: number): void {
    const ring = this.ring!;
    const now = Date.now();
    for (let i = 0; i < n; i++) {
      const v = batch.action[i];
      if (((this.mask >>> v) & 1) === 0) continue;
      const len = batch.outLen[i];
      ring.push(this.mem, batch.outAddr[i], len < this.snaplen ? len : this.snaplen, len, v, batch.target[i], now);
    }
  }
}
