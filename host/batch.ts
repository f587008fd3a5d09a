// One batch of packets as the host sees it: the host's own copy of every
// descriptor (what it hands the guest, and what it checks the guest's answers
// against) and the validated results. Preallocated once per port: the packet
// path allocates nothing.
//
// The arrays are views of a wasm memory that no guest ever links to: the
// host's batch check (host/batch-check.ts), a wasm module the host generates,
// reads and writes them there in one pass per batch. Batches share such
// memories, BATCHES_PER_MEMORY each (one region of 64 KiB per batch; pages
// never touched cost no RAM), so that one check instance serves them all.

import { Action, BATCH_CAPACITY } from './abi.js';

/** Byte offsets of the batch memory's regions (BATCH_CAPACITY entries each). */
export const BATCH_LAYOUT = (() => {
  const c = BATCH_CAPACITY;
  const at = { addr: 0, len: 4 * c, port: 8 * c, queue: 10 * c, headroom: 12 * c, tailroom: 14 * c, action: 16 * c, target: 17 * c, outAddr: 21 * c, outLen: 25 * c,
    /** Descriptors in the ABI's layout, formatted here and copied into the guest's memory. */
    desc: 32 * c,
    /** The guest's verdict records, copied here after its call and checked here. */
    records: 48 * c,
    /** Per-action counts of the last check (4 u32s). */
    counts: 64 * c };
  if (at.counts + 16 > 65536 /* BATCH_REGION */) throw new Error('BATCH_CAPACITY too large for a one-page batch memory');
  return at;
})();

/** Bytes of one batch's region. */
export const BATCH_REGION = 65536;
export const BATCHES_PER_MEMORY = 256;

let shared: WebAssembly.Memory | null = null;
let nextRegion = BATCHES_PER_MEMORY;
function region(): { memory: WebAssembly.Memory; base: number } {
  if (nextRegion === BATCHES_PER_MEMORY || shared === null) {
    shared = new WebAssembly.Memory({ initial: BATCHES_PER_MEMORY, maximum: BATCHES_PER_MEMORY });
    nextRegion = 0;
  }
  return { memory: shared, base: BATCH_REGION * nextRegion++ };
}

export class Batch {
  n = 0;
  /** Host-only memory the arrays live in, from byte `base` on (BATCH_LAYOUT). */
  readonly memory: WebAssembly.Memory;
  readonly base: number;
  readonly addr: Uint32Array;
  readonly len: Uint32Array;
  readonly port: Uint16Array;
  readonly queue: Uint16Array;
  readonly headroom: Uint16Array;
  readonly tailroom: Uint16Array;
  /** Validated results, written by Sandbox.run. */
  readonly action: Uint8Array;
  readonly target: Uint32Array;
  readonly outAddr: Uint32Array;
  readonly outLen: Uint32Array;
  /** The batch check's views for this batch (host/batch-check.ts), made on first use. */
  checkViews: unknown = null;

  constructor() {
    const { memory, base } = region();
    this.memory = memory;
    this.base = base;
    const b = memory.buffer, c = BATCH_CAPACITY, L = BATCH_LAYOUT;
    this.addr = new Uint32Array(b, base + L.addr, c);
    this.len = new Uint32Array(b, base + L.len, c);
    this.port = new Uint16Array(b, base + L.port, c);
    this.queue = new Uint16Array(b, base + L.queue, c);
    this.headroom = new Uint16Array(b, base + L.headroom, c);
    this.tailroom = new Uint16Array(b, base + L.tailroom, c);
    this.action = new Uint8Array(b, base + L.action, c);
    this.target = new Uint32Array(b, base + L.target, c);
    this.outAddr = new Uint32Array(b, base + L.outAddr, c);
    this.outLen = new Uint32Array(b, base + L.outLen, c);
  }

  clear(): void { this.n = 0; }

  /** Appends a packet; returns false when the batch is full. */
  push(addr: number, len: number, port: number, queue: number, headroom: number, tailroom: number): boolean {
    const i = this.n;
    if (i >= BATCH_CAPACITY) return false;
    this.addr[i] = addr;
    this.len[i] = len;
    this.port[i] = port;
    this.queue[i] = queue;
    this.headroom[i] = headroom;
    this.tailroom[i] = tailroom;
    this.action[i] = Action.ABORTED;
    this.n = i + 1;
    return true;
  }
}
