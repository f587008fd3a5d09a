// Handler time as a user means it: warm. The first packets a module runs pay
// for lazy compilation and JIT tier-up (thousands of ns/packet for a handler
// that costs ~100 warm), so a figure averaged over a short capture says more
// about V8 than about the handler. This replays a sample of the capture's
// frames on a separate instance of the same module (a fresh memory, so the
// run's maps and counters are untouched), first until the JIT has settled,
// then measured, and reports the median round.

import { BATCH_CAPACITY } from '../../host/abi.js';
import { Sandbox } from '../../host/sandbox.js';
import { OfflineRunner, type OfflineFrame } from './offline-runner.js';

export interface WarmTiming {
  /** Median over the measured rounds of the guest calls' host wall time per packet. */
  nsPerPacket: number;
  /** Frames in the sample (the first ones of the capture that fit a frame). */
  samplePackets: number;
  /** Rounds run to warm up, then measured. */
  warmupRounds: number;
  measuredRounds: number;
}

/** Keeps copies of the first frames of a run, for the warm replay. */
export class TimingSample {
  readonly frames: OfflineFrame[] = [];
  constructor(private readonly max = BATCH_CAPACITY) {}
  offer(f: OfflineFrame): void {
    if (this.frames.length < this.max) this.frames.push({ data: f.data.slice(), tsNs: f.tsNs, port: f.port });
  }
}

const WARMUP_PACKETS = 200_000;
const WARMUP_MAX_MS = 1000;
const MEASURE_PACKETS = 100_000;
const MEASURE_MAX_MS = 200;

export function measureWarm(of: Sandbox, sample: readonly OfflineFrame[], headroom?: number): WarmTiming | null {
  if (sample.length === 0) return null;
  const replica = new Sandbox(of.module, {
    name: of.name, heapPages: of.heapPages, maxHeapPages: of.heapPages, frameSize: of.frameSize, portCount: of.portCount,
    fuelPerPacket: of.fuelPerPacket, failVerdict: of.failVerdict, quarantine: false, log: () => {},
  });
  const runner = new OfflineRunner(replica, undefined, headroom);
  const round = (): void => { for (let i = 0; i < sample.length; i++) runner.push(sample[i], i); runner.flush(); };
  let warmupRounds = 0;
  for (const start = performance.now(); warmupRounds * sample.length < WARMUP_PACKETS && performance.now() - start < WARMUP_MAX_MS;) {
    round();
    warmupRounds++;
  }
  const perPacket: number[] = [];
  for (const start = performance.now(); (perPacket.length * sample.length < MEASURE_PACKETS && performance.now() - start < MEASURE_MAX_MS) || perPacket.length < 3;) {
    // The guest calls only (OfflineRunner times sandbox.run), not the copying of frames in.
    const before = runner.result();
    round();
    const after = runner.result();
    perPacket.push((after.elapsedNs - before.elapsedNs) / (after.packets - before.packets));
  }
  perPacket.sort((a, b) => a - b);
  return { nsPerPacket: perPacket[perPacket.length >> 1], samplePackets: sample.length, warmupRounds, measuredRounds: perPacket.length };
}
