// Runs a guest on test frames the way a live port does: each frame sits in its
// own slot of a real Sandbox's frame area behind 256 bytes of headroom, batches
// of up to BATCH_CAPACITY go through Sandbox.run, and the results are read from
// the validated Batch (bytes copied out at outAddr/outLen).

import { BATCH_CAPACITY, MEMORY_BASE } from '../../host/abi.js';
import { Batch } from '../../host/batch.js';
import { compileHandlerCached, CompileOptions } from '../../host/compile.js';
import { Sandbox, SandboxOptions } from '../../host/sandbox.js';
import { ProgramStatsSnapshot } from '../../host/stats.js';

export const HEADROOM = 256;

/**
 * A frame given as bytes, or as `bytes` of which the packet is only the first
 * `len`: the rest sits in memory right behind the packet, where a parser that
 * reads past the packet's end would find it.
 */
export type FrameInput = Uint8Array | { bytes: Uint8Array; len: number };

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
  const results: GuestResult[] = [];
  const batch = new Batch();
  for (let start = 0; start < frames.length; start += BATCH_CAPACITY) {
    const chunk = frames.slice(start, start + BATCH_CAPACITY);
    loadBatch(sandbox, batch, chunk, opts.port ?? 0);
    sandbox.run(batch, opts.nowNs);
    const mem = sandbox.bytes;
    for (let i = 0; i < batch.n; i++) {
      results.push({
        action: batch.action[i],
        target: batch.target[i],
        bytes: mem.slice(batch.outAddr[i], batch.outAddr[i] + batch.outLen[i]),
      });
    }
  }
  return { results, stats: sandbox.stats.snapshot(), sandbox };
}

/** Copies `frames` into frame slots 0.. of the sandbox and describes them in `batch`. */
export function loadBatch(sandbox: Sandbox, batch: Batch, frames: FrameInput[], port = 0): void {
  if (frames.length > BATCH_CAPACITY) throw new Error(`at most ${BATCH_CAPACITY} frames per batch`);
  batch.clear();
  const mem = sandbox.bytes;
  frames.forEach((frame, i) => {
    const bytes = frame instanceof Uint8Array ? frame : frame.bytes;
    const len = frame instanceof Uint8Array ? frame.length : frame.len;
    if (bytes.length > sandbox.frameSize - HEADROOM || len > bytes.length) {
      throw new Error(`frame ${i} (${bytes.length} bytes) does not fit a ${sandbox.frameSize}-byte frame after ${HEADROOM} bytes of headroom`);
    }
    const base = sandbox.frameAddr(i);
    mem.fill(0, base, base + sandbox.frameSize);
    mem.set(bytes, base + HEADROOM);
    batch.push(base + HEADROOM, len, port, 0, HEADROOM, sandbox.frameSize - HEADROOM - len);
  });
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
