// What every reader returns: a re-iterable capture. Iterating parses lazily and
// reads a file forward in chunks, so a big capture is never held in memory.

import type { ByteSource } from './byte-source.js';
import type { CaptureFormatError } from './format-error.js';
import type { CapturePacket } from './types.js';

export type CaptureFormat = 'pcap' | 'pcapng';

export interface ReadOptions {
  /** Name used in error messages (openCapture passes the path). Default "capture". */
  name?: string;
  /** Yield packets of every link type instead of refusing non-Ethernet ones. */
  anyLinkType?: boolean;
  /**
   * Called when the input ends in the middle of a record or block: the packets
   * before it were read, the cut one is not (as tcpdump and tshark do).
   */
  onTruncated?: (e: CaptureFormatError) => void;
}

export interface Capture extends Iterable<CapturePacket> {
  readonly name: string;
  readonly format: CaptureFormat;
  /** After an iteration that met a cut record or block: what was cut, and where; else null. */
  readonly truncation: CaptureFormatError | null;
  /** Progress of the running iteration: bytes consumed from the input. */
  readonly bytesRead: number;
  /** Largest buffer a file reader held at once (0 for a capture in memory). */
  readonly peakBuffered: number;
}

/** Opens a fresh source for each iteration. */
export type SourceFactory = () => ByteSource;

/**
 * The iteration, truncation and buffering bookkeeping both readers share. The
 * source opened to check the file header is the one the first iteration
 * reads, so a pipe or FIFO can be read (once).
 */
export abstract class StreamedCapture implements Capture {
  abstract readonly format: CaptureFormat;
  readonly name: string;
  truncation: CaptureFormatError | null = null;
  peakBuffered = 0;
  private fresh: ByteSource | null;
  private current: ByteSource | null = null;

  constructor(private readonly openSource: SourceFactory, protected readonly opts: ReadOptions) {
    this.name = opts.name ?? 'capture';
    this.fresh = openSource();
  }

  get bytesRead(): number { return this.current?.bytesRead ?? 0; }

  /** Runs `check` on the source of the first iteration; closes it if the check throws. */
  protected checkHeader(check: (src: ByteSource) => void): void {
    try {
      check(this.fresh!);
    } catch (e) {
      this.fresh!.close();
      throw e;
    }
  }

  *[Symbol.iterator](): Iterator<CapturePacket> {
    const src = this.fresh ?? this.openSource();
    this.fresh = null;
    this.current = src;
    this.truncation = null;
    try {
      yield* this.packets(src);
    } finally {
      this.peakBuffered = Math.max(this.peakBuffered, src.peakBuffered);
      src.close();
    }
  }

  protected truncated(e: CaptureFormatError): void {
    this.truncation = e;
    this.opts.onTruncated?.(e);
  }

  protected abstract packets(src: ByteSource): Generator<CapturePacket>;
}
