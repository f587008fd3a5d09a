// A chain port fed from user space (a capture, a test, a benchmark): frames
// are placed in UMEM frame slots behind the same headroom a live port gives,
// classified by the TS twin of the kernel's classifier (or given a tenant id
// by the caller), run through the chain in batches of up to 256, and handed
// back with their final verdict and bytes.

import { Action, BATCH_CAPACITY, FRAME_AREA_OFFSET } from '../../host/abi.js';
import { Batch } from '../../host/batch.js';
import { XDP_PACKET_HEADROOM as DEFAULT_HEADROOM } from '../../host/abi.js';
import { NO_TENANT, TenantClassifier } from '../tenants/classifier.js';
import type { ChainRunner } from './chain-runner.js';

export interface ChainResult {
  tenant: number;
  action: Action;
  target: number;
  /** The frame as the chain left it (a copy). */
  bytes: Uint8Array;
}

export class ChainPort {
  private readonly batch = new Batch();
  private readonly tenantOf = new Uint16Array(BATCH_CAPACITY);
  private readonly u8: Uint8Array;

  constructor(
    readonly runner: ChainRunner,
    umem: WebAssembly.Memory,
    private readonly classifier: TenantClassifier | null,
    private readonly frameSize = 2048,
    private readonly headroom = DEFAULT_HEADROOM,
  ) {
    this.u8 = new Uint8Array(umem.buffer);
  }

  /** Runs `frames` (each optionally with the tenant id the kernel would have given it). */
  process(frames: (Uint8Array | { data: Uint8Array; tenant: number })[], nowNs?: bigint): ChainResult[] {
    const out: ChainResult[] = [];
    for (let start = 0; start < frames.length; start += BATCH_CAPACITY) {
      const chunk = frames.slice(start, start + BATCH_CAPACITY);
      this.load(chunk);
      this.runner.run(this.batch, this.tenantOf, nowNs);
      const b = this.batch;
      for (let i = 0; i < b.n; i++) {
        out.push({ tenant: this.tenantOf[i], action: b.action[i] as Action, target: b.target[i], bytes: this.u8.slice(b.outAddr[i], b.outAddr[i] + b.outLen[i]) });
      }
    }
    return out;
  }

  /** Places up to 256 frames in slots 0.. and classifies them; then runner.run(batch, tenantOf) runs them. */
  load(chunk: (Uint8Array | { data: Uint8Array; tenant: number })[]): { batch: Batch; tenantOf: Uint16Array } {
    const b = this.batch;
    b.clear();
    for (let i = 0; i < chunk.length; i++) {
      const f = chunk[i];
      const data = f instanceof Uint8Array ? f : f.data;
      if (data.length > this.frameSize - this.headroom) throw new RangeError(`frame ${i} of ${data.length} bytes does not fit a ${this.frameSize}-byte frame after ${this.headroom} bytes of headroom`);
      const base = FRAME_AREA_OFFSET + i * this.frameSize;
      const addr = base + this.headroom;
      this.u8.set(data, addr);
      b.push(addr, data.length, 0, 0, this.headroom, this.frameSize - this.headroom - data.length);
      this.tenantOf[i] = f instanceof Uint8Array ? (this.classifier?.classify(this.u8, addr, data.length) ?? NO_TENANT) : f.tenant;
    }
    return { batch: b, tenantOf: this.tenantOf };
  }
}
