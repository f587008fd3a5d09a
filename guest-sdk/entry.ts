// Batch plumbing behind the generated `wx_batch` export (asc-transform.js writes
// the entry module): the host fills descriptors, the guest handles each packet
// and writes one verdict record per descriptor.

import {
  DESC_ADDR, DESC_HEADROOM, DESC_LEN, DESC_OFFSET, DESC_PORT, DESC_QUEUE, DESC_SIZE, DESC_TAILROOM,
  VERDICT_ADDR, VERDICT_LEN, VERDICT_OFFSET, VERDICT_RESERVED, VERDICT_SIZE, VERDICT_WORD,
} from "./abi";
import { Packet } from "./packet";
import { Verdict } from "./verdict";

// The one Packet object of the module: reset for every descriptor so the packet
// path allocates nothing.
const current = new Packet();

export function packetAt(i: u32): Packet {
  const d = DESC_OFFSET + <usize>i * DESC_SIZE;
  current.reset(
    load<u32>(d + DESC_ADDR),
    load<u32>(d + DESC_LEN),
    load<u16>(d + DESC_PORT),
    load<u16>(d + DESC_QUEUE),
    load<u16>(d + DESC_HEADROOM),
    load<u16>(d + DESC_TAILROOM),
  );
  return current;
}

export function finish(i: u32, pkt: Packet, v: Verdict): void {
  const r = VERDICT_OFFSET + <usize>i * VERDICT_SIZE;
  store<u32>(r + VERDICT_WORD, v);
  store<u32>(r + VERDICT_ADDR, <u32>pkt.data);
  store<u32>(r + VERDICT_LEN, pkt.len);
  store<u32>(r + VERDICT_RESERVED, 0);
}
