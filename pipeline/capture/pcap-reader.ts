// Classic libpcap files: both byte orders, microsecond and nanosecond magics.

import { MemorySource, type ByteSource } from './byte-source.js';
import { StreamedCapture, type ReadOptions, type SourceFactory } from './capture.js';
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

export class ClassicPcap extends StreamedCapture {
  readonly format = 'pcap' as const;
  littleEndian = true;
  nanosecond = false;
  snaplen = 0;
  linkType = 0;

  constructor(input: Uint8Array | SourceFactory, opts: ReadOptions = {}) {
    super(input instanceof Uint8Array ? () => new MemorySource(input) : input, opts);
    this.checkHeader((src) => this.readHeader(src.read(0, FILE_HEADER)));
  }

  private readHeader(bytes: Uint8Array): void {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < FILE_HEADER) {
      throw new CaptureFormatError(this.name, 0, 'pcap file header', `is cut short: ${bytes.length} of ${FILE_HEADER} bytes`, HINT_TRUNCATED);
    }
    const le = view.getUint32(0, true);
    const be = view.getUint32(0, false);
    if (le === MAGIC_MODIFIED || be === MAGIC_MODIFIED) {
      throw new CaptureFormatError(this.name, 0, 'file header', 'is that of a "modified" (Kuznetzov) pcap, which wasmxdp does not read', 'convert it with `editcap -F pcap <in> <out>`');
    }
    this.littleEndian = le === MAGIC_US || le === MAGIC_NS;
    const magic = this.littleEndian ? le : be;
    if (magic !== MAGIC_US && magic !== MAGIC_NS) {
      throw new CaptureFormatError(this.name, 0, 'file header', `has magic 0x${le.toString(16).padStart(8, '0')}, not a classic pcap magic`, 'not a pcap file?');
    }
    this.nanosecond = magic === MAGIC_NS;
    const major = view.getUint16(4, this.littleEndian);
    if (major !== 2) {
      throw new CaptureFormatError(this.name, 4, 'version field', `says pcap major version ${major}, not 2`, HINT_CORRUPT);
    }
    this.snaplen = view.getUint32(16, this.littleEndian);
    // The upper bits of this field carry FCS information, not the link type.
    this.linkType = view.getUint32(20, this.littleEndian) & 0xffff;
    if (!this.opts.anyLinkType) requireEthernet(this.name, 20, this.linkType, 'file header', 'gives');
  }

  protected *packets(src: ByteSource): Generator<CapturePacket> {
    const { littleEndian: le, name } = this;
    const fracToNs = this.nanosecond ? 1n : 1000n;
    let off = FILE_HEADER;
    for (;;) {
      const head = src.read(off, RECORD_HEADER);
      if (head.length === 0) return;
      if (head.length < RECORD_HEADER) {
        this.truncated(new CaptureFormatError(name, off, 'record header', `is cut short: ${head.length} of ${RECORD_HEADER} bytes`, HINT_TRUNCATED));
        return;
      }
      const v = new DataView(head.buffer, head.byteOffset, RECORD_HEADER);
      const caplen = v.getUint32(8, le);
      const origLen = v.getUint32(12, le);
      if (caplen > MAX_CAPTURED_LENGTH) {
        throw new CaptureFormatError(name, off, 'record', `claims ${caplen} captured bytes, more than the ${MAX_CAPTURED_LENGTH} any capture holds`, HINT_CORRUPT);
      }
      const sec = BigInt(v.getUint32(0, le));
      const frac = BigInt(v.getUint32(4, le));
      const rec = src.read(off, RECORD_HEADER + caplen);
      if (rec.length < RECORD_HEADER + caplen) {
        this.truncated(new CaptureFormatError(name, off, 'record', `claims ${caplen} bytes, beyond the end of the file (${rec.length - RECORD_HEADER} left)`, HINT_TRUNCATED));
        return;
      }
      if (origLen < caplen) {
        throw new CaptureFormatError(name, off, 'record', `has captured length ${caplen} above its original length ${origLen}`, HINT_CORRUPT);
      }
      yield { data: rec.subarray(RECORD_HEADER), tsNs: sec * 1_000_000_000n + frac * fracToNs, origLen, interfaceId: 0, linkType: this.linkType };
      off += RECORD_HEADER + caplen;
    }
  }
}
