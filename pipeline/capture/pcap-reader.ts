// Classic libpcap files: both byte orders, microsecond and nanosecond magics.

import type { Capture, ReadOptions } from './capture.js';
import { CaptureFormatError, HINT_CORRUPT, HINT_TRUNCATED } from './format-error.js';
import { requireEthernet } from './link-types.js';
import {
  MAX_CAPTURED_LENGTH, PCAP_MAGIC_MODIFIED as MAGIC_MODIFIED, PCAP_MAGIC_NS as MAGIC_NS, PCAP_MAGIC_US as MAGIC_US, type CapturePacket,
} from './types.js';

const FILE_HEADER = 24;
const RECORD_HEADER = 16;

/** True when the first four bytes are a classic pcap magic in either byte order. */
export function isClassicPcapMagic(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  const v = new DataView(bytes.buffer, bytes.byteOffset, 4);
  return [MAGIC_US, MAGIC_NS, MAGIC_MODIFIED].some((m) => v.getUint32(0, true) === m || v.getUint32(0, false) === m);
}

export class ClassicPcap implements Capture {
  readonly format = 'pcap' as const;
  readonly name: string;
  readonly littleEndian: boolean;
  readonly nanosecond: boolean;
  readonly snaplen: number;
  readonly linkType: number;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array, private readonly opts: ReadOptions = {}) {
    this.name = opts.name ?? 'capture';
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < FILE_HEADER) {
      throw new CaptureFormatError(this.name, 0, 'pcap file header', `is cut short: ${bytes.length} of ${FILE_HEADER} bytes`, HINT_TRUNCATED);
    }
    const le = this.view.getUint32(0, true);
    const be = this.view.getUint32(0, false);
    if (le === MAGIC_MODIFIED || be === MAGIC_MODIFIED) {
      throw new CaptureFormatError(this.name, 0, 'file header', 'is that of a "modified" (Kuznetzov) pcap, which wasmxdp does not read', 'convert it with `editcap -F pcap <in> <out>`');
    }
    this.littleEndian = le === MAGIC_US || le === MAGIC_NS;
    const magic = this.littleEndian ? le : be;
    if (magic !== MAGIC_US && magic !== MAGIC_NS) {
      throw new CaptureFormatError(this.name, 0, 'file header', `has magic 0x${le.toString(16).padStart(8, '0')}, not a classic pcap magic`, 'not a pcap file?');
    }
    this.nanosecond = magic === MAGIC_NS;
    const major = this.view.getUint16(4, this.littleEndian);
    if (major !== 2) {
      throw new CaptureFormatError(this.name, 4, 'version field', `says pcap major version ${major}, not 2`, HINT_CORRUPT);
    }
    this.snaplen = this.view.getUint32(16, this.littleEndian);
    // The upper bits of this field carry FCS information, not the link type.
    this.linkType = this.view.getUint32(20, this.littleEndian) & 0xffff;
    if (!opts.anyLinkType) requireEthernet(this.name, 20, this.linkType, 'file header', 'gives');
  }

  *[Symbol.iterator](): Iterator<CapturePacket> {
    const { bytes, view: v, littleEndian: le, name } = this;
    const fracToNs = this.nanosecond ? 1n : 1000n;
    let off = FILE_HEADER;
    while (off < bytes.length) {
      const left = bytes.length - off;
      if (left < RECORD_HEADER) {
        throw new CaptureFormatError(name, off, 'record header', `is cut short: ${left} of ${RECORD_HEADER} bytes`, HINT_TRUNCATED);
      }
      const caplen = v.getUint32(off + 8, le);
      const origLen = v.getUint32(off + 12, le);
      if (caplen > MAX_CAPTURED_LENGTH) {
        throw new CaptureFormatError(name, off, 'record', `claims ${caplen} captured bytes, more than the ${MAX_CAPTURED_LENGTH} any capture holds`, HINT_CORRUPT);
      }
      if (caplen > left - RECORD_HEADER) {
        throw new CaptureFormatError(name, off, 'record', `claims ${caplen} bytes, beyond the end of the file (${left - RECORD_HEADER} left)`, HINT_TRUNCATED);
      }
      if (origLen < caplen) {
        throw new CaptureFormatError(name, off, 'record', `has captured length ${caplen} above its original length ${origLen}`, HINT_CORRUPT);
      }
      const sec = BigInt(v.getUint32(off, le));
      const frac = BigInt(v.getUint32(off + 4, le));
      const data = bytes.subarray(off + RECORD_HEADER, off + RECORD_HEADER + caplen);
      yield { data, tsNs: sec * 1_000_000_000n + frac * fracToNs, origLen, interfaceId: 0, linkType: this.linkType };
      off += RECORD_HEADER + caplen;
    }
  }
}
