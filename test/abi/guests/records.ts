// Test guest for the record vectors (test/abi/vectors.json): reports what the
// SDK read from the header and from each descriptor in guest counters
// (packet i uses counters 16*i .. 16*i+9), then answers as the first 12 bytes
// of the packet ask: {u32 verdict word, i32 head delta, i32 tail delta}.

import { Packet, Verdict, counterAdd, now } from "wasmxdp";
import { H_BATCH_N, H_FRAME_SIZE, H_PORT_COUNT } from "wasmxdp/abi";

let index: u32 = 0;
let lastNow: u64 = 0;

function report(slot: u32, v: u64): void { counterAdd(index * 16 + slot, v); }

export function handle(pkt: Packet): Verdict {
  // A new batch restarts the packet index.
  if (now() != lastNow) { lastNow = now(); index = 0; }
  report(0, <u64>pkt.data);
  report(1, pkt.len);
  report(2, pkt.port);
  report(3, pkt.queue);
  report(4, pkt.headroom);
  report(5, pkt.tailroom);
  report(6, load<u32>(H_FRAME_SIZE));
  report(7, load<u32>(H_PORT_COUNT));
  report(8, load<u32>(H_BATCH_N));
  report(9, now());
  const word = load<u32>(pkt.data);
  const head = load<i32>(pkt.data, 4);
  const tail = load<i32>(pkt.data, 8);
  pkt.adjustHead(head);
  pkt.adjustTail(tail);
  index++;
  return word;
}
