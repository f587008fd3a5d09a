// Adding and removing 802.1Q tags in place: the MAC addresses move by 4
// bytes into the headroom (push) or over the tag (pop), so no byte of the
// payload is copied.

import { Packet } from "./packet";
import { ETH_HLEN, ETH_P_8021Q, VLAN_HLEN } from "./proto";
import { store16be } from "./bytes";

/**
 * Inserts a tag right after the MAC addresses (it becomes the outermost).
 * False, and the packet unchanged, without an Ethernet header or 4 bytes of
 * headroom.
 */
export function pushVlan(pkt: Packet, tci: u16, tpid: u16 = ETH_P_8021Q): bool {
  if (pkt.len < ETH_HLEN || !pkt.adjustHead(-<i32>VLAN_HLEN)) return false;
  const p = pkt.data;
  memory.copy(p, p + VLAN_HLEN, 12);
  store16be(p + 12, tpid);
  store16be(p + 14, tci);
  return true;
}

/** Removes the outermost tag; false, and the packet unchanged, when there is none. */
export function popVlan(pkt: Packet): bool {
  if (pkt.vlanCount == 0) return false;
  const p = pkt.data;
  memory.copy(p + VLAN_HLEN, p, 12);
  return pkt.adjustHead(<i32>VLAN_HLEN);
}
