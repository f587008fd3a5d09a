// SPDX-License-Identifier: GPL-2.0
// examples/firewall as an XDP program: the same rule records (acl.ts layout,
// 48 bytes, little-endian ports, prefixes in wire order), first match over at
// most 64 rules, the same key and the same verdicts for non-IP and malformed
// frames. Rules and their count sit in one array-map value (the table the
// wasm handler walks is contiguous too); the harness writes them.
#include "parse.h"

#define MAX_RULES 64
#define COUNTER_DEFAULT MAX_RULES
#define COUNTER_NOT_IP (MAX_RULES + 1)
#define COUNTER_MALFORMED (MAX_RULES + 2)

struct rule {
	__u8 action, family, proto, src_len, dst_len, pad[3];
	__u16 sport_lo, sport_hi, dport_lo, dport_hi;
	__u8 src[16], dst[16];
};

struct table {
	__u32 count, installed;
	struct rule rules[MAX_RULES];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct table);
} fw_rules SEC(".maps");

// The wasm handler bumps a control-block counter and its fw_hits map entry.
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_RULES + 3);
	__type(key, __u32);
	__type(value, __u64);
} fw_hits SEC(".maps");

struct key {
	__u8 family, proto, has_ports;
	__u16 sport, dport;
	__u64 src_hi, src_lo, dst_hi, dst_lo;
};

static __always_inline void count(__u32 i) {
	counter_add(i);
	__u64 *c = bpf_map_lookup_elem(&fw_hits, &i);
	if (c) *c += 1;
}

// One load and a byte swap, as the wasm handler's load64be.
static __always_inline __u64 be64(const __u8 *p) {
	__u64 v;
	__builtin_memcpy(&v, p, 8);
	return __builtin_bswap64(v);
}

static __always_inline __u64 mask_hi(__u32 len) { return len == 0 ? 0 : len >= 64 ? ~0ULL : ~0ULL << (64 - len); }
static __always_inline __u64 mask_lo(__u32 len) { return len <= 64 ? 0 : len >= 128 ? ~0ULL : ~0ULL << (128 - len); }

static __always_inline int prefix_matches(const __u8 *p, __u32 len, __u64 hi, __u64 lo) {
	return ((be64(p) ^ hi) & mask_hi(len)) == 0 && ((be64(p + 8) ^ lo) & mask_lo(len)) == 0;
}

static __always_inline int rule_matches(const struct rule *r, const struct key *k) {
	if (r->family != 0 && r->family != k->family) return 0;
	if (r->proto != 0 && r->proto != k->proto) return 0;
	if (r->src_len && !prefix_matches(r->src, r->src_len, k->src_hi, k->src_lo)) return 0;
	if (r->dst_len && !prefix_matches(r->dst, r->dst_len, k->dst_hi, k->dst_lo)) return 0;
	int any_s = r->sport_lo == 0 && r->sport_hi == 0xffff;
	int any_d = r->dport_lo == 0 && r->dport_hi == 0xffff;
	if (!k->has_ports) return any_s && any_d;
	return k->sport >= r->sport_lo && k->sport <= r->sport_hi && k->dport >= r->dport_lo && k->dport <= r->dport_hi;
}

// 0 IP (key filled), 1 not IP, 2 malformed: loadKey in acl.ts.
static __always_inline int load_key(struct xdp_md *ctx, struct key *k) {
	struct pkt p;
	parse_l4(ctx, &p);
	if (p.len < 14) return 2;
	if (p.type == 0) return 2;
	__u8 *ip;
	if (p.l3kind == L3_IPV4) {
		ip = at(ctx, p.l3off, 20);
		if (!ip) return 2;
		k->family = 4;
		k->src_hi = (__u64)be32(ip + 12) << 32; k->src_lo = 0;
		k->dst_hi = (__u64)be32(ip + 16) << 32; k->dst_lo = 0;
	} else if (p.l3kind == L3_IPV6) {
		ip = at(ctx, p.l3off, 40);
		if (!ip) return 2;
		k->family = 6;
		k->src_hi = be64(ip + 8); k->src_lo = be64(ip + 16);
		k->dst_hi = be64(ip + 24); k->dst_lo = be64(ip + 32);
	} else {
		return p.type == ETH_P_IPV4 || p.type == ETH_P_IPV6 ? 2 : 1;
	}
	if (p.proto < 0) return 2;
	k->proto = p.proto;
	k->has_ports = 0;
	k->sport = k->dport = 0;
	if (p.l4kind == L4_TCP || p.l4kind == L4_UDP) {
		__u8 *l4 = at(ctx, p.l4off, 4);
		if (!l4) return 2;
		k->sport = be16(l4);
		k->dport = be16(l4 + 2);
		k->has_ports = 1;
	} else if ((p.proto == 6 || p.proto == 17) && p.frag_off == 0) {
		return 2;
	}
	return 0;
}

SEC("xdp")
int firewall(struct xdp_md *ctx) {
	struct key k;
	int r = load_key(ctx, &k);
	if (r == 1) { count(COUNTER_NOT_IP); return XDP_PASS; }
	if (r == 2) { count(COUNTER_MALFORMED); return XDP_DROP; }
	__u32 zero = 0;
	struct table *t = bpf_map_lookup_elem(&fw_rules, &zero);
	if (!t) return XDP_ABORTED;
	__u32 n = t->count < MAX_RULES ? t->count : MAX_RULES;
	for (__u32 i = 0; i < MAX_RULES; i++) {
		if (i >= n) break;
		struct rule *rr = &t->rules[i];
		if (rule_matches(rr, &k)) {
			count(i);
			return rr->action;
		}
	}
	count(COUNTER_DEFAULT);
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
