// Batch plumbing behind the generated `wx_batch` export (asc-transform.js writes
// the entry module): the host fills descriptors, the guest handles each packet
// and writes one verdict record per descriptor.

import { DESC_OFFSET, DESC_SIZE, VERDICT_OFFSET, VERDICT_SIZE } from "./abi";
import { Packet } from "./packet";
import { Verdict } from "./verdict";

// The one Packet object of the module: reset for every descriptor so the packet
// path allocates nothing.
const current = new Packet();

export function packetAt(i: u32): Packet {
  const d = DESC_OFFSET + <usize>i * DESC_SIZE;
  current.reset(
    load<u32>(d),
    load<u32>(d, 4),
    load<u16>(d, 8),
    load<u16>(d, 10),
    load<u16>(d, 12),
    load<u16>(d, 14),
  );
  return current;
}

export function finish(i: u32, pkt: Packet, v: Verdict): void {
  const r = VERDICT_OFFSET + <usize>i * VERDICT_SIZE;
  store<u32>(r, v);
  store<u32>(r, <u32>pkt.data, 4);
  store<u32>(r, pkt.len, 8);
  store<u32>(r, 0, 12);
}
