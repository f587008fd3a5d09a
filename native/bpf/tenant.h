/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tenant classification and quota: the layout shared by the XDP program
 * (tenant_kern.h) and the addon (src/xdp_program.cc), the one source of these
 * numbers. TypeScript gets the limits from the addon (tenantLimits), never
 * from a copy.
 *
 * Selectors are rules in config order; a rule's id is its index and its
 * priority (lower wins). Per rule: an optional destination prefix (IPv4 or
 * IPv6, in the bank's LPM tries) and optional extra fields checked in the
 * rules array (outer VLAN id, inner VLAN id, IP protocol, destination port
 * range). An LPM entry's value lists, ascending, every rule whose prefix
 * contains the entry's prefix (so the longest match carries all matching
 * prefixes' rules); rules without a prefix but with an outer VLAN id sit in
 * the bank's list for that VLAN id, and rules with neither in its "any" list.
 * Selectors live in two banks: user space fills the inactive one, then flips
 * wx_t_cfg.bank, so a frame never sees half an update.
 */
#ifndef WASMXDP_TENANT_H
#define WASMXDP_TENANT_H

#include <linux/types.h>

#define WX_TENANT_MAX 256        /* tenant ids 0..255; 0 = unmatched (operator only) */
#define WX_TENANT_RULES_MAX 256  /* rules per bank */
#define WX_TENANT_CAND_MAX 16    /* rules listed per LPM entry, per VLAN id, and in the any list */
#define WX_TENANT_VLANS 4096     /* VLAN index entries per bank */
#define WX_TENANT_PREFIX_MAX 1024 /* LPM entries per family and bank */
#define WX_TENANT_NONE 0xffff    /* "no rule matched" */
#define WX_TENANT_META_MAGIC 0x31545857u /* "WXT1": the metadata below was written for this frame */
#define WX_TENANT_CAS_TRIES 8    /* token bucket compare-and-swap attempts before counting over quota */

/* wx_tenant_rule.flags: which extra fields the rule checks */
#define WX_RF_VLAN 1       /* outer 802.1Q/802.1ad VLAN id == vlan */
#define WX_RF_INNER_VLAN 2 /* second tag's VLAN id == inner_vlan (QinQ) */
#define WX_RF_PROTO 4      /* IPv4 protocol / IPv6 final next header == proto */
#define WX_RF_DPORT 8      /* TCP/UDP/SCTP/UDP-Lite destination port in [dport_lo, dport_hi] */

struct wx_tenant_rule {
	__u32 tenant;
	__u16 vlan;
	__u16 inner_vlan;
	__u16 dport_lo;
	__u16 dport_hi;
	__u8 proto;
	__u8 flags;
	__u16 pad;
};

/* Rule ids + 1, ascending; 0 ends the list (so a zeroed entry is an empty list). */
struct wx_tenant_cands {
	__u16 id[WX_TENANT_CAND_MAX];
};

/* One per bank: the rules without a destination prefix, and how many rules the bank holds. */
struct wx_tenant_bank {
	__u32 nrules; /* 0: classification off, every frame is tenant 0 */
	__u32 pad;
	struct wx_tenant_cands any;
};

struct wx_tenant_cfg {
	__u32 bank; /* active bank, 0 or 1 */
	__u32 pad;
};

struct wx_lpm4_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct wx_lpm6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/*
 * Packet-rate quota as GCRA (a token bucket expressed as a "theoretical
 * arrival time"): a frame is allowed when max(tat, now) + interval - now <=
 * tau, and tat advances by interval. interval = 1e9 / pps ns, tau = burst *
 * interval: `burst` frames pass at once after idle, then `pps` a second.
 * interval 0 = unlimited. One shared bucket per tenant updated with
 * compare-and-swap, so the rate holds however the NIC spreads a tenant's flows
 * over CPUs (per-CPU buckets would allow up to ncpus x pps).
 */
struct wx_tenant_bucket {
	__u64 interval_ns;
	__u64 tau_ns;
	__u64 tat_ns;
};

/* Per tenant, per CPU. matched = frames classified to the tenant (incl. tenant 0:
 * unmatched); to_user = redirected to an AF_XDP socket; over_quota = XDP_DROP by the
 * bucket; no_socket = within quota but no socket on the queue (passed to the stack). */
struct wx_tenant_stats {
	__u64 matched;
	__u64 to_user;
	__u64 over_quota;
	__u64 no_socket;
};
#define WX_TENANT_STAT_FIELDS 4

/* Written just before the packet (XDP data_meta); AF_XDP copies it into the UMEM frame. */
struct wx_tenant_meta {
	__u32 tenant;
	__u32 magic;
};

#endif
