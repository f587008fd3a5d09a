// Guest log lines and trap reports, rate-limited per program so a guest that
// logs or traps on every packet cannot flood the operator's terminal. Guest
// text (log messages, abort messages inside trap reports) is untrusted: control
// characters are escaped so it can neither start a line of its own nor send
// terminal escape sequences, and each line names the program version running
// when it was written.

import { LOG_LEVEL_NAMES as LEVELS } from './abi.js';
import { escapeLogText } from './log-text.js';
import type { TrapKind } from './trap.js';

export class GuestLog {
  private windowStart = 0;
  private inWindow = 0;
  private suppressed = 0;
  private prefix: string;

  constructor(program: string, private readonly sink: (line: string) => void, private readonly perSecond = 10) {
    this.prefix = GuestLog.prefixFor(program);
  }

  /** The prefix of the lines of `program` (renameTo() takes it). */
  static prefixFor(program: string): string {
    return `[${escapeLogText(program)}]`;
  }

  /**
   * Names the program (and version) that runs from now on, after a hot swap.
   * Lines the old one had suppressed are reported under its name, and the new
   * one starts with a fresh rate window: its first lines are not lost to the
   * old one's budget.
   */
  rename(program: string): void {
    this.renameTo(GuestLog.prefixFor(program));
  }

  /** rename() with the prefix made beforehand (a swap makes it before its switch: escaping is cold code). */
  renameTo(prefix: string): void {
    if (this.suppressed > 0) this.sink(`${this.prefix} ${this.suppressed} log line(s) suppressed (rate limit ${this.perSecond}/s)`);
    this.prefix = prefix;
    this.windowStart = 0;
    this.inWindow = 0;
    this.suppressed = 0;
  }

  private allow(): boolean {
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      if (this.suppressed > 0) this.sink(`${this.prefix} ${this.suppressed} log line(s) suppressed (rate limit ${this.perSecond}/s)`);
      this.windowStart = now;
      this.inWindow = 0;
      this.suppressed = 0;
    }
    if (this.inWindow >= this.perSecond) { this.suppressed++; return false; }
    this.inWindow++;
    return true;
  }

  write(level: number, u8: Uint8Array, ptr: number, len: number): void {
    if (!this.allow()) return;
    ptr >>>= 0; len >>>= 0;
    if (ptr > u8.length) return;
    const text = Buffer.from(u8.buffer, u8.byteOffset + ptr, Math.min(len, 1024, u8.length - ptr)).toString('utf8');
    this.sink(`${this.prefix} ${LEVELS[level & 3]}: ${escapeLogText(text)}`);
  }

  /** A state change the operator must see (quarantine): never rate-limited. */
  notice(message: string): void {
    this.sink(`${this.prefix} ${escapeLogText(message)}`);
  }

  trap(kind: TrapKind, message: string): void {
    if (!this.allow()) return;
    this.sink(`${this.prefix} trap (${kind}): ${escapeLogText(message)}`);
  }
}
