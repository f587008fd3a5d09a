// The one entry point the pipeline uses: detect the format by its magic and
// hand back a lazily parsed capture.

import fs from 'node:fs';
import { WasmxdpError } from '../../host/errors.js';
import type { Capture, ReadOptions } from './capture.js';
import { CaptureFormatError } from './format-error.js';
import { ClassicPcap, isClassicPcapMagic } from './pcap-reader.js';
import { Pcapng, isPcapngMagic } from './pcapng-reader.js';

export function readCapture(bytes: Uint8Array, opts: ReadOptions = {}): Capture {
  const name = opts.name ?? 'capture';
  if (isPcapngMagic(bytes)) return new Pcapng(bytes, opts);
  if (isClassicPcapMagic(bytes)) return new ClassicPcap(bytes, opts);
  if (bytes.length < 4) {
    throw new CaptureFormatError(name, 0, 'file', `ends after ${bytes.length} bytes, too short to be a capture`, 'empty or truncated file?');
  }
  const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  const hint = bytes[0] === 0x1f && bytes[1] === 0x8b
    ? 'it is gzip-compressed: gunzip it first'
    : 'wasmxdp reads pcap and pcapng; convert other formats with `editcap -F pcapng <in> <out>`';
  throw new CaptureFormatError(name, 0, 'file', `starts with ${head}, which is neither a pcap nor a pcapng magic`, hint);
}

/** Reads the whole file into memory (packets are views into it) and parses lazily. */
export function openCapture(path: string, opts: ReadOptions = {}): Capture {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(path);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new WasmxdpError('E_IO', `cannot read capture file ${path}: ${reason}; check the path and its permissions`, { cause: e });
  }
  return readCapture(bytes, { ...opts, name: opts.name ?? path });
}
