/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ---- Tenant section of wasmxdp_steer (issue 9) -----------------------------
 * Maps, frame parsing, classification, the per-tenant token bucket and the
 * metadata that carries the tenant id to user space. Layout and limits:
 * tenant.h. Included by wasmxdp_kern.c only.
 *
 * What is matched: up to two VLAN tags (0x8100 or 0x88a8, in either
 * position): `vlan` is the outer tag's id, `inner_vlan` the second's (QinQ).
 * Tags stripped by the NIC's VLAN RX offload are not in the frame and are not
 * seen: turn rxvlan offload off on such devices. IPv4: destination address,
 * protocol, destination port unless the frame is a non-first fragment. IPv6:
 * destination address, the next header after up to 4 extension headers
 * (hop-by-hop, routing, fragment, destination options, AH), destination port
 * unless a non-first fragment.
 */
#ifndef WASMXDP_TENANT_KERN_H
#define WASMXDP_TENANT_KERN_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "tenant.h"

#define WX_ARRAY_MAP(name, entries, valtype)             \
	struct {                                             \
		__uint(type, BPF_MAP_TYPE_ARRAY);                \
		__uint(max_entries, entries);                    \
		__type(key, __u32);                              \
		__type(value, valtype);                          \
	} name SEC(".maps")

WX_ARRAY_MAP(wx_t_cfg, 1, struct wx_tenant_cfg);
WX_ARRAY_MAP(wx_t_bank, 2, struct wx_tenant_bank);
/* Bank b's rule i at index b * WX_TENANT_RULES_MAX + i. */
WX_ARRAY_MAP(wx_t_rules, 2 * WX_TENANT_RULES_MAX, struct wx_tenant_rule);
/* Bank b's list for outer VLAN id v at index b * WX_TENANT_VLANS + v. */
WX_ARRAY_MAP(wx_t_vlan, 2 * WX_TENANT_VLANS, struct wx_tenant_cands);
/* Shared by every device's program of the process (SharedQuotaMap in src/tenant_maps.h). */
WX_ARRAY_MAP(wx_t_quota, WX_TENANT_MAX, struct wx_tenant_bucket);

#define WX_LPM_MAP(name, keytype)                        \
	struct {                                             \
		__uint(type, BPF_MAP_TYPE_LPM_TRIE);             \
		__uint(max_entries, WX_TENANT_PREFIX_MAX);       \
		__uint(map_flags, BPF_F_NO_PREALLOC);            \
		__type(key, keytype);                            \
		__type(value, struct wx_tenant_cands);           \
	} name SEC(".maps")

WX_LPM_MAP(wx_t_v4_0, struct wx_lpm4_key);
WX_LPM_MAP(wx_t_v4_1, struct wx_lpm4_key);
WX_LPM_MAP(wx_t_v6_0, struct wx_lpm6_key);
WX_LPM_MAP(wx_t_v6_1, struct wx_lpm6_key);

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WX_TENANT_MAX);
	__type(key, __u32);
	__type(value, struct wx_tenant_stats);
} wx_t_stats SEC(".maps");

struct wx_vlan_hdr {
	__be16 tci;
	__be16 proto;
};

/* What classification looks at. family: 0 none, 4, 6. */
struct wx_pkt {
	__u16 vlan, inner_vlan;
	__u8 ntags, family, proto, has_port;
	__u16 dport;
	__u8 dst[16];
};

#define WX_ETH_P_8021Q 0x8100
#define WX_ETH_P_8021AD 0x88a8
#define WX_ETH_P_IP 0x0800
#define WX_ETH_P_IPV6 0x86dd

static __always_inline int wx_has_ports(__u8 proto)
{
	return proto == 6 || proto == 17 || proto == 132 || proto == 136;
}

static __always_inline void wx_l4(struct wx_pkt *p, void *l4, void *end)
{
	if (!wx_has_ports(p->proto) || l4 + 4 > end)
		return;
	p->dport = bpf_ntohs(((__be16 *)l4)[1]);
	p->has_port = 1;
}

static __always_inline void wx_parse(struct xdp_md *ctx, struct wx_pkt *p)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	void *cur = data + 14;
	if (cur > end)
		return;
	__u16 type = bpf_ntohs(*(__be16 *)(data + 12));

#pragma unroll
	for (int i = 0; i < 2; i++) {
		if (type != WX_ETH_P_8021Q && type != WX_ETH_P_8021AD)
			break;
		struct wx_vlan_hdr *vh = cur;
		if ((void *)(vh + 1) > end)
			return;
		__u16 vid = bpf_ntohs(vh->tci) & 0x0fff;
		if (i == 0)
			p->vlan = vid;
		else
			p->inner_vlan = vid;
		p->ntags = i + 1;
		type = bpf_ntohs(vh->proto);
		cur = vh + 1;
	}

	if (type == WX_ETH_P_IP) {
		__u8 *ip = cur;
		if ((void *)(ip + 20) > end)
			return;
		__u32 ihl = (ip[0] & 0x0f) * 4;
		if (ihl < 20)
			return;
		p->family = 4;
		__builtin_memcpy(p->dst, ip + 16, 4);
		p->proto = ip[9];
		__u16 frag = bpf_ntohs(*(__be16 *)(ip + 6)) & 0x1fff;
		if (frag == 0)
			wx_l4(p, cur + ihl, end);
	} else if (type == WX_ETH_P_IPV6) {
		__u8 *ip6 = cur;
		if ((void *)(ip6 + 40) > end)
			return;
		p->family = 6;
		__builtin_memcpy(p->dst, ip6 + 24, 16);
		__u8 nh = ip6[6];
		cur = ip6 + 40;
#pragma unroll
		for (int i = 0; i < 4; i++) {
			__u8 *x = cur;
			if (nh != 0 && nh != 43 && nh != 44 && nh != 60 && nh != 51)
				break;
			if ((void *)(x + 8) > end)
				return;
			if (nh == 44) {
				if (bpf_ntohs(*(__be16 *)(x + 2)) & 0xfff8) { /* non-first fragment: no L4 header */
					p->proto = x[0];
					return;
				}
				cur = x + 8;
			} else if (nh == 51) {
				cur = x + ((__u32)x[1] + 2) * 4;
			} else {
				cur = x + ((__u32)x[1] + 1) * 8;
			}
			nh = x[0];
		}
		p->proto = nh;
		wx_l4(p, cur, end);
	}
}

static __always_inline int wx_rule_ok(const struct wx_tenant_rule *r, const struct wx_pkt *p)
{
	__u8 f = r->flags;
	if ((f & WX_RF_VLAN) && (p->ntags < 1 || p->vlan != r->vlan))
		return 0;
	if ((f & WX_RF_INNER_VLAN) && (p->ntags < 2 || p->inner_vlan != r->inner_vlan))
		return 0;
	if ((f & WX_RF_PROTO) && (!p->family || p->proto != r->proto))
		return 0;
	if ((f & WX_RF_DPORT) && (!p->has_port || p->dport < r->dport_lo || p->dport > r->dport_hi))
		return 0;
	return 1;
}

/* The first (lowest id) candidate below `limit` whose extra fields match, or WX_TENANT_NONE. */
static __always_inline __u32 wx_first_match(const struct wx_tenant_cands *c, __u32 base, __u32 limit,
					     const struct wx_pkt *p)
{
	for (int i = 0; i < WX_TENANT_CAND_MAX; i++) {
		__u32 v = c->id[i];
		if (!v)
			break;
		__u32 id = v - 1;
		if (id >= limit || id >= WX_TENANT_RULES_MAX)
			break;
		__u32 key = base + id;
		struct wx_tenant_rule *r = bpf_map_lookup_elem(&wx_t_rules, &key);
		if (r && wx_rule_ok(r, p))
			return id;
	}
	return WX_TENANT_NONE;
}

/* The frame's tenant: the tenant of the lowest-id rule that matches, else 0. */
static __always_inline __u32 wx_classify(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct wx_tenant_cfg *cfg = bpf_map_lookup_elem(&wx_t_cfg, &zero);
	if (!cfg)
		return 0;
	__u32 bank = cfg->bank & 1;
	struct wx_tenant_bank *bk = bpf_map_lookup_elem(&wx_t_bank, &bank);
	if (!bk || !bk->nrules)
		return 0;

	struct wx_pkt p = {};
	wx_parse(ctx, &p);

	__u32 base = bank * WX_TENANT_RULES_MAX;
	__u32 best = WX_TENANT_NONE;
	struct wx_tenant_cands *c = 0;
	if (p.family == 4) {
		struct wx_lpm4_key k = {.prefixlen = 32};
		__builtin_memcpy(k.addr, p.dst, 4);
		c = bank ? bpf_map_lookup_elem(&wx_t_v4_1, &k) : bpf_map_lookup_elem(&wx_t_v4_0, &k);
	} else if (p.family == 6) {
		struct wx_lpm6_key k = {.prefixlen = 128};
		__builtin_memcpy(k.addr, p.dst, 16);
		c = bank ? bpf_map_lookup_elem(&wx_t_v6_1, &k) : bpf_map_lookup_elem(&wx_t_v6_0, &k);
	}
	if (c)
		best = wx_first_match(c, base, WX_TENANT_NONE, &p);
	if (p.ntags) {
		__u32 vk = bank * WX_TENANT_VLANS + (p.vlan & (WX_TENANT_VLANS - 1));
		struct wx_tenant_cands *vc = bpf_map_lookup_elem(&wx_t_vlan, &vk);
		if (vc) {
			__u32 v = wx_first_match(vc, base, best, &p);
			if (v != WX_TENANT_NONE)
				best = v;
		}
	}
	__u32 any = wx_first_match(&bk->any, base, best, &p);
	if (any != WX_TENANT_NONE)
		best = any;
	if (best == WX_TENANT_NONE)
		return 0;
	__u32 key = base + best;
	struct wx_tenant_rule *r = bpf_map_lookup_elem(&wx_t_rules, &key);
	return r && r->tenant < WX_TENANT_MAX ? r->tenant : 0;
}

/* 1 when the frame fits the tenant's packet-rate quota (GCRA, see tenant.h). */
static __always_inline int wx_within_quota(__u32 tenant)
{
	struct wx_tenant_bucket *b = bpf_map_lookup_elem(&wx_t_quota, &tenant);
	if (!b)
		return 1;
	__u64 interval = b->interval_ns;
	if (!interval)
		return 1;
	__u64 tau = b->tau_ns;
	__u64 now = bpf_ktime_get_ns();
	for (int i = 0; i < WX_TENANT_CAS_TRIES; i++) {
		__u64 old = b->tat_ns;
		__u64 next = (old > now ? old : now) + interval;
		if (next - now > tau)
			return 0;
		if (__sync_val_compare_and_swap(&b->tat_ns, old, next) == old)
			return 1;
	}
	return 0; /* lost the race that often: the tenant is flooding from every CPU */
}

static __always_inline struct wx_tenant_stats *wx_tenant_stats(__u32 tenant)
{
	return bpf_map_lookup_elem(&wx_t_stats, &tenant);
}

/* Puts the tenant id in front of the packet. Invalidates packet pointers. */
static __always_inline void wx_put_meta(struct xdp_md *ctx, __u32 tenant)
{
	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(struct wx_tenant_meta)))
		return;
	void *data = (void *)(long)ctx->data;
	struct wx_tenant_meta *m = (void *)(long)ctx->data_meta;
	if ((void *)(m + 1) > data)
		return;
	m->tenant = tenant;
	m->magic = WX_TENANT_META_MAGIC;
}

#endif
