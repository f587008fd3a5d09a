// ABI v1 constants. docs/abi.md is the specification; guest-sdk/abi.ts mirrors
// these numbers for the guest side.

export const ABI_VERSION = 1;
export const ABI_MAGIC = 0x50445857; // "WXDP" little-endian

export const PAGE_SIZE = 65536;

export const CONTROL_OFFSET = 0x0000000;
export const CONTROL_SIZE = 0x10000;
export const FRAME_AREA_OFFSET = 0x0010000;
export const FRAME_AREA_SIZE = 0x1000000;
export const MAPS_OFFSET = 0x1010000;
export const MAPS_SIZE = 0x1000000;
export const MEMORY_BASE = 0x2010000;
export const MEMORY_BASE_PAGES = MEMORY_BASE / PAGE_SIZE;

export const DEFAULT_HEAP_PAGES = 16;
export const MAX_HEAP_PAGES = 1024;

export const HEADER_OFFSET = 0x0000;
export const DESC_OFFSET = 0x0100;
export const VERDICT_OFFSET = 0x2000;
export const COUNTERS_OFFSET = 0x4000;
export const COUNTERS_COUNT = 1024;
export const LOG_OFFSET = 0x6000;
export const LOG_SIZE = 0x2000;

export const BATCH_CAPACITY = 256;
export const DESC_SIZE = 16;
export const VERDICT_SIZE = 16;

// Header field offsets.
export const H_MAGIC = 0x00;
export const H_VERSION = 0x04;
export const H_BATCH_CAPACITY = 0x08;
export const H_FRAME_SIZE = 0x0c;
export const H_FRAME_AREA_OFFSET = 0x10;
export const H_FRAME_AREA_SIZE = 0x14;
export const H_MAPS_OFFSET = 0x18;
export const H_MAPS_SIZE = 0x1c;
export const H_PORT_COUNT = 0x20;
export const H_MEMORY_BASE = 0x24;
export const H_SEED = 0x28;
export const H_BATCH_N = 0x2c;
export const H_NOW_NS = 0x30;

// XDP action numbering. A plain object, not a const enum, so it exists at
// runtime for code that imports the package's JavaScript.
export const Action = {
  ABORTED: 0,
  DROP: 1,
  PASS: 2,
  TX: 3,
  REDIRECT: 4,
} as const;
export type Action = (typeof Action)[keyof typeof Action];
export const ACTION_NAMES = ['aborted', 'drop', 'pass', 'tx', 'redirect'] as const;
export type ActionName = (typeof ACTION_NAMES)[number];

export const FRAME_SIZES = [2048, 4096] as const;
export const DEFAULT_FRAME_SIZE = 2048;

export function memoryPages(heapPages: number): number {
  return MEMORY_BASE_PAGES + heapPages;
}

/**
 * Functions the host provides in the `wx` import namespace, with their wasm
 * signatures. Deploy-time validation refuses any other `wx` import.
 * - log(level, ptr, len): a UTF-8 message, rate-limited by the host.
 * - map_declare(namePtr, nameLen, kind, keySize, valueSize, maxEntries) -> i32:
 *   finds or allocates the named map in the maps region and returns its base
 *   address (negative: an error code, see docs/maps.md).
 */
export const HOST_FUNCTIONS: Readonly<Record<string, { params: readonly ('i32' | 'i64')[]; results: readonly ('i32' | 'i64')[] }>> = {
  log: { params: ['i32', 'i32', 'i32'], results: [] },
  map_declare: { params: ['i32', 'i32', 'i32', 'i32', 'i32', 'i32'], results: ['i32'] },
};
