// The one entry point the pipeline uses: detect the format by its magic and
// hand back a lazily parsed capture.

import type { ByteSource } from './byte-source.js';
import { FileSource, MemorySource } from './byte-source.js';
import type { Capture, ReadOptions } from './capture.js';
import { CaptureFormatError } from './format-error.js';
import { ClassicPcap, isClassicPcapMagic } from './pcap-reader.js';
import { Pcapng, isPcapngMagic } from './pcapng-reader.js';

function detect(head: Uint8Array, factory: () => ByteSource, opts: ReadOptions): Capture {
  const name = opts.name ?? 'capture';
  if (isPcapngMagic(head)) return new Pcapng(factory, opts);
  if (isClassicPcapMagic(head)) return new ClassicPcap(factory, opts);
  if (head.length < 4) {
    throw new CaptureFormatError(name, 0, 'file', `ends after ${head.length} bytes, too short to be a capture`, 'empty or truncated file?');
  }
  const hex = Array.from(head.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  const hint = head[0] === 0x1f && head[1] === 0x8b
    ? 'it is gzip-compressed: gunzip it first'
    : 'it is not a capture file: wasmxdp reads pcap and pcapng; convert other formats with `editcap -F pcapng <in> <out>`';
  throw new CaptureFormatError(name, 0, 'file', `starts with ${hex}, which is neither a pcap nor a pcapng magic`, hint);
}

/** A capture in memory: packets are views into `bytes`. */
export function readCapture(bytes: Uint8Array, opts: ReadOptions = {}): Capture {
  return detect(bytes.subarray(0, 4), () => new MemorySource(bytes), opts);
}

/**
 * A capture file, read forward in chunks each time it is iterated (constant
 * memory for any size). Packets are views into the chunk they were read with
 * and stay valid while held. The file is opened here; a capture that is never
 * iterated keeps it open.
 */
export function openCapture(path: string, opts: ReadOptions = {}): Capture {
  const named = { ...opts, name: opts.name ?? path };
  // The source that reads the magic is the one the capture reads first, so a
  // pipe or FIFO works (once).
  let first: FileSource | null = new FileSource(path);
  const factory = (): ByteSource => {
    const s = first ?? new FileSource(path);
    first = null;
    return s;
  };
  try {
    return detect(first.read(0, 4), factory, named);
  } catch (e) {
    first?.close();
    throw e;
  }
}
