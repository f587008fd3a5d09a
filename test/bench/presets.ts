// How much each measurement repeats. default keeps `npm run bench` to a few
// minutes on a 2-core machine; full is for a quiet machine; tiny only checks
// that everything runs (the smoke test).
import type { PartOptions } from './part-handlers.js';
import type { LiveOptions } from './part-live.js';
import type { ScalingOptions } from './part-scaling.js';
import type { SwapOptions } from './part-swap.js';
import type { TenantOptions } from './part-tenants.js';
import type { FleetOptions } from './part-fleet.js';

export type PresetName = 'tiny' | 'quick' | 'default' | 'full';

export interface Preset {
  handlers: PartOptions;
  live: Omit<LiveOptions, 'mode'>;
  swap: Omit<SwapOptions, 'mode'>;
  scaling: ScalingOptions;
  tenants: TenantOptions;
  fleet: FleetOptions;
}

const CURVE_X = { ruleCounts: [1, 4, 16, 32, 64], sizes: [64, 128, 256, 512, 1024, 1514], batchSizes: [1, 4, 16, 64, 256] };

export const PRESETS: Record<PresetName, Preset> = {
  tiny: {
    handlers: { reps: 1, packets: 4000, ebpfRuns: 1 },
    live: { frames: 3000, reps: 1 },
    swap: { frames: 40000, pps: 20000, swaps: 1, reps: 1 },
    scaling: { reps: 1, packets: 2000, ebpfRuns: 1, ruleCounts: [1, 64], sizes: [64, 1514], batchSizes: [1, 256] },
    tenants: { reps: 1, packets: 2000, sizes: [64, 1514], noisyMs: 200 },
    fleet: { nodes: [1, 2], reps: 1 },
  },
  quick: {
    handlers: { reps: 3, packets: 100_000, ebpfRuns: 5 },
    live: { frames: 200_000, reps: 1 },
    swap: { frames: 300_000, pps: 100_000, swaps: 2, reps: 1 },
    scaling: { reps: 3, packets: 50_000, ebpfRuns: 5, ...CURVE_X },
    tenants: { reps: 3, packets: 50_000, sizes: CURVE_X.sizes, noisyMs: 1000 },
    fleet: { nodes: [1, 5], reps: 2 },
  },
  default: {
    handlers: { reps: 7, packets: 300_000, ebpfRuns: 20 },
    live: { frames: 500_000, reps: 3 },
    swap: { frames: 500_000, pps: 100_000, swaps: 3, reps: 2 },
    scaling: { reps: 5, packets: 100_000, ebpfRuns: 10, ...CURVE_X },
    tenants: { reps: 5, packets: 200_000, sizes: CURVE_X.sizes, noisyMs: 2000 },
    fleet: { nodes: [1, 5, 20], reps: 3 },
  },
  full: {
    handlers: { reps: 11, packets: 1_000_000, ebpfRuns: 50 },
    live: { frames: 2_000_000, reps: 5 },
    swap: { frames: 1_000_000, pps: 100_000, swaps: 5, reps: 3 },
    scaling: { reps: 7, packets: 200_000, ebpfRuns: 20, ...CURVE_X },
    tenants: { reps: 7, packets: 500_000, sizes: CURVE_X.sizes, noisyMs: 3000 },
    fleet: { nodes: [1, 5, 20], reps: 5 },
  },
};
