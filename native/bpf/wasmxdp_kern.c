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

/* Stat indexes, struct wx_bpf_cfg, XSKMAP size: abi/contract.json. */
#include "wasmxdp_abi.h"

/* Verdicts and the per-action counters use the contract's numbering: it must be the kernel's. */
_Static_assert(WX_ACTION_ABORTED == XDP_ABORTED && WX_ACTION_DROP == XDP_DROP && WX_ACTION_PASS == XDP_PASS &&
	       WX_ACTION_TX == XDP_TX && WX_ACTION_REDIRECT == XDP_REDIRECT,
	       "abi/contract.json: verdict.actions must be XDP's action numbers");

/* Reinjected frames older than this are not trusted to be ours. */
#define GUARD_WINDOW_NS 1000000ULL

struct guard {
	__u64 inflight;
	__u64 stamp_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, WX_XSKMAP_ENTRIES);
	__type(key, __u32);
	__type(value, __u32);
} xsks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WX_BPF_STAT_COUNT);
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
	__type(value, struct wx_bpf_cfg);
} wx_cfg SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&wx_stats, &idx);
	if (v)
		*v += 1;
}

/* Every return of the steering program goes through here, so the per-action
 * counters (indexed by XDP action, WX_BPF_STAT_ABORTED..REDIRECT) count what
 * the program really returned, whichever path returned it. */
static __always_inline int verdict(int action)
{
	count(action);
	return action;
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
			count(WX_BPF_STAT_GUARD_PASS);
			return verdict(XDP_PASS);
		}
		/* Stale: the skb died before reaching us. Forget it. */
		g->inflight = 0;
	}

#ifdef WASMXDP_TEST_ACTION /* defined only by the test that checks each action's counter */
	return verdict(WASMXDP_TEST_ACTION);
#endif
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
		return verdict(XDP_DROP);
	}
	if (bpf_map_lookup_elem(&xsks, &q))
		wx_put_meta(ctx, tenant);
#endif
	/* XDP_REDIRECT, or the fallback XDP_PASS when no socket sits on the queue. */
	int action = bpf_redirect_map(&xsks, q, XDP_PASS);
	if (action != XDP_REDIRECT) {
		count(WX_BPF_STAT_NO_SOCKET);
#ifndef WASMXDP_NO_TENANTS
		if (ts)
			ts->no_socket += 1;
	} else if (ts) {
		ts->to_user += 1;
#endif
	}
	return verdict(action);
}

SEC("xdp")
int wasmxdp_reinj(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct wx_bpf_cfg *c = bpf_map_lookup_elem(&wx_cfg, &zero);

#ifndef WASMXDP_NO_GUARD /* defined only by the test that shows the loop without the guard */
	if (c && c->guard) {
		struct guard *g = bpf_map_lookup_elem(&wx_guard, &zero);
		if (g) {
			g->inflight += 1;
			g->stamp_ns = bpf_ktime_get_ns();
		}
	}
#endif
	count(WX_BPF_STAT_REINJECT);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
