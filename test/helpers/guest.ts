// Runs a guest on test frames the way a live port does (the testing kit's
// runFrames), on a module compiled without the metering instrumentation.

import { BATCH_CAPACITY, MEMORY_BASE } from '../../host/abi.js';
import { loadBatch, runFrames, type FrameInput } from '../../pipeline/testing/run-handler.js';
import { Batch } from '../../host/batch.js';
import { compileHandlerCached, CompileOptions } from '../../host/compile.js';
import { Sandbox, SandboxOptions } from '../../host/sandbox.js';
import { ProgramStatsSnapshot } from '../../host/stats.js';

export { HEADROOM, loadBatch, type FrameInput } from '../../pipeline/testing/run-handler.js';

export interface GuestResult {
  action: number;
  target: number;
  /** The packet after the guest's verdict (head/tail adjusted), copied out. */
  bytes: Uint8Array;
}

export interface RunGuestOptions extends SandboxOptions {
  /** Run on this sandbox instead of creating one (counters and stats carry over). */
  sandbox?: Sandbox;
  /** Batch time written into the ABI header. */
  nowNs?: bigint;
  /** Ingress port index of every frame. */
  port?: number;
  compile?: CompileOptions;
}

export interface RunGuestResult {
  results: GuestResult[];
  stats: ProgramStatsSnapshot;
  sandbox: Sandbox;
}

/** Compiles (cached) a handler file, or compiles raw wasm bytes, to a module. */
export async function guestModule(guest: Uint8Array | string, compile?: CompileOptions): Promise<WebAssembly.Module> {
  const bytes = typeof guest === 'string' ? await compileHandlerCached(guest, compile) : guest;
  return WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
}

export async function runGuest(guest: Uint8Array | string | WebAssembly.Module, frames: FrameInput[], opts: RunGuestOptions = {}): Promise<RunGuestResult> {
  const sandbox = opts.sandbox ?? new Sandbox(guest instanceof WebAssembly.Module ? guest : await guestModule(guest, opts.compile), opts);
  const results = runFrames(sandbox, frames, { port: opts.port, nowNs: opts.nowNs })
    .map((r) => ({ action: r.action, target: r.target, bytes: r.frame }));
  return { results, stats: sandbox.stats.snapshot(), sandbox };
}

/**
 * Runs `count` packets through `sandbox`, cycling through `frames` in batches
 * of up to BATCH_CAPACITY (each batch reloaded, as a port refills its frames),
 * and returns the nanoseconds spent inside Sandbox.run.
 */
export function runMany(sandbox: Sandbox, frames: FrameInput[], count: number): number {
  const batch = new Batch();
  const chunks: FrameInput[][] = [];
  for (let i = 0; i < frames.length; i += BATCH_CAPACITY) chunks.push(frames.slice(i, i + BATCH_CAPACITY));
  let done = 0;
  let ns = 0n;
  for (let c = 0; done < count; c = (c + 1) % chunks.length) {
    const chunk = chunks[c].slice(0, count - done);
    loadBatch(sandbox, batch, chunk);
    const t0 = process.hrtime.bigint();
    sandbox.run(batch);
    ns += process.hrtime.bigint() - t0;
    done += chunk.length;
  }
  return Number(ns);
}

/**
 * Address just past the last non-zero byte of the guest's data and heap
 * region. The stub runtime writes a header for every allocation at the top of
 * its heap, so a guest that allocates moves this mark up.
 */
export function heapHighWater(sandbox: Sandbox): number {
  const mem = sandbox.bytes;
  for (let i = mem.length - 1; i >= MEMORY_BASE; i--) if (mem[i] !== 0) return i + 1;
  return MEMORY_BASE;
}
