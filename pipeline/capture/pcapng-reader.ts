// pcapng: sections (each with its own byte order and interfaces), interface
// descriptions, and the three packet block kinds (enhanced, simple, obsolete).
// Every other block type (name resolution, statistics, custom, ...) is skipped
// by its length, which is checked like any other.

import { MemorySource, type ByteSource } from './byte-source.js';
import { StreamedCapture, type ReadOptions, type SourceFactory } from './capture.js';
import { CaptureFormatError, HINT_CORRUPT, HINT_TRUNCATED } from './format-error.js';
import { requireEthernet } from './link-types.js';
import { forEachOption, optionText } from './options.js';
import {
  MAX_CAPTURED_LENGTH, PCAPNG_BLOCK_EPB as EPB, PCAPNG_BLOCK_IDB as IDB, PCAPNG_BLOCK_PB as PB, PCAPNG_BLOCK_SHB as SHB,
  PCAPNG_BLOCK_SPB as SPB, PCAPNG_BYTE_ORDER_MAGIC as BOM, type CapturePacket,
} from './types.js';

const BLOCK_NAMES: Record<number, string> = {
  [SHB]: 'section header block', 1: 'interface description block', 2: 'packet block', 3: 'simple packet block',
  4: 'name resolution block', 5: 'interface statistics block', 6: 'enhanced packet block',
  0x0a: 'decryption secrets block', 0x00000bad: 'custom block', 0x40000bad: 'custom block',
};

const OPT_COMMENT = 1;
const OPT_PACKET_FLAGS = 2; // epb_flags and the obsolete block's pack_flags
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

interface Iface {
  linkType: number;
  snaplen: number;
  // ns = ticks * mul / div + offsetNs
  mul: bigint;
  div: bigint;
  offsetNs: bigint;
}

export function isPcapngMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x0a && bytes[1] === 0x0d && bytes[2] === 0x0d && bytes[3] === 0x0a;
}

const pad4 = (n: number): number => (n + 3) & ~3;

/** Largest block read whole (section and interface headers, packets); larger non-packet blocks are skipped unread. */
export const MAX_READ_BLOCK = 4 << 20;

/** One block as read: `b` holds all of it, local offsets; `at` is its offset in the file. */
interface Block { b: Uint8Array; v: DataView; at: number }

export class Pcapng extends StreamedCapture {
  readonly format = 'pcapng' as const;

  constructor(input: Uint8Array | SourceFactory, opts: ReadOptions = {}) {
    super(input instanceof Uint8Array ? () => new MemorySource(input) : input, opts);
    this.checkHeader((src) => {
      const head = src.read(0, 12);
      if (!isPcapngMagic(head)) {
        throw new CaptureFormatError(this.name, 0, 'file', 'does not start with a section header block (0a 0d 0d 0a)', 'not a pcapng file?');
      }
      // Fail at open, not at the first packet, when the very first block is bad.
      if (head.length < 12) {
        throw new CaptureFormatError(this.name, 0, 'section header block', `is cut short: ${head.length} of at least 28 bytes`, HINT_TRUNCATED);
      }
      this.sectionByteOrder(head, 0);
    });
  }

  /** Byte order of the section header in `head` (at least 12 bytes, at file offset `at`), from its byte-order magic. */
  private sectionByteOrder(head: Uint8Array, at: number): boolean {
    const v = new DataView(head.buffer, head.byteOffset, 12);
    if (v.getUint32(8, true) === BOM) return true;
    if (v.getUint32(8, false) === BOM) return false;
    const seen = Array.from(head.subarray(8, 12), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new CaptureFormatError(this.name, at + 8, 'byte-order magic', `is ${seen}, not 1a2b3c4d in either byte order`, HINT_CORRUPT);
  }

  protected *packets(src: ByteSource): Generator<CapturePacket> {
    const name = this.name;
    let le = true;
    let ifaces: Iface[] = [];
    let off = 0;
    for (;;) {
      const head = src.read(off, 12);
      if (head.length === 0) return;
      if (head.length < 12) {
        this.truncated(new CaptureFormatError(name, off, 'block header', `is cut short: ${head.length} of at least 12 bytes`, HINT_TRUNCATED));
        return;
      }
      const hv = new DataView(head.buffer, head.byteOffset, 12);
      // The section header's type reads the same in both byte orders; its
      // byte-order magic decides how to read everything up to the next one.
      const isShb = hv.getUint32(0, true) === SHB;
      if (isShb) le = this.sectionByteOrder(head, off);
      const type = hv.getUint32(0, le);
      const total = hv.getUint32(4, le);
      const what = `${BLOCK_NAMES[type] ?? 'block'} (type 0x${type.toString(16)})`;
      if (total < 12 || total % 4 !== 0) {
        throw new CaptureFormatError(name, off, what, `has total length ${total}; it must be a multiple of 4 and at least 12`, HINT_CORRUPT);
      }
      const needed = isShb || type === IDB || type === EPB || type === PB || type === SPB;
      if (!needed) {
        // Skipped unread whatever its size: only its trailing length is checked.
        const tail = src.read(off + total - 4, 4);
        if (tail.length < 4) {
          const left = src.endOffset === null ? 0 : src.endOffset - off;
          this.truncated(new CaptureFormatError(name, off, what, `claims ${total} bytes, beyond the end of the file (${left} left)`, HINT_TRUNCATED));
          return;
        }
        const trailing = new DataView(tail.buffer, tail.byteOffset, 4).getUint32(0, le);
        if (trailing !== total) {
          throw new CaptureFormatError(name, off, what, `has leading total length ${total} but trailing total length ${trailing}`, HINT_CORRUPT);
        }
        off += total;
        continue;
      }
      if (total > MAX_READ_BLOCK) {
        throw new CaptureFormatError(name, off, what, `claims ${total} bytes, more than the ${MAX_READ_BLOCK} wasmxdp reads for one block (a packet holds at most ${MAX_CAPTURED_LENGTH})`, HINT_CORRUPT);
      }
      const b = src.read(off, total);
      if (b.length < total) {
        this.truncated(new CaptureFormatError(name, off, what, `claims ${total} bytes, beyond the end of the file (${b.length} left)`, HINT_TRUNCATED));
        return;
      }
      const blk: Block = { b, v: new DataView(b.buffer, b.byteOffset, total), at: off };
      const v = blk.v;
      const trailing = v.getUint32(total - 4, le);
      if (trailing !== total) {
        throw new CaptureFormatError(name, off, what, `has leading total length ${total} but trailing total length ${trailing}`, HINT_CORRUPT);
      }
      const body = 8;
      const end = total - 4;
      const need = (n: number, label: string): void => {
        if (end - body < n) {
          throw new CaptureFormatError(name, off, label, `is ${total} bytes, too short for its ${n}-byte fixed part`, HINT_CORRUPT);
        }
      };

      if (isShb) {
        need(16, 'section header block');
        const major = v.getUint16(body + 4, le);
        if (major !== 1) {
          throw new CaptureFormatError(name, off + body + 4, 'version field', `says pcapng major version ${major}, not 1`, 'this reader knows pcapng 1.x; re-save with `editcap -F pcapng`');
        }
        forEachOption(name, v, le, body + 16, end, () => {}, off);
        ifaces = [];
      } else if (type === IDB) {
        need(8, 'interface description block');
        ifaces.push(this.readInterface(blk, body, end, le));
      } else if (type === EPB || type === PB) {
        const label = type === EPB ? 'enhanced packet block' : 'packet block';
        need(20, label);
        const ifId = type === EPB ? v.getUint32(body, le) : v.getUint16(body, le);
        const iface = this.interfaceFor(ifaces, ifId, off);
        const ticks = (BigInt(v.getUint32(body + 4, le)) << 32n) | BigInt(v.getUint32(body + 8, le));
        const caplen = v.getUint32(body + 12, le);
        const origLen = v.getUint32(body + 16, le);
        const dataStart = body + 20;
        this.checkCaplen(off, label, caplen, origLen, end - dataStart);
        const pkt: CapturePacket = {
          data: b.subarray(dataStart, dataStart + caplen),
          tsNs: (ticks * iface.mul) / iface.div + iface.offsetNs,
          origLen, interfaceId: ifId, linkType: iface.linkType,
        };
        this.readPacketOptions(pkt, blk, dataStart + pad4(caplen), end, le);
        yield pkt;
      } else {
        need(4, 'simple packet block');
        const iface = this.interfaceFor(ifaces, 0, off);
        const origLen = v.getUint32(body, le);
        // A simple packet block stores min(original length, snaplen) bytes.
        const caplen = iface.snaplen === 0 ? origLen : Math.min(origLen, iface.snaplen);
        this.checkCaplen(off, 'simple packet block', caplen, origLen, end - body - 4);
        yield { data: b.subarray(body + 4, body + 4 + caplen), tsNs: 0n, origLen, interfaceId: 0, linkType: iface.linkType };
      }
      off += total;
    }
  }

  private readInterface(blk: Block, body: number, end: number, le: boolean): Iface {
    const v = blk.v;
    const iface: Iface = { linkType: v.getUint16(body, le), snaplen: v.getUint32(body + 4, le), mul: 1000n, div: 1n, offsetNs: 0n };
    forEachOption(this.name, v, le, body + 8, end, (o) => {
      if (o.code === OPT_IF_TSRESOL) {
        if (o.length !== 1) {
          throw new CaptureFormatError(this.name, blk.at + o.offset - 4, 'if_tsresol option', `is ${o.length} bytes, not 1`, HINT_CORRUPT);
        }
        const r = v.getUint8(o.offset);
        const exp = BigInt(r & 0x7f);
        // Top bit set: a power of two fraction of a second, else a power of ten.
        const perSecond = r & 0x80 ? 1n << exp : 10n ** exp;
        iface.mul = 1_000_000_000n;
        iface.div = perSecond;
      } else if (o.code === OPT_IF_TSOFFSET) {
        if (o.length !== 8) {
          throw new CaptureFormatError(this.name, blk.at + o.offset - 4, 'if_tsoffset option', `is ${o.length} bytes, not 8`, HINT_CORRUPT);
        }
        iface.offsetNs = v.getBigInt64(o.offset, le) * 1_000_000_000n;
      }
    }, blk.at);
    return iface;
  }

  private interfaceFor(ifaces: Iface[], ifId: number, off: number): Iface {
    const iface = ifaces[ifId];
    if (iface === undefined) {
      throw new CaptureFormatError(this.name, off, 'packet',
        `names interface ${ifId}, but its section has described ${ifaces.length} interface${ifaces.length === 1 ? '' : 's'}`, HINT_CORRUPT);
    }
    if (!this.opts.anyLinkType) requireEthernet(this.name, off, iface.linkType, 'packet', `is on interface ${ifId}, of`);
    return iface;
  }

  private checkCaplen(off: number, label: string, caplen: number, origLen: number, room: number): void {
    if (caplen > MAX_CAPTURED_LENGTH) {
      throw new CaptureFormatError(this.name, off, label, `claims ${caplen} captured bytes, more than the ${MAX_CAPTURED_LENGTH} any capture holds`, HINT_CORRUPT);
    }
    if (pad4(caplen) > room) {
      throw new CaptureFormatError(this.name, off, label, `claims ${caplen} captured bytes, but the block holds ${room}`, HINT_CORRUPT);
    }
    if (origLen < caplen) {
      throw new CaptureFormatError(this.name, off, label, `has captured length ${caplen} above its original length ${origLen}`, HINT_CORRUPT);
    }
  }

  private readPacketOptions(pkt: CapturePacket, blk: Block, start: number, end: number, le: boolean): void {
    forEachOption(this.name, blk.v, le, start, end, (o) => {
      if (o.code === OPT_COMMENT && pkt.comment === undefined) pkt.comment = optionText(blk.b, o);
      else if (o.code === OPT_PACKET_FLAGS && o.length === 4) pkt.flags = blk.v.getUint32(o.offset, le);
    }, blk.at);
  }
}
