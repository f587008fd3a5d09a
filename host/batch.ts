// One batch of packets as the host sees it: the host's own copy of every
// descriptor (what it hands the guest, and what it checks the guest's answers
// against) and the validated results. Preallocated once per port: the packet
// path allocates nothing.

import { Action, BATCH_CAPACITY } from './abi.js';

export class Batch {
  n = 0;
  readonly addr = new Uint32Array(BATCH_CAPACITY);
  readonly len = new Uint32Array(BATCH_CAPACITY);
  readonly port = new Uint16Array(BATCH_CAPACITY);
  readonly queue = new Uint16Array(BATCH_CAPACITY);
  readonly headroom = new Uint16Array(BATCH_CAPACITY);
  readonly tailroom = new Uint16Array(BATCH_CAPACITY);
  /** Validated results, written by Sandbox.run. */
  readonly action = new Uint8Array(BATCH_CAPACITY);
  readonly target = new Uint32Array(BATCH_CAPACITY);
  readonly outAddr = new Uint32Array(BATCH_CAPACITY);
  readonly outLen = new Uint32Array(BATCH_CAPACITY);

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
