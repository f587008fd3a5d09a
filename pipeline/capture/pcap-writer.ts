// Classic libpcap files (the format tcpdump writes): a 24-byte file header, then
// per packet a 16-byte record header and the captured bytes.

import { WasmxdpError } from '../../host/errors.js';
import { CaptureEncoding, CaptureWriter, encodeCapture, writeAll } from './capture-writer.js';
import { LINKTYPE_ETHERNET, MAX_CAPTURED_LENGTH, PCAP_MAGIC_NS, PCAP_MAGIC_US, type WritablePacket } from './types.js';

export { PCAP_MAGIC_NS, PCAP_MAGIC_US };

export interface PcapWriteOptions {
  /** Nanosecond timestamps (magic a1b23c4d) instead of microseconds. */
  nanosecond?: boolean;
  /** Frames longer than this are cut to it (origLen keeps the real length). Default 262144. */
  snaplen?: number;
  /** Default 1 (Ethernet). */
  linkType?: number;
  /** Write big-endian headers (readers must handle both; tcpdump does). */
  bigEndian?: boolean;
}

const NS_PER_S = 1_000_000_000n;
const U32_LIMIT = 0x1_0000_0000n;

export function encodePcapHeader(opts: PcapWriteOptions = {}): Uint8Array {
  const snaplen = checkSnaplen(opts.snaplen ?? MAX_CAPTURED_LENGTH);
  const le = !opts.bigEndian;
  const b = new Uint8Array(24);
  const v = new DataView(b.buffer);
  v.setUint32(0, opts.nanosecond ? PCAP_MAGIC_NS : PCAP_MAGIC_US, le);
  v.setUint16(4, 2, le);
  v.setUint16(6, 4, le);
  // thiszone and sigfigs stay 0: every modern reader ignores them.
  v.setUint32(16, snaplen, le);
  v.setUint32(20, opts.linkType ?? LINKTYPE_ETHERNET, le);
  return b;
}

export function encodePcapRecord(p: WritablePacket, opts: PcapWriteOptions = {}): Uint8Array {
  const snaplen = opts.snaplen ?? MAX_CAPTURED_LENGTH;
  const le = !opts.bigEndian;
  const caplen = Math.min(p.data.length, snaplen);
  const origLen = checkOrigLen(p);
  const ts = p.tsNs ?? 0n;
  const sec = ts / NS_PER_S;
  if (ts < 0n || sec >= U32_LIMIT) {
    throw new WasmxdpError('E_USAGE', `packet timestamp ${ts} ns does not fit classic pcap's unsigned 32-bit seconds; write pcapng instead`);
  }
  const frac = opts.nanosecond ? ts % NS_PER_S : (ts % NS_PER_S) / 1000n;
  const b = new Uint8Array(16 + caplen);
  const v = new DataView(b.buffer);
  v.setUint32(0, Number(sec), le);
  v.setUint32(4, Number(frac), le);
  v.setUint32(8, caplen, le);
  v.setUint32(12, origLen, le);
  b.set(p.data.subarray(0, caplen), 16);
  return b;
}

const PCAP_ENCODING: CaptureEncoding<PcapWriteOptions> = { header: encodePcapHeader, record: encodePcapRecord };

/** The whole file in memory; handy for tests and small captures. */
export function encodeClassicPcap(packets: Iterable<WritablePacket>, opts: PcapWriteOptions = {}): Uint8Array {
  return encodeCapture(PCAP_ENCODING, packets, opts);
}

/** Streams packets to a classic pcap file; `close()` when done. */
export class PcapWriter extends CaptureWriter<PcapWriteOptions> {
  constructor(path: string, opts: PcapWriteOptions = {}) { super(path, PCAP_ENCODING, opts); }
}

export function writeClassicPcap(path: string, packets: Iterable<WritablePacket>, opts: PcapWriteOptions = {}): number {
  return writeAll(new PcapWriter(path, opts), packets);
}

export function checkSnaplen(snaplen: number): number {
  if (!Number.isInteger(snaplen) || snaplen < 1 || snaplen > MAX_CAPTURED_LENGTH) {
    throw new WasmxdpError('E_USAGE', `snaplen ${snaplen} is out of range; use 1 .. ${MAX_CAPTURED_LENGTH}`);
  }
  return snaplen;
}

export function checkOrigLen(p: WritablePacket): number {
  const origLen = p.origLen ?? p.data.length;
  if (!Number.isInteger(origLen) || origLen < p.data.length || origLen > 0xffffffff) {
    throw new WasmxdpError('E_USAGE', `packet origLen ${origLen} is invalid for ${p.data.length} captured bytes; give the wire length (at least the data length) or leave it out`);
  }
  return origLen;
}

