// What the classic pcap and pcapng writers share: a file header, then one
// encoded record per packet, streamed through a FileSink (or gathered in
// memory). Each format supplies only its two encoders.

import { FileSink } from './file-sink.js';
import type { WritablePacket } from './types.js';

export interface CaptureEncoding<O> {
  header(opts: O): Uint8Array;
  record(p: WritablePacket, opts: O): Uint8Array;
}

/** Streams packets to a capture file; `close()` when done. */
export class CaptureWriter<O> {
  private readonly sink: FileSink;
  count = 0;

  constructor(readonly path: string, private readonly encoding: CaptureEncoding<O>, private readonly opts: O) {
    // Encode before creating the file, so bad options leave no empty file behind.
    const header = encoding.header(opts);
    this.sink = new FileSink(path);
    this.sink.write(header);
  }

  write(p: WritablePacket): void {
    this.sink.write(this.encoding.record(p, this.opts));
    this.count++;
  }

  close(): void { this.sink.close(); }
}

/** The whole capture in memory; handy for tests and small captures. */
export function encodeCapture<O>(encoding: CaptureEncoding<O>, packets: Iterable<WritablePacket>, opts: O): Uint8Array {
  const parts = [encoding.header(opts)];
  for (const p of packets) parts.push(encoding.record(p, opts));
  return join(parts);
}

/** Writes every packet and closes the writer, even on error; returns the count. */
export function writeAll<O>(w: CaptureWriter<O>, packets: Iterable<WritablePacket>): number {
  try {
    for (const p of packets) w.write(p);
  } finally {
    w.close();
  }
  return w.count;
}

/** Concatenates byte arrays. */
export function join(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) { out.set(p, off); off += p.length; }
  return out;
}
