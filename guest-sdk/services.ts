// What the host provides besides packets: time, randomness, logging and
// counters. Only log() calls into the host; the rest is read from or written
// to the control block (docs/abi.md), so none of it costs a host call.

import { COUNTERS_COUNT, COUNTERS_OFFSET, H_NOW_NS, H_SEED, LOG_DEBUG, LOG_ERROR, LOG_INFO, LOG_OFFSET, LOG_SIZE, LOG_WARN } from "./abi";

// ------------------------------------------------------------ time

/** Monotonic time in nanoseconds at the start of the current batch. */
// @ts-ignore: decorator
@inline export function now(): u64 { return load<u64>(H_NOW_NS); }

// ------------------------------------------------------------ random

let rngState: u64 = 0x9e3779b97f4a7c15;
let rngSeed: u32 = 0;

/**
 * A pseudo-random u32 (xorshift64*), reseeded from the host's per-batch seed
 * so that two instances or two batches do not repeat the same sequence. Not
 * for cryptography.
 */
export function random(): u32 {
  const seed = load<u32>(H_SEED);
  if (seed != rngSeed) {
    rngSeed = seed;
    rngState ^= <u64>seed * 0x9e3779b97f4a7c15;
    if (rngState == 0) rngState = 0x9e3779b97f4a7c15;
  }
  let x = rngState;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  rngState = x;
  return <u32>((x * 0x2545f4914f6cdd1d) >> 32);
}

// ------------------------------------------------------------ log

export { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

// @ts-ignore: decorator
@external("wx", "log")
declare function hostLog(level: i32, ptr: usize, len: usize): void;

// Bytes of the message being composed in the LOG area.
let logLen: usize = 0;

function logByte(b: u32): void {
  if (logLen < LOG_SIZE) store<u8>(LOG_OFFSET + logLen++, <u8>b);
}

/** Appends a string (UTF-8 encoded in place, no allocation) to the pending log line. */
export function logStr(s: string): void {
  const p = changetype<usize>(s);
  const n = <usize>s.length;
  for (let i: usize = 0; i < n; i++) {
    let c = <u32>load<u16>(p + (i << 1));
    // A surrogate pair is one code point.
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < n) {
      const d = <u32>load<u16>(p + ((i + 1) << 1));
      if (d >= 0xdc00 && d < 0xe000) { c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00); i++; }
    }
    if (c < 0x80) logByte(c);
    else if (c < 0x800) { logByte(0xc0 | (c >> 6)); logByte(0x80 | (c & 0x3f)); }
    else if (c < 0x10000) { logByte(0xe0 | (c >> 12)); logByte(0x80 | ((c >> 6) & 0x3f)); logByte(0x80 | (c & 0x3f)); }
    else { logByte(0xf0 | (c >> 18)); logByte(0x80 | ((c >> 12) & 0x3f)); logByte(0x80 | ((c >> 6) & 0x3f)); logByte(0x80 | (c & 0x3f)); }
  }
}

/** Appends a number in decimal to the pending log line. */
export function logU64(v: u64): void {
  let digits: u32 = 1;
  for (let t = v; t >= 10; t /= 10) digits++;
  if (logLen + digits > LOG_SIZE) return;
  for (let i = digits; i > 0; i--) {
    store<u8>(LOG_OFFSET + logLen + i - 1, <u8>(0x30 + <u32>(v % 10)));
    v /= 10;
  }
  logLen += digits;
}

/** Appends `v` as 0x-prefixed hexadecimal (`width` digits, zero-padded). */
export function logHex(v: u64, width: u32 = 8): void {
  logByte(0x30); logByte(0x78);
  for (let i = <i32>width - 1; i >= 0; i--) {
    const d = <u32>((v >> (<u64>i << 2)) & 0xf);
    logByte(d < 10 ? 0x30 + d : 0x57 + d);
  }
}

/** Sends the pending log line (rate-limited by the host) and starts a new one. */
export function logFlush(level: i32 = LOG_INFO): void {
  hostLog(level, LOG_OFFSET, logLen);
  logLen = 0;
}

/** Logs one message. Use string literals: they are static data, so nothing is allocated. */
export function log(level: i32, msg: string): void {
  logLen = 0;
  logStr(msg);
  logFlush(level);
}

// ------------------------------------------------------------ counters

/** One u64 of the counters array the host reads (COUNTERS_COUNT of them). */
@final @unmanaged
export class Counter {
  // @ts-ignore: decorator
  @inline get value(): u64 { return load<u64>(changetype<usize>(this)); }
  // @ts-ignore: decorator
  @inline set value(v: u64) { store<u64>(changetype<usize>(this), v); }
  // @ts-ignore: decorator
  @inline add(n: u64 = 1): void {
    const p = changetype<usize>(this);
    store<u64>(p, load<u64>(p) + n);
  }
}

/** Counter `i`; an index at or above COUNTERS_COUNT aborts (a handler bug, not packet data). */
export function counter(i: u32): Counter {
  if (i >= COUNTERS_COUNT) abort("counter index out of range (0..1023)");
  return changetype<Counter>(COUNTERS_OFFSET + (<usize>i << 3));
}

/** Adds `n` to counter `i`; returns false (and counts nothing) for an index out of range. */
export function counterAdd(i: u32, n: u64 = 1): bool {
  if (i >= COUNTERS_COUNT) return false;
  const p = COUNTERS_OFFSET + (<usize>i << 3);
  store<u64>(p, load<u64>(p) + n);
  return true;
}
