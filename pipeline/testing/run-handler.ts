// Runs a handler on frames the way a port does, for a handler's unit tests:
// each frame sits in its own slot of the sandbox's frame area behind 256 bytes
// of headroom, batches of up to 256 go through one guest call, and the verdict
// and the packet as the handler left it come back per frame. Handlers given by
// path or bytes go through the same compile, validation and metering as
// `wasmxdp run`.
//
//   const r = await runHandler('handler.ts', [eth({}, ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, udp({ dport: 53 })))]);
//   assert.equal(r.verdicts, ['drop']);

import { ACTION_NAMES, BATCH_CAPACITY, type Action, type ActionName } from '../../host/abi.js';
import { Batch } from '../../host/batch.js';
import { WasmxdpError } from '../../host/errors.js';
import { Sandbox } from '../../host/sandbox.js';
import type { ProgramStatsSnapshot } from '../../host/stats.js';
import { createSandbox, type ProgramOptions } from '../program/create-sandbox.js';
import { loadProgramBytes } from '../program/load-program.js';

/** Headroom in front of every frame, as a live port gives. */
export const HEADROOM = 256;

/**
 * A frame given as bytes, or as `bytes` of which the packet is only the first
 * `len`: the rest sits in memory right behind the packet, where a parser that
 * reads past the packet's end would find it.
 */
export type FrameInput = Uint8Array | { bytes: Uint8Array; len: number };

/** What the handler did with one frame. */
export interface HandlerVerdict {
  verdict: ActionName;
  action: Action;
  /** Port index of a redirect (0 otherwise). */
  target: number;
  /** The packet as the handler left it (head/tail adjusted, rewritten), copied out. */
  frame: Uint8Array;
}

export interface RunFramesOptions {
  /** Ingress port index of every frame (default 0). */
  port?: number;
  /** Batch time the handler reads with now() (default: the host clock). */
  nowNs?: bigint;
}

export interface RunHandlerOptions extends ProgramOptions, RunFramesOptions {}

export interface RunHandlerResult {
  results: HandlerVerdict[];
  /** results[i].verdict, for one-line assertions. */
  verdicts: ActionName[];
  /** results[i].frame. */
  frames: Uint8Array[];
  stats: ProgramStatsSnapshot;
  /** The sandbox the frames ran in: pass it back as `handler` to keep maps and counters; sandbox.counter(i) reads one. */
  sandbox: Sandbox;
}

/** Copies `frames` into frame slots 0.. of the sandbox and describes them in `batch`. */
export function loadBatch(sandbox: Sandbox, batch: Batch, frames: readonly FrameInput[], port = 0): void {
  if (frames.length > BATCH_CAPACITY) throw new RangeError(`at most ${BATCH_CAPACITY} frames per batch`);
  batch.clear();
  const mem = sandbox.bytes;
  frames.forEach((frame, i) => {
    const bytes = frame instanceof Uint8Array ? frame : frame.bytes;
    const len = frame instanceof Uint8Array ? frame.length : frame.len;
    if (bytes.length > sandbox.frameSize - HEADROOM || len > bytes.length) {
      throw new WasmxdpError('E_USAGE', `frame ${i} (${bytes.length} bytes) does not fit a ${sandbox.frameSize}-byte frame after ${HEADROOM} bytes of headroom`);
    }
    const base = sandbox.frameAddr(i);
    // A clean slot: a result never depends on an earlier packet's bytes.
    mem.fill(0, base, base + sandbox.frameSize);
    mem.set(bytes, base + HEADROOM);
    batch.push(base + HEADROOM, len, port, 0, HEADROOM, sandbox.frameSize - HEADROOM - len);
  });
}

/** Runs frames through a sandbox, in batches of up to BATCH_CAPACITY. */
export function runFrames(sandbox: Sandbox, frames: readonly FrameInput[], opts: RunFramesOptions = {}): HandlerVerdict[] {
  const results: HandlerVerdict[] = [];
  const batch = new Batch();
  for (let start = 0; start < frames.length; start += BATCH_CAPACITY) {
    loadBatch(sandbox, batch, frames.slice(start, start + BATCH_CAPACITY), opts.port ?? 0);
    sandbox.run(batch, opts.nowNs);
    const mem = sandbox.bytes;
    for (let i = 0; i < batch.n; i++) {
      const action = batch.action[i] as Action;
      results.push({
        verdict: ACTION_NAMES[action] ?? 'aborted',
        action,
        target: batch.target[i],
        frame: mem.slice(batch.outAddr[i], batch.outAddr[i] + batch.outLen[i]),
      });
    }
  }
  return results;
}

/**
 * `handler`: an AssemblyScript file or folder (compiled, cached), a built
 * .wasm path or its bytes, or a Sandbox from an earlier run.
 */
export async function runHandler(handler: string | Uint8Array | Sandbox, frames: readonly FrameInput[], opts: RunHandlerOptions = {}): Promise<RunHandlerResult> {
  const { port, nowNs, ...programOpts } = opts;
  const sandbox = handler instanceof Sandbox ? handler
    : createSandbox(typeof handler === 'string' ? await loadProgramBytes(handler) : { name: 'handler', bytes: handler }, programOpts);
  const results = runFrames(sandbox, frames, { port, nowNs });
  return { results, verdicts: results.map((r) => r.verdict), frames: results.map((r) => r.frame), stats: sandbox.stats.snapshot(), sandbox };
}
