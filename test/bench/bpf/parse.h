// SPDX-License-Identifier: GPL-2.0
// Packet parsing for the benchmark's eBPF twins of the examples. It follows
// the guest SDK's Packet (guest-sdk/packet.ts) rule for rule, so that the
// eBPF programs judge every frame exactly as the wasm handlers do: up to 4
// VLAN tags (a tag counts only when the type after it is inside the frame),
// IPv4 header and total-length checks, the IPv6 extension chain (at most 8,
// AH included), fragments, and TCP/UDP/ICMP header checks up to the IP end.
// Unlike the SDK it parses eagerly, as XDP programs do.
#pragma once
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_ARP 0x0806
#define MAX_VLAN_TAGS 4
#define MAX_IPV6_EXT 8
#define L3_NONE 0
#define L3_IPV4 1
#define L3_IPV6 2
#define L3_ARP 3
#define L4_NONE 0
#define L4_TCP 1
#define L4_UDP 2
#define L4_ICMP 3
#define L4_ICMP6 4
// Frames are at most a page; masking offsets to 14 bits gives the verifier a
// bound without changing any offset a real frame can have.
#define OFF_MASK 0x3fff

struct pkt {
	__u32 len;
	__u32 l3off;   // 0 when there is no L3 (no Ethernet, or a cut-off tag)
	__u16 type;    // EtherType after the tags
	__u8 l3kind;
	__u8 l4kind;
	int proto;     // -1: no IP or a broken IPv6 chain
	__u32 l4off;
	__u32 l3end;
	__u8 frag, frag_more;
	__u32 frag_off;
	__u32 pay_off, pay_len;
	__u32 pseudo_dst;  // IPv6: offset of the pseudo-header destination (routing header's final one)
};

// Pointer to n bytes at off, or NULL when they are not all inside the frame.
static __always_inline __u8 *at(struct xdp_md *ctx, __u32 off, __u32 n) {
	__u8 *data = (__u8 *)(long)ctx->data, *end = (__u8 *)(long)ctx->data_end;
	if (off > OFF_MASK) return 0;
	// The barriers keep clang from dropping the (redundant) mask and from
	// checking one pointer but dereferencing a recomputed one: the verifier
	// could relate neither.
	asm volatile("" : "+r"(off));
	__u8 *p = data + (off & OFF_MASK);
	asm volatile("" : "+r"(p));
	if (p + n > end) return 0;
	return p;
}

static __always_inline __u16 be16(const __u8 *p) { return ((__u16)p[0] << 8) | p[1]; }
static __always_inline __u32 be32(const __u8 *p) {
	return ((__u32)p[0] << 24) | ((__u32)p[1] << 16) | ((__u32)p[2] << 8) | p[3];
}

static __always_inline void parse_l2(struct xdp_md *ctx, struct pkt *k) {
	k->len = ctx->data_end - ctx->data;
	k->type = 0;
	k->l3off = 0;
	__u8 *p = at(ctx, 12, 2);
	if (!p) return;
	__u32 off = 12;
	__u16 t = be16(p);
#pragma unroll
	for (int n = 0; n <= MAX_VLAN_TAGS; n++) {
		if (t != 0x8100 && t != 0x88a8 && t != 0x9100) {
			k->type = t;
			k->l3off = off + 2;
			return;
		}
		if (n == MAX_VLAN_TAGS) return;
		p = at(ctx, off + 4, 2);
		if (!p) return;
		off += 4;
		t = be16(p);
	}
}

// Global, like parse_l4 below: verified once, not once per path of the caller.
__noinline int walk_ipv6(struct xdp_md *ctx, struct pkt *k, __u32 nh, __u32 off) {
	if (!k) return 0;
	__u32 end = k->l3end;
	for (int i = 0; i <= MAX_IPV6_EXT; i++) {
		__u32 hl;
		if (nh == 0 || nh == 43 || nh == 60) {  // hop-by-hop, routing, destination options
			if (off + 8 > end) return 0;
			__u8 *h = at(ctx, off, 8);
			if (!h) return 0;
			hl = ((__u32)h[1] + 1) << 3;
			if (off + hl > end) return 0;
			if (nh == 43 && h[3] != 0 && hl >= 24) {  // routing, segments left (RFC 8200 8.1)
				if (h[2] == 0 || h[2] == 2) k->pseudo_dst = off + hl - 16;
				else if (h[2] == 4) k->pseudo_dst = off + 8;
			}
			nh = h[0];
		} else if (nh == 44) {  // fragment
			if (off + 8 > end) return 0;
			__u8 *h = at(ctx, off, 8);
			if (!h) return 0;
			hl = 8;
			__u16 w = be16(h + 2);
			k->frag_off = w & 0xfff8;
			k->frag_more = w & 1;
			k->frag = k->frag_off != 0 || k->frag_more;
			nh = h[0];
		} else if (nh == 51) {  // AH
			if (off + 8 > end) return 0;
			__u8 *h = at(ctx, off, 8);
			if (!h) return 0;
			hl = ((__u32)h[1] + 2) << 2;
			if (off + hl > end) return 0;
			nh = h[0];
		} else {
			k->proto = nh;
			k->l4off = off;
			return 0;
		}
		off += hl;
	}
	return 0;
}

static __always_inline void parse_l3(struct xdp_md *ctx, struct pkt *k) {
	parse_l2(ctx, k);
	k->l3kind = L3_NONE;
	k->proto = -1;
	k->l3end = 0;
	k->l4off = 0;
	k->frag = k->frag_more = 0;
	k->frag_off = 0;
	__u32 off = k->l3off;
	if (off == 0) return;
	__u32 avail = k->len - off;
	if (k->type == ETH_P_IPV4) {
		__u8 *ip = at(ctx, off, 20);
		if (!ip || (ip[0] >> 4) != 4) return;
		__u32 hl = (ip[0] & 15) << 2;
		__u32 total = be16(ip + 2);
		if (hl < 20 || hl > avail || total < hl || total > avail) return;
		k->l3kind = L3_IPV4;
		k->l3end = off + total;
		k->proto = ip[9];
		k->l4off = off + hl;
		__u16 f = be16(ip + 6);
		if (f & 0x3fff) {
			k->frag = 1;
			k->frag_more = (f & 0x2000) != 0;
			k->frag_off = (__u32)(f & 0x1fff) << 3;
		}
	} else if (k->type == ETH_P_IPV6) {
		__u8 *ip = at(ctx, off, 40);
		if (!ip || (ip[0] >> 4) != 6) return;
		__u32 plen = be16(ip + 4);
		if (40 + plen > avail) return;
		k->l3kind = L3_IPV6;
		k->l3end = off + 40 + plen;
		k->pseudo_dst = off + 24;
		walk_ipv6(ctx, k, ip[6], off + 40);
	} else if (k->type == ETH_P_ARP) {
		__u8 *a = at(ctx, off, 28);
		if (!a) return;
		if (be16(a) != 1 || be16(a + 2) != 0x0800 || a[4] != 6 || a[5] != 4) return;
		k->l3kind = L3_ARP;
		k->l3end = off + 28;
	}
}

// Layer 3 only (what a handler asking for ipv4()/ipv6() alone pays for).
__noinline int parse_l3_only(struct xdp_md *ctx, struct pkt *k) {
	if (!k) return 0;
	parse_l3(ctx, k);
	return 0;
}

// A global function is verified once on its own, not once per path of its
// caller: without that, the tag loop times the extension-header walk times
// the callers' branches exceed the verifier's budget.
__noinline int parse_l4(struct xdp_md *ctx, struct pkt *k) {
	if (!k) return 0;
	parse_l3(ctx, k);
	k->l4kind = L4_NONE;
	k->pay_off = 0;
	k->pay_len = 0;
	if (k->proto < 0 || k->frag_off != 0) return 0;
	__u32 off = k->l4off;
	__u32 avail = k->l3end - off;
	__u32 hl = 0, plen = 0;
	__u8 kind = L4_NONE;
	if (k->proto == 6) {
		if (avail < 20) return 0;
		__u8 *t = at(ctx, off, 20);
		if (!t) return 0;
		hl = (__u32)(t[12] >> 4) << 2;
		if (hl < 20 || hl > avail) return 0;
		kind = L4_TCP;
		plen = avail - hl;
	} else if (k->proto == 17) {
		if (avail < 8) return 0;
		__u8 *u = at(ctx, off, 8);
		if (!u) return 0;
		hl = 8;
		__u32 ulen = be16(u + 4);
		if (k->frag_more) {
			plen = avail - hl;
		} else {
			if (ulen < 8 || ulen > avail) return 0;
			plen = ulen - hl;
		}
		kind = L4_UDP;
	} else if ((k->proto == 1 && k->l3kind == L3_IPV4) || (k->proto == 58 && k->l3kind == L3_IPV6)) {
		if (avail < 8) return 0;
		hl = 8;
		kind = k->proto == 1 ? L4_ICMP : L4_ICMP6;
		plen = avail - hl;
	} else {
		plen = avail;
	}
	k->l4kind = kind;
	k->pay_off = off + hl;
	k->pay_len = plen;
	return 0;
}

// The wasm guest's counterAdd: a slot of the control block's counters.
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void counter_add(__u32 i) {
	__u64 *c = bpf_map_lookup_elem(&counters, &i);
	if (c) *c += 1;
}
