/* wasmxdp guest SDK for C: what a handler written in C includes.
 *
 *   #include "wasmxdp.h"
 *   wx_verdict handle(wx_packet *pkt) { ... return WX_PASS; }
 *
 * `wasmxdp build <dir with handler.c>` compiles it with clang --target=wasm32
 * and wasm-ld against the same ABI as the AssemblyScript SDK (the numbers come
 * from abi/contract.json through wasmxdp_abi.h). Header views are offsets
 * checked against the packet's length: a view is NULL when the header is
 * absent, truncated or malformed, never a read past the packet. Nothing here
 * allocates. The parse follows guest-sdk/packet.ts exactly, so a C handler
 * sees the same headers the AssemblyScript one does.
 */
#ifndef WASMXDP_H
#define WASMXDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasmxdp_abi.h"

#define WX_INLINE static inline __attribute__((always_inline))
#define WX_FN static inline

/* ------------------------------------------------------------ verdicts */

typedef uint32_t wx_verdict;

#define WX_ABORTED ((wx_verdict)WX_ACTION_ABORTED)
#define WX_DROP ((wx_verdict)WX_ACTION_DROP)
#define WX_PASS ((wx_verdict)WX_ACTION_PASS)
#define WX_TX ((wx_verdict)WX_ACTION_TX)
WX_INLINE wx_verdict wx_redirect(uint32_t port) { return WX_ACTION_REDIRECT | (port << WX_TARGET_SHIFT); }

/* Header sizes and protocol numbers (WX_ETH_HLEN, WX_ETH_P_*, WX_IPPROTO_*, ...)
 * come from wasmxdp_abi.h, shared with the AssemblyScript SDK. */

/* ------------------------------------------------------------ bytes */

WX_INLINE uint16_t wx_load16be(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
WX_INLINE uint32_t wx_load32be(const uint8_t *p) { return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]; }
WX_INLINE void wx_store16be(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
WX_INLINE void wx_swap_bytes(uint8_t *a, uint8_t *b, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) { uint8_t t = a[i]; a[i] = b[i]; b[i] = t; }
}

/* ------------------------------------------------------------ the packet */

enum { WX_L3_NONE, WX_L3_ARP, WX_L3_IPV4, WX_L3_IPV6 };
enum { WX_L4_NONE, WX_L4_TCP, WX_L4_UDP, WX_L4_ICMP, WX_L4_ICMP6 };

/* One descriptor of the batch. Fields below `parsed` are the parse cache:
 * read them through the functions, and call wx_invalidate after rewriting a
 * field the parse depends on. */
typedef struct wx_packet {
  uint8_t *data;
  uint32_t len;
  uint16_t port, queue;
  uint32_t headroom, tailroom;
  uint8_t parsed, tags, l3_kind, l4_kind;
  uint16_t type;
  uint32_t l3_off, l3_end, l4_off, pay_off, pay_len;
  int32_t proto;
  bool frag, frag_more;
  uint32_t frag_off, v6_pseudo_dst;
} wx_packet;

#define WX_PARSED_L2 1
#define WX_PARSED_L3 2
#define WX_PARSED_L4 4

WX_INLINE void wx_invalidate(wx_packet *p) { p->parsed = 0; }
/* True when n bytes at byte offset off lie inside the packet. */
WX_INLINE bool wx_has(const wx_packet *p, uint32_t off, uint32_t n) { return (uint64_t)off + n <= p->len; }

/* Grows (delta < 0) or shrinks (delta > 0) the packet at its head. */
WX_INLINE bool wx_adjust_head(wx_packet *p, int32_t delta) {
  if (delta < 0) {
    uint32_t grow = (uint32_t)-delta;
    if (grow > p->headroom) return false;
    p->data -= grow; p->len += grow; p->headroom -= grow;
  } else {
    uint32_t cut = (uint32_t)delta;
    if (cut > p->len) return false;
    p->data += cut; p->len -= cut; p->headroom += cut;
  }
  p->parsed = 0;
  return true;
}

/* Grows (delta > 0) or shrinks (delta < 0) the packet at its tail. */
WX_INLINE bool wx_adjust_tail(wx_packet *p, int32_t delta) {
  if (delta > 0) {
    uint32_t grow = (uint32_t)delta;
    if (grow > p->tailroom) return false;
    p->len += grow; p->tailroom -= grow;
  } else {
    uint32_t cut = (uint32_t)-delta;
    if (cut > p->len) return false;
    p->len -= cut; p->tailroom += cut;
  }
  p->parsed = 0;
  return true;
}

WX_FN void wx__parse_l2(wx_packet *p) {
  if (p->parsed & WX_PARSED_L2) return;
  p->parsed |= WX_PARSED_L2;
  p->tags = 0; p->type = 0; p->l3_off = 0;
  if (p->len < WX_ETH_HLEN) return;
  uint32_t off = 12, n = 0;
  uint16_t t = wx_load16be(p->data + off);
  while (t == WX_ETH_P_8021Q || t == WX_ETH_P_8021AD || t == WX_ETH_P_QINQ_OLD) {
    if (n == WX_MAX_VLAN_TAGS || off + WX_VLAN_HLEN + 2 > p->len) { p->tags = (uint8_t)n; return; }
    off += WX_VLAN_HLEN;
    n++;
    t = wx_load16be(p->data + off);
  }
  p->tags = (uint8_t)n;
  p->type = t;
  p->l3_off = off + 2;
}

/* IPv4 header length when p holds a valid IPv4 header within avail bytes, else 0. */
WX_INLINE uint32_t wx_ipv4_header_length(const uint8_t *ip, uint32_t avail) {
  if (avail < WX_IPV4_MIN_HLEN || (ip[0] >> 4) != 4) return 0;
  uint32_t hl = (uint32_t)(ip[0] & 0x0f) << 2;
  if (hl < WX_IPV4_MIN_HLEN || hl > avail) return 0;
  uint32_t total = wx_load16be(ip + 2);
  return total < hl || total > avail ? 0 : hl;
}

WX_FN void wx__note_routing(wx_packet *p, uint32_t off, uint32_t hl) {
  const uint8_t *r = p->data + off;
  if (r[3] == 0 || hl < 8 + 16) return;
  if (r[2] == 0 || r[2] == 2) p->v6_pseudo_dst = off + hl - 16;
  else if (r[2] == 4) p->v6_pseudo_dst = off + 8; /* SRH: segment list[0] is the last segment */
}

/* Follows IPv6 extension headers; each step moves at least 8 bytes and the
 * number of steps is bounded, so a hostile chain cannot loop. */
WX_FN void wx__walk_ipv6(wx_packet *p, uint8_t nh, uint32_t off) {
  const uint8_t *d = p->data;
  uint32_t end = p->l3_end;
  for (uint32_t i = 0; i <= WX_MAX_IPV6_EXT_HEADERS; i++) {
    uint32_t hl;
    if (nh == WX_IPPROTO_HOPOPTS || nh == WX_IPPROTO_ROUTING || nh == WX_IPPROTO_DSTOPTS) {
      if (off + 8 > end) return;
      hl = ((uint32_t)d[off + 1] + 1) << 3;
      if (off + hl > end) return;
      if (nh == WX_IPPROTO_ROUTING) wx__note_routing(p, off, hl);
    } else if (nh == WX_IPPROTO_FRAGMENT) {
      if (off + 8 > end) return;
      hl = 8;
      uint16_t w = wx_load16be(d + off + 2);
      p->frag_off = w & 0xfff8;
      p->frag_more = (w & 1) != 0;
      p->frag = p->frag_off != 0 || p->frag_more;
    } else if (nh == WX_IPPROTO_AH) {
      if (off + 8 > end) return;
      hl = ((uint32_t)d[off + 1] + 2) << 2;
      if (off + hl > end) return;
    } else {
      p->proto = nh;
      p->l4_off = off;
      return;
    }
    nh = d[off];
    off += hl;
  }
}

WX_FN void wx__parse_l3(wx_packet *p) {
  if (p->parsed & WX_PARSED_L3) return;
  wx__parse_l2(p);
  p->parsed |= WX_PARSED_L3;
  p->l3_kind = WX_L3_NONE; p->proto = -1; p->l3_end = 0; p->l4_off = 0;
  p->frag = false; p->frag_more = false; p->frag_off = 0;
  uint32_t off = p->l3_off;
  if (off == 0) return;
  const uint8_t *ip = p->data + off;
  uint32_t avail = p->len - off;
  if (p->type == WX_ETH_P_IPV4) {
    uint32_t hl = wx_ipv4_header_length(ip, avail);
    if (hl == 0) return;
    uint16_t fw = wx_load16be(ip + 6);
    p->l3_kind = WX_L3_IPV4;
    p->l3_end = off + wx_load16be(ip + 2);
    p->proto = ip[9];
    p->l4_off = off + hl;
    if (fw & 0x3fff) {
      p->frag = true;
      p->frag_more = (fw & 0x2000) != 0;
      p->frag_off = (uint32_t)(fw & 0x1fff) << 3;
    }
  } else if (p->type == WX_ETH_P_IPV6) {
    if (avail < WX_IPV6_HLEN || (ip[0] >> 4) != 6 || wx_load16be(ip + 4) > avail - WX_IPV6_HLEN) return;
    p->l3_kind = WX_L3_IPV6;
    p->l3_end = off + WX_IPV6_HLEN + wx_load16be(ip + 4);
    p->v6_pseudo_dst = off + 24;
    wx__walk_ipv6(p, ip[6], off + WX_IPV6_HLEN);
  } else if (p->type == WX_ETH_P_ARP) {
    static const uint8_t eth_ipv4_arp[6] = {0, 1, 8, 0, 6, 4};
    if (avail < WX_ARP_LEN) return;
    for (int i = 0; i < 6; i++) if (ip[i] != eth_ipv4_arp[i]) return;
    p->l3_kind = WX_L3_ARP;
    p->l3_end = off + WX_ARP_LEN;
  }
}

WX_FN void wx__parse_l4(wx_packet *p) {
  if (p->parsed & WX_PARSED_L4) return;
  wx__parse_l3(p);
  p->parsed |= WX_PARSED_L4;
  p->l4_kind = WX_L4_NONE; p->pay_off = 0; p->pay_len = 0;
  if (p->proto < 0 || p->frag_off != 0) return;
  uint32_t off = p->l4_off, avail = p->l3_end - off, hl = 0, plen = 0;
  const uint8_t *h = p->data + off;
  uint8_t kind = WX_L4_NONE;
  if (p->proto == WX_IPPROTO_TCP) {
    if (avail < WX_TCP_MIN_HLEN) return;
    hl = (uint32_t)(h[12] >> 4) << 2;
    if (hl < WX_TCP_MIN_HLEN || hl > avail) return;
    kind = WX_L4_TCP;
    plen = avail - hl;
  } else if (p->proto == WX_IPPROTO_UDP) {
    if (avail < WX_UDP_HLEN) return;
    hl = WX_UDP_HLEN;
    uint32_t ulen = wx_load16be(h + 4);
    if (p->frag_more) {
      plen = avail - hl;
    } else {
      if (ulen < WX_UDP_HLEN || ulen > avail) return;
      plen = ulen - hl;
    }
    kind = WX_L4_UDP;
  } else if (p->proto == WX_IPPROTO_ICMP && p->l3_kind == WX_L3_IPV4) {
    if (avail < WX_ICMP_HLEN) return;
    hl = WX_ICMP_HLEN; kind = WX_L4_ICMP; plen = avail - hl;
  } else if (p->proto == WX_IPPROTO_ICMPV6 && p->l3_kind == WX_L3_IPV6) {
    if (avail < WX_ICMP_HLEN) return;
    hl = WX_ICMP_HLEN; kind = WX_L4_ICMP6; plen = avail - hl;
  } else {
    plen = avail;
  }
  p->l4_kind = kind;
  p->pay_off = off + hl;
  p->pay_len = plen;
}

/* ------------------------------------------------------------ header views (NULL: absent or malformed) */

WX_INLINE uint8_t *wx_eth(wx_packet *p) { return p->len >= WX_ETH_HLEN ? p->data : NULL; }
WX_INLINE uint16_t wx_ether_type(wx_packet *p) { wx__parse_l2(p); return p->type; }
WX_INLINE uint32_t wx_vlan_count(wx_packet *p) { wx__parse_l2(p); return p->tags; }
WX_INLINE uint8_t *wx_ipv4(wx_packet *p) { wx__parse_l3(p); return p->l3_kind == WX_L3_IPV4 ? p->data + p->l3_off : NULL; }
WX_INLINE uint8_t *wx_ipv6(wx_packet *p) { wx__parse_l3(p); return p->l3_kind == WX_L3_IPV6 ? p->data + p->l3_off : NULL; }
WX_INLINE uint8_t *wx_arp(wx_packet *p) { wx__parse_l3(p); return p->l3_kind == WX_L3_ARP ? p->data + p->l3_off : NULL; }
/* IPv4's protocol, or IPv6's last next-header; -1 without IP or on a malformed chain. */
WX_INLINE int32_t wx_l4_proto(wx_packet *p) { wx__parse_l3(p); return p->proto; }
WX_INLINE bool wx_is_fragment(wx_packet *p) { wx__parse_l3(p); return p->frag; }
WX_INLINE uint8_t *wx_tcp(wx_packet *p) { wx__parse_l4(p); return p->l4_kind == WX_L4_TCP ? p->data + p->l4_off : NULL; }
WX_INLINE uint8_t *wx_udp(wx_packet *p) { wx__parse_l4(p); return p->l4_kind == WX_L4_UDP ? p->data + p->l4_off : NULL; }
WX_INLINE uint8_t *wx_icmp(wx_packet *p) { wx__parse_l4(p); return p->l4_kind == WX_L4_ICMP ? p->data + p->l4_off : NULL; }
WX_INLINE uint8_t *wx_icmp6(wx_packet *p) { wx__parse_l4(p); return p->l4_kind == WX_L4_ICMP6 ? p->data + p->l4_off : NULL; }
WX_INLINE uint32_t wx_payload_offset(wx_packet *p) { wx__parse_l4(p); return p->pay_off; }
WX_INLINE uint32_t wx_payload_length(wx_packet *p) { wx__parse_l4(p); return p->pay_len; }

WX_INLINE uint16_t wx_udp_src_port(const uint8_t *udp) { return wx_load16be(udp); }
WX_INLINE uint16_t wx_udp_dst_port(const uint8_t *udp) { return wx_load16be(udp + 2); }
WX_INLINE void wx_udp_swap_ports(uint8_t *udp) { wx_swap_bytes(udp, udp + 2, 2); }
WX_INLINE void wx_eth_swap_addresses(uint8_t *eth) { wx_swap_bytes(eth, eth + 6, 6); }
WX_INLINE void wx_ipv4_swap_addresses(uint8_t *ip) { wx_swap_bytes(ip + 12, ip + 16, 4); }
WX_INLINE void wx_ipv6_swap_addresses(uint8_t *ip) { wx_swap_bytes(ip + 8, ip + 24, 16); }

/* ------------------------------------------------------------ checksums (RFC 1071) */

WX_INLINE uint32_t wx_csum_fold(uint64_t s) {
  s = (s & 0xffffffff) + (s >> 32);
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  return (uint32_t)((s & 0xffff) + (s >> 16));
}

/* Ones'-complement sum of len bytes at p (an odd last byte padded with zero), plus init. */
WX_INLINE uint32_t wx_csum_add(const uint8_t *p, uint32_t len, uint32_t init) {
  uint64_t acc = init;
  uint32_t i = 0;
  for (; i + 2 <= len; i += 2) acc += wx_load16be(p + i);
  if (i < len) acc += (uint32_t)p[i] << 8;
  return wx_csum_fold(acc);
}

WX_INLINE bool wx_ipv4_checksum_valid(const uint8_t *ip) {
  return wx_csum_add(ip, (uint32_t)(ip[0] & 0x0f) << 2, 0) == 0xffff;
}

/* True when the transport checksum (TCP, UDP, ICMP, ICMPv6; pseudo-header
 * included) is correct. A zero UDP checksum means "not computed" over IPv4
 * and is invalid over IPv6 (RFC 8200 8.1). */
WX_FN bool wx_l4_checksum_valid(wx_packet *p) {
  if (wx_is_fragment(p)) return false;
  uint32_t seg;
  const uint8_t *h;
  bool udp = false;
  if ((h = wx_tcp(p))) seg = p->l3_end - p->l4_off;
  else if ((h = wx_udp(p))) { seg = wx_load16be(h + 4); udp = true; }
  else if ((h = wx_icmp(p)) || (h = wx_icmp6(p))) seg = p->l3_end - p->l4_off;
  else return false;
  if (udp && wx_load16be(h + 6) == 0) return wx_ipv4(p) != NULL;
  uint32_t pseudo = 0;
  uint8_t proto = (uint8_t)p->proto;
  const uint8_t *ip;
  if (proto == WX_IPPROTO_ICMP) pseudo = 0; /* ICMP over IPv4 has no pseudo-header */
  else if ((ip = wx_ipv4(p))) pseudo = wx_csum_fold((uint64_t)wx_csum_add(ip + 12, 8, 0) + proto + seg);
  else if ((ip = wx_ipv6(p))) {
    uint32_t s = wx_csum_add(ip + 8, 16, 0);
    s = wx_csum_add(p->data + p->v6_pseudo_dst, 16, s);
    pseudo = wx_csum_fold((uint64_t)s + (seg >> 16) + (seg & 0xffff) + proto);
  }
  return wx_csum_add(h, seg, pseudo) == 0xffff;
}

/* ------------------------------------------------------------ host services */

/* Monotonic time in ns at the start of the batch. */
WX_INLINE uint64_t wx_now(void) { return *(volatile const uint64_t *)(uintptr_t)WX_H_NOW_NS; }

/* Adds n to guest counter i (0 .. WX_COUNTERS_COUNT-1); false when i is out of range. */
WX_INLINE bool wx_counter_add(uint32_t i, uint64_t n) {
  if (i >= WX_COUNTERS_COUNT) return false;
  volatile uint64_t *c = (volatile uint64_t *)(uintptr_t)(WX_COUNTERS_OFFSET + ((uintptr_t)i << 3));
  *c += n;
  return true;
}

__attribute__((import_module("wx"), import_name("log"))) void wx__host_log(int32_t level, uint32_t ptr, uint32_t len);

/* Logs len bytes of UTF-8 at msg (rate-limited by the host). */
WX_INLINE void wx_log(int32_t level, const char *msg, uint32_t len) { wx__host_log(level, (uint32_t)(uintptr_t)msg, len); }

/* ------------------------------------------------------------ the handler */

/* Every C handler defines this; the SDK's entry (wasmxdp_entry.c) calls it once per packet. */
wx_verdict handle(wx_packet *pkt);

#endif /* WASMXDP_H */
