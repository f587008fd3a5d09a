// Differential fuzzing of a guest in a real Sandbox. Every round generates up
// to a batch of frames and runs them twice:
//   run A: frames in order, one batch, each in a random frame slot whose
//          headroom and tailroom hold random garbage;
//   run B: the same frames shuffled, split into two batches at a random point,
//          in other slots, surrounded by other garbage.
// Each frame must get the same verdict, target and output bytes in both runs,
// no trap and no invalid verdict. A guest that read outside [addr, addr+len),
// or kept state between packets that changed its answers, shows up as a
// difference (reported with the frame in hex and the seed).

import { BATCH_CAPACITY } from '../../host/abi.js';
import { Batch } from '../../host/batch.js';
import type { Sandbox } from '../../host/sandbox.js';
import { Rng } from './frames.js';

export const HEADROOM = 256;

export interface FuzzOptions {
  /** Frames to generate. */
  frames: number;
  seed: number;
  generate: (r: Rng) => Uint8Array;
}

export interface FuzzReport {
  frames: number;
  batches: number;
  /** Frames per action, from run A. */
  actions: number[];
}

interface Answer { action: number; target: number; bytes: Uint8Array }

export class FuzzFailure extends Error {}

/** WASMXDP_FUZZ_ITERATIONS when set (the `npm run fuzz` campaign), else `dflt`. */
export function fuzzFrames(dflt: number): number {
  const v = Number(process.env.WASMXDP_FUZZ_ITERATIONS);
  return Number.isInteger(v) && v > 0 ? v : dflt;
}

export function fuzzSeed(dflt: number): number {
  const v = Number(process.env.WASMXDP_FUZZ_SEED);
  return Number.isInteger(v) ? v >>> 0 : dflt;
}

export function fuzz(sb: Sandbox, opts: FuzzOptions): FuzzReport {
  const r = new Rng(opts.seed);
  const batch = new Batch();
  const report: FuzzReport = { frames: 0, batches: 0, actions: [0, 0, 0, 0, 0] };
  const slots = sb.frameCount;
  const garbage = new Rng(opts.seed ^ 0x5bd1e995);
  while (report.frames < opts.frames) {
    const k = 1 + r.int(Math.min(BATCH_CAPACITY, opts.frames - report.frames));
    const frames = Array.from({ length: k }, () => opts.generate(r));
    const before = sb.stats.snapshot();

    const a = runPlaced(sb, batch, frames, frames.map((_, i) => i), [k], r, garbage);
    const order = shuffle(r, frames.map((_, i) => i));
    const split = 1 + r.int(k);
    const b = runPlaced(sb, batch, frames, order, split < k ? [split, k - split] : [k], r, garbage);
    report.batches += split < k ? 3 : 2;

    const after = sb.stats.snapshot();
    if (after.traps !== before.traps) {
      throw new FuzzFailure(`seed ${opts.seed}: the guest trapped (${after.lastTrap}) on one of ${k} frames:\n${frames.map(hex).join('\n')}`);
    }
    if (after.invalidVerdicts !== before.invalidVerdicts) {
      throw new FuzzFailure(`seed ${opts.seed}: the guest gave an invalid verdict on one of ${k} frames:\n${frames.map(hex).join('\n')}`);
    }
    for (let i = 0; i < k; i++) {
      const x = a.get(i)!, y = b.get(i)!;
      if (x.action !== y.action || x.target !== y.target || !same(x.bytes, y.bytes)) {
        throw new FuzzFailure(`seed ${opts.seed}: frame answered differently in two runs ` +
          `(action ${x.action}/${y.action}, target ${x.target}/${y.target}, ${x.bytes.length}/${y.bytes.length} bytes out):\n${hex(frames[i])}`);
      }
      report.actions[x.action]++;
    }
    report.frames += k;
  }
  return report;
}

/** Runs frames[order[..]] in batches of the given sizes, each in a random slot; returns answers by frame index. */
function runPlaced(sb: Sandbox, batch: Batch, frames: Uint8Array[], order: number[], sizes: number[], r: Rng, garbage: Rng): Map<number, Answer> {
  const out = new Map<number, Answer>();
  const mem = sb.bytes;
  const used = new Set<number>();
  let at = 0;
  for (const size of sizes) {
    batch.clear();
    const idx = order.slice(at, at + size);
    at += size;
    for (const fi of idx) {
      let slot: number;
      do slot = r.int(sb.frameCount); while (used.has(slot));
      used.add(slot);
      const base = sb.frameAddr(slot);
      const g = garbage.bytes(64);
      for (let j = 0; j < sb.frameSize; j += 64) mem.set(j + 64 <= sb.frameSize ? g : g.subarray(0, sb.frameSize - j), base + j);
      mem[base] = garbage.next() & 0xff; // slots differ from each other too
      const f = frames[fi];
      mem.set(f, base + HEADROOM);
      batch.push(base + HEADROOM, f.length, 0, 0, HEADROOM, sb.frameSize - HEADROOM - f.length);
    }
    sb.run(batch, 0n);
    const m = sb.bytes;
    idx.forEach((fi, i) => {
      out.set(fi, { action: batch.action[i], target: batch.target[i], bytes: m.slice(batch.outAddr[i], batch.outAddr[i] + batch.outLen[i]) });
    });
  }
  return out;
}

function shuffle<T>(r: Rng, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function hex(f: Uint8Array): string {
  return `  (${f.length} bytes) ${Buffer.from(f).toString('hex')}`;
}
