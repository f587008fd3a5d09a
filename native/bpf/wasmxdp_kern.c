// SPDX-License-Identifier: GPL-2.0
// wasmxdp's XDP programs. One object is loaded per interface.
//
// wasmxdp_steer: attached to the interface; sends each frame to the AF_XDP
//   socket bound to its rx queue, or up the stack when no socket is there.
// wasmxdp_reinj_tc: a classifier on the interface's tc egress hook; picks out
//   the frames the pipeline answered with PASS so that the filter's mirred
//   action hands them to the interface's ingress (see below).
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
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

/* PASS reinjection (native/src/stack_reinject.h): the addon's AF_PACKET socket
 * sends the frames out of the interface, and on its tc egress hook this
 * classifier matches exactly that socket's frames (by socket cookie, so no
 * other sender's traffic); the filter's mirred action then turns each match
 * into the interface's ingress, where the stack receives it as if from the
 * wire. Unlike BPF_PROG_RUN's live frames it costs no page pool per call, and
 * one sendmmsg carries a whole burst. Classifier mode: -1 is a match, 0 none. */
SEC("tc")
int wasmxdp_reinj_tc(struct __sk_buff *skb)
{
	__u32 zero = 0;
	struct wx_bpf_cfg *c = bpf_map_lookup_elem(&wx_cfg, &zero);

	if (!c || !c->reinject_cookie || bpf_get_socket_cookie(skb) != c->reinject_cookie)
		return 0;
	count(WX_BPF_STAT_REINJECT);
	return -1;
}

char _license[] SEC("license") = "GPL";
