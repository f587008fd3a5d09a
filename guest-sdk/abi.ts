// ABI v1 constants, guest side. docs/abi.md is the specification; host/abi.ts
// holds the same numbers for the host.

export const ABI_VERSION: u32 = 1;

export const FRAME_AREA_OFFSET: usize = 0x0010000;
export const FRAME_AREA_SIZE: usize = 0x1000000;
export const MAPS_OFFSET: usize = 0x1010000;
export const MAPS_SIZE: usize = 0x1000000;
export const MEMORY_BASE: usize = 0x2010000;

export const DESC_OFFSET: usize = 0x0100;
export const VERDICT_OFFSET: usize = 0x2000;
export const COUNTERS_OFFSET: usize = 0x4000;
export const COUNTERS_COUNT: u32 = 1024;
export const LOG_OFFSET: usize = 0x6000;
export const LOG_SIZE: usize = 0x2000;

export const BATCH_CAPACITY: u32 = 256;
export const DESC_SIZE: usize = 16;
export const VERDICT_SIZE: usize = 16;

export const H_FRAME_SIZE: usize = 0x0c;
export const H_PORT_COUNT: usize = 0x20;
export const H_SEED: usize = 0x28;
export const H_BATCH_N: usize = 0x2c;
export const H_NOW_NS: usize = 0x30;
