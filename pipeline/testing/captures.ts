// Capture files for handler tests: frames out of a pcap/pcapng (to replay real
// traffic) and frames into a pcapng with a comment each (to look at in
// Wireshark or tshark).

import { openCapture } from '../capture/open.js';
import { writePcapng } from '../capture/pcapng-writer.js';

/** Every frame of a pcap or pcapng file, copied. */
export function readFrames(file: string): Uint8Array[] {
  // Packets are views into the file's bytes; copy each out.
  return [...openCapture(file)].map((p) => new Uint8Array(p.data));
}

/** Writes frames to a pcapng file, with an optional packet comment each (e.g. the verdict). Returns the count. */
export function writeFrames(file: string, frames: readonly Uint8Array[], comments?: readonly (string | undefined)[]): number {
  const start = 1_700_000_000_000_000_000n;
  return writePcapng(file, frames.map((data, i) => ({ data, tsNs: start + BigInt(i) * 1000n, comment: comments?.[i] })));
}
