// What every reader returns: a re-iterable capture. Iterating parses lazily, so a
// big capture is never turned into one big packet array.

import type { CapturePacket } from './types.js';

export type CaptureFormat = 'pcap' | 'pcapng';

export interface ReadOptions {
  /** Name used in error messages (openCapture passes the path). Default "capture". */
  name?: string;
  /** Yield packets of every link type instead of refusing non-Ethernet ones. */
  anyLinkType?: boolean;
}

export interface Capture extends Iterable<CapturePacket> {
  readonly name: string;
  readonly format: CaptureFormat;
}
