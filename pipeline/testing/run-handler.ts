// Runs a handler on frames the way `wasmxdp run --pcap` does (the same
// compile, validation, metering and OfflineRunner), for a handler's unit tests:
//
//   const r = await runHandler('handler.ts', [eth({}, ipv4({ ... }, udp({ dport: 53 })))]);
//   assert.equal(r.verdicts, ['drop']);

import { Action, ACTION_NAMES, type ActionName } from '../../host/abi.js';
import { WasmxdpError } from '../../host/errors.js';
import { Sandbox } from '../../host/sandbox.js';
import type { ProgramStatsSnapshot } from '../../host/stats.js';
import { OfflineRunner, type OfflineSummary } from '../offline/offline-runner.js';
import { createSandbox, type ProgramOptions } from '../program/create-sandbox.js';
import { loadProgramBytes } from '../program/load-program.js';

/** What the handler did with one frame. */
export interface HandlerVerdict {
  verdict: ActionName;
  action: Action;
  /** Port index of a redirect (0 otherwise). */
  target: number;
  /** The packet as the handler left it (head/tail adjusted, rewritten), copied out. */
  frame: Uint8Array;
}

export interface RunHandlerResult {
  results: HandlerVerdict[];
  /** results[i].verdict, for one-line assertions. */
  verdicts: ActionName[];
  /** results[i].frame. */
  frames: Uint8Array[];
  summary: OfflineSummary;
  stats: ProgramStatsSnapshot;
  /** The sandbox the frames ran in: pass it back to keep maps and counters (sandbox.counter(i)). */
  sandbox: Sandbox;
}

export interface RunHandlerOptions extends ProgramOptions {
  /** Ingress port index of every frame (default 0). */
  port?: number;
}

/**
 * `handler`: an AssemblyScript file or folder (compiled, cached), a built
 * .wasm path or its bytes, or a Sandbox from an earlier run.
 */
export async function runHandler(handler: string | Uint8Array | Sandbox, frames: Iterable<Uint8Array>, opts: RunHandlerOptions = {}): Promise<RunHandlerResult> {
  const { port, ...programOpts } = opts;
  const sandbox = handler instanceof Sandbox ? handler
    : createSandbox(typeof handler === 'string' ? await loadProgramBytes(handler) : { name: 'handler', bytes: handler }, programOpts);
  const results: HandlerVerdict[] = [];
  const runner = new OfflineRunner(sandbox, (v) => {
    results[v.index] = { verdict: ACTION_NAMES[v.action] ?? 'aborted', action: v.action, target: v.target, frame: v.data.slice() };
  }, undefined, (index, frame) => {
    throw new WasmxdpError('E_USAGE', `frame ${index} is ${frame.data.length} bytes: more than a ${sandbox.frameSize}-byte frame slot holds after its headroom`);
  });
  const summary = runner.run((function* () { for (const data of frames) yield { data, port }; })());
  return { results, verdicts: results.map((r) => r.verdict), frames: results.map((r) => r.frame), summary, stats: sandbox.stats.snapshot(), sandbox };
}
