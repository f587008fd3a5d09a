// An in-memory port: frames go in as byte arrays, and what the program did
// with them comes out sorted the way a live port would act on them (sent back
// out, passed to the stack, redirected to port k, dropped). Used by tests and
// by anything that embeds wasmxdp without sockets.

import { Action } from '../../host/abi.js';
import type { Sandbox } from '../../host/sandbox.js';
import { OfflineRunner, OfflineSummary } from '../offline/offline-runner.js';

export interface MemoryPortOutput {
  tx: Uint8Array[];
  pass: Uint8Array[];
  drop: Uint8Array[];
  aborted: Uint8Array[];
  /** Frames redirected, by target port index. */
  redirect: Map<number, Uint8Array[]>;
  /** Verdict action of every input frame, in input order (-1: oversize, not run). */
  actions: number[];
  summary: OfflineSummary;
}

export class MemoryPort {
  constructor(private readonly sandbox: Sandbox, private readonly portIndex = 0) {}

  process(frames: Uint8Array[]): MemoryPortOutput {
    const out: MemoryPortOutput = {
      tx: [], pass: [], drop: [], aborted: [], redirect: new Map(), actions: new Array(frames.length).fill(-1),
      summary: undefined as never,
    };
    const runner = new OfflineRunner(this.sandbox, (v) => {
      const copy = v.data.slice();
      out.actions[v.index] = v.action;
      switch (v.action) {
        case Action.TX: out.tx.push(copy); break;
        case Action.PASS: out.pass.push(copy); break;
        case Action.DROP: out.drop.push(copy); break;
        case Action.REDIRECT: {
          const list = out.redirect.get(v.target) ?? [];
          list.push(copy);
          out.redirect.set(v.target, list);
          break;
        }
        default: out.aborted.push(copy);
      }
    });
    out.summary = runner.run(frames.map((data) => ({ data, port: this.portIndex })));
    return out;
  }
}
