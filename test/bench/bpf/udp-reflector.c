// SPDX-License-Identifier: GPL-2.0
// examples/udp-reflector as an XDP program: UDP to port 7, not from port 7,
// not a fragment, with a valid IPv4 header checksum and a valid UDP checksum
// (pseudo-header included; zero means "none" over IPv4, invalid over IPv6)
// goes back out (XDP_TX) with MACs, IP addresses and ports swapped; the rest
// passes. Counters: 0 reflected, 1 bad checksum.
#include "parse.h"

static __always_inline __u32 fold(__u64 s) {
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u32)((s & 0xffff) + (s >> 16));
}

// Ones'-complement sum of len bytes at off, as the SDK's csumAdd: 32-bit
// little-endian words, the tail, one byte swap at the end.
__noinline __u32 csum_add(struct xdp_md *ctx, __u32 off, __u32 len, __u32 init) {
	__u64 acc = 0;
	__u32 i = 0;
	for (int k = 0; k < 1024; k++) {
		if (i + 4 > len) break;
		__u8 *p = at(ctx, off + i, 4);
		if (!p) return 0;
		acc += *(__u32 *)p;
		i += 4;
	}
	if (i + 2 <= len) {
		__u8 *p = at(ctx, off + i, 2);
		if (!p) return 0;
		acc += *(__u16 *)p;
		i += 2;
	}
	if (i < len) {
		__u8 *p = at(ctx, off + i, 1);
		if (!p) return 0;
		acc += *p;
	}
	__u32 le = fold(acc);
	return fold((__u64)__builtin_bswap16((__u16)le) + init);
}

static __always_inline void swap(__u8 *a, __u8 *b, int n) {
#pragma unroll
	for (int i = 0; i < n; i++) { __u8 t = a[i]; a[i] = b[i]; b[i] = t; }
}

SEC("xdp")
int udp_reflector(struct xdp_md *ctx) {
	struct pkt k;
	parse_l4(ctx, &k);
	if (k.l4kind != L4_UDP || k.frag) return XDP_PASS;
	__u8 *u = at(ctx, k.l4off, 8);
	if (!u || be16(u + 2) != 7 || be16(u) == 7) return XDP_PASS;
	__u32 ulen = be16(u + 4);
	__u32 pseudo;
	if (k.l3kind == L3_IPV4) {
		__u8 *ip = at(ctx, k.l3off, 20);
		if (!ip) return XDP_PASS;
		__u32 hl = (ip[0] & 15) << 2;
		if (csum_add(ctx, k.l3off, hl, 0) != 0xffff) goto bad;
		if (be16(u + 6) == 0) goto good;  // no checksum over IPv4
		pseudo = fold((__u64)be16(ip + 12) + be16(ip + 14) + be16(ip + 16) + be16(ip + 18) + 17 + ulen);
	} else {
		if (be16(u + 6) == 0) goto bad;
		__u32 s = csum_add(ctx, k.l3off + 8, 16, 0);
		s = csum_add(ctx, k.pseudo_dst, 16, s);
		pseudo = fold((__u64)s + (ulen >> 16) + (ulen & 0xffff) + 17);
	}
	if (csum_add(ctx, k.l4off, ulen, pseudo) != 0xffff) goto bad;
good:;
	__u8 *eth = at(ctx, 0, 12);
	if (!eth) return XDP_PASS;
	swap(eth, eth + 6, 6);
	if (k.l3kind == L3_IPV4) {
		__u8 *ip = at(ctx, k.l3off, 20);
		if (!ip) return XDP_PASS;
		swap(ip + 12, ip + 16, 4);
	} else {
		__u8 *ip = at(ctx, k.l3off, 40);
		if (!ip) return XDP_PASS;
		swap(ip + 8, ip + 24, 16);
	}
	u = at(ctx, k.l4off, 8);
	if (!u) return XDP_PASS;
	swap(u, u + 2, 2);
	counter_add(0);
	return XDP_TX;
bad:
	counter_add(1);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
