// Buffered synchronous file output for the capture writers: records are small,
// so gathering them into 64 KiB writes keeps the syscall count low, and sync
// writes keep the writers usable from a packet loop without awaiting.

import fs from 'node:fs';
import { WasmxdpError } from '../../host/errors.js';

const CHUNK = 64 * 1024;

export class FileSink {
  private fd: number | null;
  private readonly buf = new Uint8Array(CHUNK);
  private used = 0;

  constructor(readonly path: string) {
    try {
      this.fd = fs.openSync(path, 'w');
    } catch (e) {
      throw ioError(path, 'cannot create', e);
    }
  }

  write(bytes: Uint8Array): void {
    if (this.fd === null) throw new WasmxdpError('E_USAGE', `${this.path}: capture writer already closed; open a new writer`);
    if (bytes.length > CHUNK - this.used) this.flush();
    if (bytes.length >= CHUNK) { this.writeAll(bytes); return; }
    this.buf.set(bytes, this.used);
    this.used += bytes.length;
  }

  flush(): void {
    if (this.used === 0) return;
    this.writeAll(this.buf.subarray(0, this.used));
    this.used = 0;
  }

  close(): void {
    if (this.fd === null) return;
    try {
      this.flush();
    } finally {
      const fd = this.fd;
      this.fd = null;
      fs.closeSync(fd);
    }
  }

  private writeAll(bytes: Uint8Array): void {
    let off = 0;
    try {
      while (off < bytes.length) off += fs.writeSync(this.fd!, bytes, off, bytes.length - off);
    } catch (e) {
      throw ioError(this.path, 'cannot write', e);
    }
  }
}

function ioError(path: string, what: string, e: unknown): WasmxdpError {
  const reason = e instanceof Error ? e.message : String(e);
  return new WasmxdpError('E_IO', `${what} capture file ${path}: ${reason}; check that the directory exists and is writable and the disk is not full`, { cause: e });
}
