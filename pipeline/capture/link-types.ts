// Handlers are written against Ethernet frames; anything else must be refused
// with a message that names the link type, since "-i any" captures (LINUX_SLL)
// and raw-IP captures are the usual way people end up with the wrong one.

import { CaptureFormatError } from './format-error.js';
import { LINKTYPE_ETHERNET } from './types.js';

const NAMES: Record<number, string> = {
  0: 'NULL (BSD loopback)', 1: 'ETHERNET', 101: 'RAW (bare IP)', 105: 'IEEE802_11 (Wi-Fi)',
  108: 'LOOP', 113: 'LINUX_SLL ("tcpdump -i any")', 127: 'IEEE802_11_RADIOTAP', 228: 'IPV4', 229: 'IPV6',
  276: 'LINUX_SLL2 ("tcpdump -i any")',
};

export function linkTypeName(linkType: number): string {
  return NAMES[linkType] ?? 'unknown';
}

/** `subject` and `problem` frame the link type, e.g. "packet" + "is on interface 1". */
export function requireEthernet(name: string, offset: number, linkType: number, subject: string, problem: string): void {
  if (linkType === LINKTYPE_ETHERNET) return;
  throw new CaptureFormatError(name, offset, subject,
    `${problem} link type ${linkType} (${linkTypeName(linkType)}), not Ethernet (1)`,
    'wasmxdp handlers take Ethernet frames: capture on one Ethernet interface, e.g. `tcpdump -i eth0 -w file.pcap`, not `-i any`');
}
