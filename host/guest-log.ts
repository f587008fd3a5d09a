// Guest log lines and trap reports, rate-limited per program so a guest that
// logs or traps on every packet cannot flood the operator's terminal.

import { LOG_LEVEL_NAMES as LEVELS } from './abi.js';
import type { TrapKind } from './trap.js';

export class GuestLog {
  private windowStart = 0;
  private inWindow = 0;
  private suppressed = 0;

  constructor(private readonly program: string, private readonly sink: (line: string) => void, private readonly perSecond = 10) {}

  private allow(): boolean {
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      if (this.suppressed > 0) this.sink(`[${this.program}] ${this.suppressed} log line(s) suppressed (rate limit ${this.perSecond}/s)`);
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
    this.sink(`[${this.program}] ${LEVELS[level & 3]}: ${text}`);
  }

  /** A state change the operator must see (quarantine): never rate-limited. */
  notice(message: string): void {
    this.sink(`[${this.program}] ${message}`);
  }

  trap(kind: TrapKind, message: string): void {
    if (!this.allow()) return;
    this.sink(`[${this.program}] trap (${kind}): ${message}`);
  }
}
