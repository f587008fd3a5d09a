// One stage of a chain: its own sandbox (program, memory, maps, stats), who
// owns it (the operator or a tenant), which verdicts go on to the next stage,
// and whether it runs on the UMEM itself (zero copy) or on a copy of each
// frame in its own memory (frame-copy.ts).

import { Action, ActionName, ACTION_NAMES } from '../../host/abi.js';
import { Batch } from '../../host/batch.js';
import type { Sandbox } from '../../host/sandbox.js';
import { CaptureTap } from '../capture/capture-tap.js';

export interface CopyStats {
  /** Frames copied from the UMEM into this stage's memory. */
  copiesIn: number;
  bytesIn: number;
  /** Frames the stage rewrote (bytes, head or length), copied back. */
  copiesBack: number;
  bytesBack: number;
}

export class ChainStage {
  /** Bit (1 << action) set for each verdict that continues the chain. */
  readonly continueMask: number;
  /** The stage's own view of the frames it is given (preallocated). */
  readonly batch = new Batch();
  /** Positions in the port's batch of the frames in `batch`. */
  readonly index = new Uint16Array(this.batch.addr.length);
  readonly copy: CopyStats = { copiesIn: 0, bytesIn: 0, copiesBack: 0, bytesBack: 0 };
  /** Live capture of the frames this stage judged (`wasmxdp capture --stage`), read from its own memory. */
  readonly tap: CaptureTap;

  constructor(
    readonly name: string,
    /** OPERATOR ('default') or the tenant's name. */
    readonly owner: string,
    readonly sandbox: Sandbox,
    chainActions: readonly ActionName[] = ['pass'],
  ) {
    let m = 0;
    for (const a of chainActions) m |= 1 << ACTION_NAMES.indexOf(a);
    this.continueMask = m;
    this.tap = new CaptureTap(sandbox.memory);
  }

  continues(a: Action): boolean { return (this.continueMask & (1 << a)) !== 0; }
}
