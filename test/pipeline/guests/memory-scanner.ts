// A hostile tenant stage: on every packet it scans its whole linear memory
// (control block, frame area, maps, heap) for another tenant's 16-byte
// payload marker and counts each place it finds one in `found`. The marker's
// bytes are computed in registers, never stored, so the scanner cannot find
// its own copy. Then it passes the frame on.
import { CounterMap, Packet, Verdict, pass } from "wasmxdp";

const found = CounterMap.declare("found", 1);

@inline function markerByte(j: usize): u8 { return <u8>((0x5a + j * 13) & 0xff); }

export function handle(pkt: Packet): Verdict {
  const end = <usize>memory.size() << 16;
  const first = markerByte(0);
  for (let p: usize = 0; p + 16 <= end; p++) {
    if (load<u8>(p) != first) continue;
    let j: usize = 1;
    while (j < 16 && load<u8>(p + j) == markerByte(j)) j++;
    if (j == 16) found.add(0);
  }
  return pass();
}
