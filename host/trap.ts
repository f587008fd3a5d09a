// Names the way a guest call failed, so counters and logs can tell an infinite
// loop from a bad pointer. V8 reports wasm traps as RuntimeError with fixed
// messages; stack exhaustion is a RangeError.

import { escapeLogText } from './log-text.js';

export const TRAP_KINDS = [
  'unreachable',
  'out_of_bounds',
  'stack_overflow',
  'divide_by_zero',
  'integer_overflow',
  'invalid_conversion',
  'indirect_call',
  'fuel',
  'abort',
  'other',
] as const;
export type TrapKind = (typeof TRAP_KINDS)[number];

/** Thrown by the host's `env.abort` import: carries the guest's own message. */
export class GuestAbort extends Error {
  constructor(readonly guestMessage: string, readonly file: string, readonly line: number, readonly column: number) {
    super(`guest aborted: ${escapeLogText(guestMessage)}${file ? ` at ${escapeLogText(file)}:${line}:${column}` : ''}`);
    this.name = 'GuestAbort';
  }
}

// V8's trap messages (src/common/message-template.h, kWasmTrap*). Order
// matters: "table index is out of bounds" is an indirect call, not a memory
// access, and "unrepresentable" contains "table".
const PATTERNS: [RegExp, TrapKind][] = [
  [/table index is out of bounds|signature mismatch|null function/i, 'indirect_call'],
  [/unreachable/i, 'unreachable'],
  [/divide by zero|remainder by zero/i, 'divide_by_zero'],
  [/divide result unrepresentable|integer overflow/i, 'integer_overflow'],
  [/float unrepresentable|invalid conversion/i, 'invalid_conversion'],
  [/out of bounds|memory access/i, 'out_of_bounds'],
];

export function classifyTrap(e: unknown): TrapKind {
  if (e instanceof GuestAbort) return 'abort';
  if (e instanceof RangeError && /call stack/i.test(e.message)) return 'stack_overflow';
  const msg = e instanceof Error ? e.message : String(e);
  for (const [re, kind] of PATTERNS) if (re.test(msg)) return kind;
  return 'other';
}

/** A trap as one log line: the guest's abort message with file and line when present. */
export function describeTrap(e: unknown): string {
  if (e instanceof GuestAbort) return e.message;
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

/** Reads an AssemblyScript string (UTF-16, byte length at ptr - 4) defensively. */
export function readAsString(u8: Uint8Array, ptr: number): string {
  ptr >>>= 0;
  if (ptr < 4 || ptr > u8.length) return '';
  const len = (u8[ptr - 4] | (u8[ptr - 3] << 8) | (u8[ptr - 2] << 16) | (u8[ptr - 1] << 24)) >>> 0;
  const bytes = Math.min(len, 2048, u8.length - ptr) & ~1;
  let s = '';
  for (let i = 0; i < bytes; i += 2) s += String.fromCharCode(u8[ptr + i] | (u8[ptr + i + 1] << 8));
  return s;
}
