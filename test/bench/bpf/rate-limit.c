// SPDX-License-Identifier: GPL-2.0
// examples/rate-limit as an XDP program: a token bucket per source address in
// an LRU hash (65536 sources, key: IPv6 source, IPv4 as ::ffff:a.b.c.d),
// nano-token arithmetic, rate and burst from an array map (0: 100/s, 200).
// One difference: the wasm handler uses the batch's time from the ABI header;
// an XDP program reads the clock per packet (bpf_ktime_get_ns).
#include "parse.h"

#define NS 1000000000ULL

struct bucket { __u64 tokens, last; };
struct rl_key { __u8 b[16]; };
struct rl_cfg { __u32 rate, burst; };

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct rl_key);
	__type(value, struct bucket);
} rl_buckets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rl_cfg);
} rl_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} rl_stats SEC(".maps");

static __always_inline void stat(__u32 i) {
	__u64 *c = bpf_map_lookup_elem(&rl_stats, &i);
	if (c) *c += 1;
}

SEC("xdp")
int rate_limit(struct xdp_md *ctx) {
	struct pkt k;
	parse_l3_only(ctx, &k);
	struct rl_key key = {};
	if (k.l3kind == L3_IPV4) {
		__u8 *ip = at(ctx, k.l3off, 20);
		if (!ip) return XDP_PASS;
		key.b[10] = key.b[11] = 0xff;
		__builtin_memcpy(&key.b[12], ip + 12, 4);
	} else if (k.l3kind == L3_IPV6) {
		__u8 *ip = at(ctx, k.l3off, 40);
		if (!ip) return XDP_PASS;
		__builtin_memcpy(key.b, ip + 8, 16);
	} else {
		stat(2);
		return XDP_PASS;
	}
	__u32 zero = 0;
	struct rl_cfg *cfg = bpf_map_lookup_elem(&rl_config, &zero);
	if (!cfg) return XDP_ABORTED;
	__u64 rate = cfg->rate ? cfg->rate : 100, burst = cfg->burst ? cfg->burst : 200;
	__u64 full = burst * NS;
	__u64 t = bpf_ktime_get_ns();
	struct bucket *b = bpf_map_lookup_elem(&rl_buckets, &key);
	if (!b) {
		struct bucket fresh = {full - NS, t};
		bpf_map_update_elem(&rl_buckets, &key, &fresh, BPF_ANY);
		stat(3);
		stat(0);
		return XDP_PASS;
	}
	__u64 tokens = b->tokens, last = b->last;
	__u64 elapsed = t > last ? t - last : 0;
	if (elapsed >= full / rate) tokens = full;
	else {
		tokens += elapsed * rate;
		if (tokens > full) tokens = full;
	}
	if (t > last) b->last = t;
	if (tokens >= NS) {
		b->tokens = tokens - NS;
		stat(0);
		return XDP_PASS;
	}
	b->tokens = tokens;
	stat(1);
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
