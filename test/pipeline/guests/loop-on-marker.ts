// Never returns on a frame whose first byte is 0xee (run it --unmetered: the
// CPU budget would stop it); drops all others. Stands for a handler that hangs.
import { Packet, Verdict, drop } from "wasmxdp";

export function handle(pkt: Packet): Verdict {
  let spins: u32 = 0;
  while (load<u8>(pkt.data) == 0xee) {
    spins++;
    store<u32>(pkt.data + 4, spins);
  }
  return drop();
}
