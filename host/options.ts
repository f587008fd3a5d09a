// The options a user tunes, each once: its default and what it accepts. The
// CLI (`wasmxdp run` parsing and --help), the config file (`wasmxdp serve`),
// the Sandbox's defaults and the addon wrapper (native/xsk.ts) all read this
// table, so a default or a limit cannot differ between them. Enumerations the
// C++ addon takes come from abi/contract.json (it gets their index).

import { BATCH_CAPACITY, COPY_MODES, DEFAULT_FRAME_SIZE, DEFAULT_HEAP_PAGES, FRAME_SIZES, MAX_HEAP_PAGES, MAX_QUEUE, XDP_MODES } from './generated/abi.js';

/** Fuel fits an i32: the host never sets more than this for one guest call. */
export const MAX_FUEL = 0x7fffffff;

/**
 * What a packet gets when the guest gave no answer for it: the packets after a
 * trapping one (when not re-run), and all traffic of a quarantined program.
 * 'pass' is fail-open, 'drop' fail-closed; 'aborted' drops and counts as XDP's
 * exception action. The trapping packet itself is always ABORTED.
 */
export const FAIL_VERDICTS = ['aborted', 'drop', 'pass'] as const;
export type FailVerdict = (typeof FAIL_VERDICTS)[number];
export type XdpMode = (typeof XDP_MODES)[number];
export type CopyMode = (typeof COPY_MODES)[number];

export interface RangeOption { readonly default: number; readonly min: number; readonly max: number }
export interface ChoiceOption<T> { readonly default: T; readonly values: readonly T[] }

export const OPTIONS = {
  /** Guest heap quota in 64 KiB pages above MEMORY_BASE. */
  heapPages: { default: DEFAULT_HEAP_PAGES, min: 1, max: MAX_HEAP_PAGES },
  /** CPU budget per packet in fuel units (about one wasm instruction each); a full batch must fit MAX_FUEL. */
  fuelPerPacket: { default: 100_000, min: 1, max: Math.floor(MAX_FUEL / BATCH_CAPACITY) },
  failVerdict: { default: 'aborted', values: FAIL_VERDICTS },
  /** XDP attach mode: skb (generic, works on every interface) or drv (native, needs driver support). */
  xdpMode: { default: 'skb', values: XDP_MODES },
  /** AF_XDP bind: let the kernel choose, force copy, or force zero copy. */
  copyMode: { default: 'auto', values: COPY_MODES },
  /** The rx queue a port binds (or 'all': one worker per queue). */
  queue: { default: 0, min: 0, max: MAX_QUEUE },
  frameSize: { default: DEFAULT_FRAME_SIZE, values: FRAME_SIZES },
} as const satisfies Record<string, RangeOption | ChoiceOption<unknown>>;

export function inRange(o: RangeOption, v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= o.min && v <= o.max;
}

export function isChoice<T>(o: ChoiceOption<T>, v: unknown): v is T {
  return (o.values as readonly unknown[]).includes(v);
}

/** "from 1 to 1024" for an error message or --help. */
export function rangeText(o: RangeOption): string {
  return `from ${o.min} to ${o.max}`;
}

/** "aborted, drop or pass". */
export function choiceText(o: ChoiceOption<unknown>): string {
  const v = o.values.map(String);
  return v.length < 2 ? v.join('') : `${v.slice(0, -1).join(', ')} or ${v[v.length - 1]}`;
}
