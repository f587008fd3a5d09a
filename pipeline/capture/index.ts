// Capture files in and out: classic pcap and pcapng readers behind one
// format-detecting entry point, and writers for both formats.

export { LINKTYPE_ETHERNET, MAX_CAPTURED_LENGTH, type CapturePacket, type WritablePacket } from './types.js';
export { CaptureFormatError } from './format-error.js';
export {
  PcapWriter, writeClassicPcap, encodeClassicPcap, encodePcapHeader, encodePcapRecord,
  PCAP_MAGIC_US, PCAP_MAGIC_NS, type PcapWriteOptions,
} from './pcap-writer.js';
export {
  PcapngWriter, writePcapng, encodePcapng, encodeSectionHeader, encodeEnhancedPacket,
  type PcapngWriteOptions, type PcapngInterface,
} from './pcapng-writer.js';
export { readCapture, openCapture } from './open.js';
export type { Capture, CaptureFormat, ReadOptions } from './capture.js';
export { ClassicPcap } from './pcap-reader.js';
export { Pcapng } from './pcapng-reader.js';
export { linkTypeName } from './link-types.js';
