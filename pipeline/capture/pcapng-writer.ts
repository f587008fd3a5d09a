// pcapng files (Wireshark's default format): one section header, one interface
// description per interface, then an Enhanced Packet Block per packet. pcapng
// is what carries per-packet comments (opt_comment) and the epb_flags word,
// which is why the pipeline writes its verdicts this way.

import { WasmxdpError } from '../../host/errors.js';
import { CaptureEncoding, CaptureWriter, encodeCapture, join, writeAll } from './capture-writer.js';
import { checkOrigLen, checkSnaplen } from './pcap-writer.js';
import {
  LINKTYPE_ETHERNET, MAX_CAPTURED_LENGTH, PCAPNG_BLOCK_EPB as BLOCK_EPB, PCAPNG_BLOCK_IDB as BLOCK_IDB, PCAPNG_BLOCK_SHB as BLOCK_SHB,
  PCAPNG_BYTE_ORDER_MAGIC as BYTE_ORDER_MAGIC, type WritablePacket,
} from './types.js';

export const OPT_ENDOFOPT = 0;
export const OPT_COMMENT = 1;
export const OPT_SHB_USERAPPL = 4;
export const OPT_IF_NAME = 2;
export const OPT_IF_TSRESOL = 9;
export const OPT_IF_TSOFFSET = 14;
export const OPT_EPB_FLAGS = 2;

export interface PcapngInterface {
  /** Default 1 (Ethernet). */
  linkType?: number;
  /** Default 262144. */
  snaplen?: number;
  /** Written as if_name. */
  name?: string;
  /**
   * Written as if_tsoffset: seconds added to every timestamp of this
   * interface. Timestamps are stored as unsigned nanoseconds after it, so a
   * negative offset lets a capture hold times before 1970.
   */
  tsOffsetSec?: bigint;
}

export interface PcapngWriteOptions {
  /** Default: one Ethernet interface. */
  interfaces?: PcapngInterface[];
  /** Written as shb_userappl; default "wasmxdp". */
  application?: string;
  /** Written as the section's opt_comment. */
  sectionComment?: string;
  /** Write big-endian blocks (readers must handle both; Wireshark does). */
  bigEndian?: boolean;
}

interface Option { code: number; value: Uint8Array }

const utf8 = new TextEncoder();

function textOption(code: number, text: string, what: string): Option {
  const value = utf8.encode(text);
  if (value.length > 0xffff) {
    throw new WasmxdpError('E_USAGE', `${what} is ${value.length} bytes of UTF-8; pcapng options hold at most 65535, shorten it`);
  }
  return { code, value };
}

function u32Option(code: number, n: number, le: boolean): Option {
  const value = new Uint8Array(4);
  new DataView(value.buffer).setUint32(0, n >>> 0, le);
  return { code, value };
}

const pad4 = (n: number): number => (n + 3) & ~3;

function optionsSize(opts: Option[]): number {
  if (opts.length === 0) return 0;
  let n = 4; // opt_endofopt
  for (const o of opts) n += 4 + pad4(o.value.length);
  return n;
}

function putOptions(b: Uint8Array, v: DataView, off: number, opts: Option[], le: boolean): number {
  if (opts.length === 0) return off;
  for (const o of opts) {
    v.setUint16(off, o.code, le);
    v.setUint16(off + 2, o.value.length, le);
    b.set(o.value, off + 4);
    off += 4 + pad4(o.value.length);
  }
  return off + 4; // opt_endofopt is all zeros, and the buffer starts zeroed
}

/** A block with room for `bodyLen` bytes of body; the caller fills the body from offset 8. */
function newBlock(type: number, bodyLen: number, le: boolean): { b: Uint8Array; v: DataView } {
  const total = 12 + bodyLen;
  const b = new Uint8Array(total);
  const v = new DataView(b.buffer);
  v.setUint32(0, type, le);
  v.setUint32(4, total, le);
  v.setUint32(total - 4, total, le);
  return { b, v };
}

export function encodeSectionHeader(opts: PcapngWriteOptions = {}): Uint8Array {
  const le = !opts.bigEndian;
  const shbOpts: Option[] = [];
  if (opts.sectionComment !== undefined) shbOpts.push(textOption(OPT_COMMENT, opts.sectionComment, 'section comment'));
  shbOpts.push(textOption(OPT_SHB_USERAPPL, opts.application ?? 'wasmxdp', 'application name'));
  const { b, v } = newBlock(BLOCK_SHB, 16 + optionsSize(shbOpts), le);
  v.setUint32(8, BYTE_ORDER_MAGIC, le);
  v.setUint16(12, 1, le);
  v.setUint16(14, 0, le);
  // Section length -1: "not specified", since we stream and cannot seek back.
  v.setBigInt64(16, -1n, le);
  putOptions(b, v, 24, shbOpts, le);

  const parts = [b];
  for (const iface of opts.interfaces ?? [{}]) parts.push(encodeInterface(iface, le));
  return join(parts);
}

function encodeInterface(iface: PcapngInterface, le: boolean): Uint8Array {
  const opts: Option[] = [];
  if (iface.name !== undefined) opts.push(textOption(OPT_IF_NAME, iface.name, 'interface name'));
  // Resolution 10^-9: timestamps in nanoseconds, so tsNs is written exactly.
  opts.push({ code: OPT_IF_TSRESOL, value: Uint8Array.of(9) });
  if (iface.tsOffsetSec !== undefined && iface.tsOffsetSec !== 0n) {
    const value = new Uint8Array(8);
    new DataView(value.buffer).setBigInt64(0, iface.tsOffsetSec, le);
    opts.push({ code: OPT_IF_TSOFFSET, value });
  }
  const { b, v } = newBlock(BLOCK_IDB, 8 + optionsSize(opts), le);
  v.setUint16(8, iface.linkType ?? LINKTYPE_ETHERNET, le);
  v.setUint32(12, checkSnaplen(iface.snaplen ?? MAX_CAPTURED_LENGTH), le);
  putOptions(b, v, 16, opts, le);
  return b;
}

export function encodeEnhancedPacket(p: WritablePacket, opts: PcapngWriteOptions = {}): Uint8Array {
  const le = !opts.bigEndian;
  const interfaces = opts.interfaces ?? [{}];
  const ifId = p.interfaceId ?? 0;
  if (!Number.isInteger(ifId) || ifId < 0 || ifId >= interfaces.length) {
    throw new WasmxdpError('E_USAGE', `packet interfaceId ${ifId} names no interface; this writer has ${interfaces.length} (ids 0 .. ${interfaces.length - 1})`);
  }
  const snaplen = interfaces[ifId].snaplen ?? MAX_CAPTURED_LENGTH;
  const caplen = Math.min(p.data.length, snaplen);
  const origLen = checkOrigLen(p);
  const offsetNs = (interfaces[ifId].tsOffsetSec ?? 0n) * 1_000_000_000n;
  const ts = (p.tsNs ?? 0n) - offsetNs;
  if (ts < 0n || ts >= 1n << 64n) {
    throw new WasmxdpError('E_USAGE', `packet timestamp ${p.tsNs} ns is out of the range of interface ${ifId} (unsigned 64-bit nanoseconds after its if_tsoffset, ${offsetNs / 1_000_000_000n} s); give nanoseconds since the epoch, or an interface tsOffsetSec below it`);
  }
  const pktOpts: Option[] = [];
  if (p.comment !== undefined) pktOpts.push(textOption(OPT_COMMENT, p.comment, 'packet comment'));
  if (p.flags !== undefined) pktOpts.push(u32Option(OPT_EPB_FLAGS, p.flags, le));

  const { b, v } = newBlock(BLOCK_EPB, 20 + pad4(caplen) + optionsSize(pktOpts), le);
  v.setUint32(8, ifId, le);
  v.setUint32(12, Number(ts >> 32n), le);
  v.setUint32(16, Number(ts & 0xffffffffn), le);
  v.setUint32(20, caplen, le);
  v.setUint32(24, origLen, le);
  b.set(p.data.subarray(0, caplen), 28);
  putOptions(b, v, 28 + pad4(caplen), pktOpts, le);
  return b;
}

const PCAPNG_ENCODING: CaptureEncoding<PcapngWriteOptions> = { header: encodeSectionHeader, record: encodeEnhancedPacket };

/** The whole file in memory; handy for tests and small captures. */
export function encodePcapng(packets: Iterable<WritablePacket>, opts: PcapngWriteOptions = {}): Uint8Array {
  return encodeCapture(PCAPNG_ENCODING, packets, opts);
}

/** Streams packets to a pcapng file; `close()` when done. */
export class PcapngWriter extends CaptureWriter<PcapngWriteOptions> {
  constructor(path: string, opts: PcapngWriteOptions = {}) { super(path, PCAPNG_ENCODING, opts); }
}

export function writePcapng(path: string, packets: Iterable<WritablePacket>, opts: PcapngWriteOptions = {}): number {
  return writeAll(new PcapngWriter(path, opts), packets);
}
