/* UDP echo reflector in C: the port of examples/udp-reflector (AssemblyScript),
 * verdict for verdict and byte for byte. A datagram to port 7 goes back where
 * it came from, out of the port it arrived on (TX), with Ethernet, IP and UDP
 * source and destination swapped, over IPv4 or IPv6, tagged or not.
 * Everything else passes to the kernel.
 *
 * Swapping addresses and ports leaves every checksum valid, so only incoming
 * checksums are checked: a datagram with a bad one is PASSed (the kernel's
 * stack discards it). Fragments pass too, and so do datagrams from port 7
 * (two echo services would bounce one datagram between them forever). */
#include "wasmxdp.h"

#define ECHO_PORT 7
#define COUNTER_REFLECTED 0
#define COUNTER_BAD_CHECKSUM 1

wx_verdict handle(wx_packet *pkt) {
  uint8_t *u = wx_udp(pkt);
  if (!u || wx_udp_dst_port(u) != ECHO_PORT || wx_udp_src_port(u) == ECHO_PORT || wx_is_fragment(pkt)) return WX_PASS;
  uint8_t *v4 = wx_ipv4(pkt);
  if ((v4 && !wx_ipv4_checksum_valid(v4)) || !wx_l4_checksum_valid(pkt)) {
    wx_counter_add(COUNTER_BAD_CHECKSUM, 1);
    return WX_PASS;
  }
  wx_eth_swap_addresses(wx_eth(pkt));
  if (v4) wx_ipv4_swap_addresses(v4);
  else wx_ipv6_swap_addresses(wx_ipv6(pkt));
  wx_udp_swap_ports(u);
  wx_counter_add(COUNTER_REFLECTED, 1);
  return WX_TX;
}
