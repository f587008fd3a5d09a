// The ABI v1 contract, host side: the numbers come from abi/contract.json
// through scripts/gen-abi.mjs (host/generated/abi.ts); docs/abi.md explains them.

import { WasmxdpError } from './errors.js';
import { ACTION_NAMES, type ActionName, FRAME_SIZES, type FrameSize, MAX_QUEUE, MEMORY_BASE_PAGES } from './generated/abi.js';

export * from './generated/abi.js';

/** A count per XDP action, by name: { aborted, drop, pass, tx, redirect }. */
export type ActionCounts = Record<ActionName, number>;

/** counts[action] (indexed by action number) as an ActionCounts record. */
export function actionCounts(counts: ArrayLike<number>): ActionCounts {
  const out = {} as ActionCounts;
  ACTION_NAMES.forEach((name, i) => { out[name] = counts[i] ?? 0; });
  return out;
}

/** An ActionCounts record with every action at `value` (0: a fresh total). */
export function actionCountsOf(value = 0): ActionCounts {
  return actionCounts(ACTION_NAMES.map(() => value));
}

/** Adds `add` into `into`, action by action. */
export function addActionCounts(into: ActionCounts, add: ActionCounts): void {
  for (const name of ACTION_NAMES) into[name] += add[name];
}

export function memoryPages(heapPages: number): number {
  return MEMORY_BASE_PAGES + heapPages;
}

/** `n` as a frame size of the frame area, or E_CONFIG naming `what`. */
export function checkFrameSize(n: unknown, what = 'frameSize'): FrameSize {
  if (!(FRAME_SIZES as readonly unknown[]).includes(n)) {
    throw new WasmxdpError('E_CONFIG', `${what} must be ${FRAME_SIZES.join(' or ')}, got ${JSON.stringify(n)}`);
  }
  return n as FrameSize;
}

/** `n` as an rx queue index the XDP program can steer (its XSKMAP size), or E_CONFIG. */
export function checkQueue(n: unknown, what = 'queue'): number {
  if (!Number.isInteger(n) || (n as number) < 0 || (n as number) > MAX_QUEUE) {
    throw new WasmxdpError('E_CONFIG', `${what} must be 0-${MAX_QUEUE}, got ${JSON.stringify(n)}`);
  }
  return n as number;
}
