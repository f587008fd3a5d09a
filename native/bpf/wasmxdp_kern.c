// SPDX-License-Identifier: GPL-2.0
// wasmxdp's XDP programs. One object is loaded per interface.
//
// wasmxdp_steer: attached to the interface; sends each frame to the AF_XDP
//   socket bound to its rx queue, or up the stack when no socket is there.
// wasmxdp_reinj: never attached; run with BPF_PROG_RUN + LIVE_FRAMES to hand a
//   frame the pipeline answered with PASS to the kernel stack as if received on
//   the interface.
//
// Loop guard: in SKB (generic) mode the kernel runs the attached program again
// on the skb built from a reinjected frame. The reinjected frame reaches the
// stack inside the same BPF_PROG_RUN syscall, on the same CPU, with bottom
// halves disabled (xdp_test_run_batch), so a per-CPU "reinject in flight" count
// bumped by wasmxdp_reinj and consumed by wasmxdp_steer identifies it exactly.
// It is bumped only when the interface runs the steering program in SKB mode
// (cfg.guard, set by user space), because in driver mode the attached program
// never sees the skb and the count would go stale.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#ifndef WASMXDP_NO_TENANTS /* defined only by the benchmark's baseline build */
#include "tenant_kern.h"
#endif

#define STAT_ABORTED 0
#define STAT_DROP 1
#define STAT_PASS 2
#define STAT_TX 3
#define STAT_REDIRECT 4
#define STAT_GUARD_PASS 5 /* reinjected frame recognised and passed */
#define STAT_REINJECT 6   /* frames reinjected by wasmxdp_reinj */
#define STAT_NO_SOCKET 7  /* passed because no socket sits on the queue */
#define STAT_COUNT 8

/* Reinjected frames older than this are not trusted to be ours. */
#define GUARD_WINDOW_NS 1000000ULL

struct guard {
	__u64 inflight;
	__u64 stamp_ns;
};

struct cfg {
	__u32 guard; /* 1: steering program runs in SKB mode, reinjection needs the guard */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} xsks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STAT_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} wx_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct guard);
} wx_guard SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cfg);
} wx_cfg SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&wx_stats, &idx);
	if (v)
		*v += 1;
}

SEC("xdp")
int wasmxdp_steer(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct guard *g = bpf_map_lookup_elem(&wx_guard, &zero);

	if (g && g->inflight) {
		__u64 now = bpf_ktime_get_ns();
		g->inflight -= 1;
		if (now - g->stamp_ns < GUARD_WINDOW_NS) {
			count(STAT_GUARD_PASS);
			count(STAT_PASS);
			return XDP_PASS;
		}
		/* Stale: the skb died before reaching us. Forget it. */
		g->inflight = 0;
	}

	__u32 q = ctx->rx_queue_index;
#ifndef WASMXDP_NO_TENANTS
	/* Tenant section (tenant_kern.h): classify, enforce the tenant's packet
	 * rate, and tag the frame with its tenant for user space. */
	__u32 tenant = wx_classify(ctx);
	struct wx_tenant_stats *ts = wx_tenant_stats(tenant);
	if (ts)
		ts->matched += 1;
	if (!wx_within_quota(tenant)) {
		if (ts)
			ts->over_quota += 1;
		count(STAT_DROP);
		return XDP_DROP;
	}
	if (bpf_map_lookup_elem(&xsks, &q)) {
		wx_put_meta(ctx, tenant);
		if (ts)
			ts->to_user += 1;
		count(STAT_REDIRECT);
		return bpf_redirect_map(&xsks, q, XDP_PASS);
	}
	if (ts)
		ts->no_socket += 1;
#else
	if (bpf_map_lookup_elem(&xsks, &q)) {
		count(STAT_REDIRECT);
		return bpf_redirect_map(&xsks, q, XDP_PASS);
	}
#endif
	count(STAT_NO_SOCKET);
	count(STAT_PASS);
	return XDP_PASS;
}

SEC("xdp")
int wasmxdp_reinj(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct cfg *c = bpf_map_lookup_elem(&wx_cfg, &zero);

#ifndef WASMXDP_NO_GUARD /* defined only by the test that shows the loop without the guard */
	if (c && c->guard) {
		struct guard *g = bpf_map_lookup_elem(&wx_guard, &zero);
		if (g) {
			g->inflight += 1;
			g->stamp_ns = bpf_ktime_get_ns();
		}
	}
#endif
	count(STAT_REINJECT);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
