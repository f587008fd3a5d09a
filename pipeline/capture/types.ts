// The shapes every capture reader yields and every capture writer accepts, so
// the pipeline can switch formats without touching the packet path.

/** Link type 1 (LINKTYPE_ETHERNET): the only one handlers can run on. */
export const LINKTYPE_ETHERNET = 1;

/**
 * Largest captured length we accept in a record. Real link layers stay below
 * it (it is libpcap's and Wireshark's maximum), and a length field above it is
 * a lie we must not allocate for or trust.
 */
export const MAX_CAPTURED_LENGTH = 262144;

export interface CapturePacket {
  /** The captured bytes: a view into the capture's bytes, not a copy. */
  data: Uint8Array;
  /** Nanoseconds since the epoch; 0n for pcapng Simple Packet Blocks (they have no timestamp). */
  tsNs: bigint;
  /** Length on the wire; larger than `data.length` when the capture truncated the frame (snaplen). */
  origLen: number;
  /** pcapng: index of the interface within its section; classic pcap: 0. */
  interfaceId: number;
  /** Link type of the interface the packet was captured on. */
  linkType: number;
  /** pcapng opt_comment (the first, when a packet has several). */
  comment?: string;
  /** pcapng epb_flags / pack_flags word, when present. */
  flags?: number;
}

/** What the writers take: only `data` is required. */
export interface WritablePacket {
  data: Uint8Array;
  /** Nanoseconds since the epoch; default 0n. */
  tsNs?: bigint;
  /** Default `data.length`; must not be smaller. */
  origLen?: number;
  /** pcapng only: index into the writer's interfaces (default 0). */
  interfaceId?: number;
  /** pcapng only: written as opt_comment. */
  comment?: string;
  /** pcapng only: written as the epb_flags word. */
  flags?: number;
}

// Format magic numbers, one copy for the readers and the writers.
export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
/** Kuznetzov's patched libpcap: longer record headers (read to refuse). */
export const PCAP_MAGIC_MODIFIED = 0xa1b2cd34;
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;
export const PCAPNG_BLOCK_SHB = 0x0a0d0d0a;
export const PCAPNG_BLOCK_IDB = 1;
export const PCAPNG_BLOCK_PB = 2;
export const PCAPNG_BLOCK_SPB = 3;
export const PCAPNG_BLOCK_EPB = 6;
