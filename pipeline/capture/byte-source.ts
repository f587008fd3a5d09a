// Where the readers get their bytes: the whole capture in memory, or a file
// read forward in chunks so a capture of any size (or an endless stream such
// as /dev/zero) is parsed in constant memory. Readers only ever ask for bytes
// at or after the start of their last request, so the file source keeps just
// the current chunk. A chunk is never overwritten: a new one is allocated when
// the window moves, so packet views into an old chunk stay valid for as long
// as the consumer holds them (and the garbage collector frees them after).

import fs from 'node:fs';
import { WasmxdpError } from '../../host/errors.js';

export interface ByteSource {
  /** Bytes [off, off + n) of the input, fewer only where the input ends. `off` never goes below an earlier request's. */
  read(off: number, n: number): Uint8Array;
  /** Input length once its end was seen, else null. */
  readonly endOffset: number | null;
  /** Bytes consumed from the input so far (the progress of a file source). */
  readonly bytesRead: number;
  /** Largest buffer the source held at once. */
  readonly peakBuffered: number;
  close(): void;
}

export class MemorySource implements ByteSource {
  constructor(private readonly bytes: Uint8Array) {}
  read(off: number, n: number): Uint8Array { return this.bytes.subarray(off, Math.min(off + n, this.bytes.length)); }
  get endOffset(): number { return this.bytes.length; }
  get bytesRead(): number { return this.bytes.length; }
  get peakBuffered(): number { return 0; }
  close(): void {}
}

/** Bytes read from the file per chunk. */
export const FILE_CHUNK = 1 << 20;

export class FileSource implements ByteSource {
  private buf = new Uint8Array(0);
  /** File offset of buf[0]; buf holds [base, base + filled). */
  private base = 0;
  private filled = 0;
  private eof = false;
  private fd: number | null;
  peakBuffered = 0;

  constructor(readonly path: string) {
    try {
      this.fd = fs.openSync(path, 'r');
    } catch (e) {
      throw ioError(path, e);
    }
  }

  get endOffset(): number | null { return this.eof ? this.base + this.filled : null; }
  get bytesRead(): number { return this.base + this.filled; }

  read(off: number, n: number): Uint8Array {
    if (off < this.base) throw new RangeError(`capture source read backwards (${off} < ${this.base})`);
    const end = off + n;
    if (end <= this.base + this.filled || (this.eof && off >= this.base)) {
      const from = Math.min(off - this.base, this.filled);
      return this.buf.subarray(from, Math.min(end - this.base, this.filled));
    }
    // Keep the part of the current chunk at or after `off`, skip anything before it.
    const keepFrom = Math.min(off - this.base, this.filled);
    const carry = this.buf.subarray(keepFrom, this.filled);
    let skip = off - (this.base + this.filled);
    while (skip > 0 && !this.eof) {
      const scratch = new Uint8Array(Math.min(skip, FILE_CHUNK));
      const got = this.readInto(scratch, 0, scratch.length);
      if (got === 0) { this.eof = true; break; }
      skip -= got;
      this.base += got; // advances past skipped bytes (filled is carried below)
    }
    if (skip > 0) {
      // The input ended before `off`.
      this.buf = new Uint8Array(0); this.base += this.filled; this.filled = 0;
      return this.buf;
    }
    const size = Math.max(FILE_CHUNK, n);
    const next = new Uint8Array(size);
    next.set(carry);
    let filled = carry.length;
    while (filled < size && !this.eof) {
      const got = this.readInto(next, filled, size - filled);
      if (got === 0) this.eof = true;
      filled += got;
    }
    this.buf = next;
    this.base = off;
    this.filled = filled;
    this.peakBuffered = Math.max(this.peakBuffered, size);
    return next.subarray(0, Math.min(n, filled));
  }

  close(): void {
    if (this.fd === null) return;
    fs.closeSync(this.fd);
    this.fd = null;
  }

  private readInto(b: Uint8Array, at: number, len: number): number {
    if (this.fd === null) throw new WasmxdpError('E_IO', `${this.path}: capture already closed`);
    try {
      return fs.readSync(this.fd, b, at, len, null);
    } catch (e) {
      throw ioError(this.path, e);
    }
  }
}

function ioError(path: string, e: unknown): WasmxdpError {
  const reason = e instanceof Error ? e.message : String(e);
  return new WasmxdpError('E_IO', `cannot read capture file ${path}: ${reason}; check the path and its permissions`, { cause: e });
}
