// SPDX-License-Identifier: GPL-2.0
// examples/dns-guard as an XDP program: the same checks in the same order
// (fragment, header, flags, 1-4 questions, each name read with the same
// compression-pointer rules, QTYPE ANY, the blocklist on whole labels,
// case-insensitive). The DNS message is first copied (bpf_xdp_load_bytes)
// into a per-CPU scratch buffer, where masked indexes keep the verifier
// satisfied; the wasm handler reads the frame in place.
// Counters: 0 blocked, 1 ANY, 2 malformed, 3 fragmented, 4 passed.
#include "parse.h"

#define MSG_MAX 2048
#define NAME_MAX 255

struct scratch {
	__u8 msg[MSG_MAX];
	__u8 name[NAME_MAX + 1];
	__u8 starts[128];
	__u32 name_len, label_count;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

// dns.ts readName. One call of the global rn_step per label or pointer: a
// global function is verified once, where a loop over a name's bytes (or a
// bpf_loop callback, which this kernel verifies iteration by iteration) is
// more than the verifier will walk.
struct rn {
	__u32 len, pos, lowest, pointers, nl, lc;
	int after, result;
};

// Lowercased copy of a label's b bytes; global so that its loop is verified once.
__noinline int copy_label(struct scratch *s, __u32 pos, __u32 nl, __u32 b) {
	if (!s) return 0;
	for (__u32 k = 0; k < 63; k++) {
		if (k >= b) break;
		__u8 ch = s->msg[(pos + k) & (MSG_MAX - 1)];
		if (ch >= 0x41 && ch <= 0x5a) ch |= 0x20;
		s->name[(nl + k) & NAME_MAX] = ch;
	}
	return 0;
}

__noinline int rn_step(struct scratch *s, struct rn *r) {
	if (!s || !r) return 1;
	__u32 pos = r->pos, len = r->len;
	if (pos >= len) return 1;
	__u32 b = s->msg[pos & (MSG_MAX - 1)];
	if ((b & 0xc0) == 0xc0) {
		if (pos + 1 >= len) return 1;
		__u32 target = ((b & 0x3f) << 8) | s->msg[(pos + 1) & (MSG_MAX - 1)];
		if (r->after < 0) r->after = pos + 2;
		if (++r->pointers > 16) return 1;
		if (target < 12 || target >= r->lowest) return 1;
		r->pos = r->lowest = target;
		return 0;
	}
	if (b & 0xc0) return 1;
	__u32 nl = r->nl;
	if (b == 0) {
		s->name[nl & NAME_MAX] = 0;
		s->name_len = nl + 1;
		s->label_count = r->lc;
		r->result = r->after >= 0 ? r->after : (int)(pos + 1);
		return 1;
	}
	if (pos + 1 + b > len) return 1;
	if (nl + 1 + b + 1 > NAME_MAX) return 1;
	s->starts[r->lc & 127] = nl;
	r->lc++;
	s->name[nl & NAME_MAX] = b;
	nl++;
	pos++;
	copy_label(s, pos, nl, b);
	r->nl = nl + b;
	r->pos = pos + b;
	return 0;
}

static __always_inline int read_name(struct scratch *s, __u32 len, __u32 off) {
	struct rn r = {.len = len, .pos = off, .lowest = off, .after = -1, .result = -1};
	// A name has at most 127 labels and 16 pointers, then the root.
	for (int i = 0; i < 128 + 16 + 1; i++)
		if (rn_step(s, &r)) break;
	return r.result;
}

static __always_inline int label_start(struct scratch *s, __u32 at) {
	for (__u32 i = 0; i < 128; i++) {
		if (i >= s->label_count) return 0;
		if (s->starts[i] == at) return 1;
	}
	return 0;
}

// blocklist.ts: a listed name blocks itself and every name below it.
static __always_inline int suffix_blocked(struct scratch *s, const char *e, __u32 elen) {
	__u32 nl = s->name_len;
	if (elen > nl) return 0;
	__u32 at = nl - elen;
	for (__u32 i = 0; i < elen; i++)
		if (s->name[(at + i) & NAME_MAX] != (__u8)e[i]) return 0;
	return label_start(s, at);
}

__noinline int name_blocked(struct scratch *s) {
	if (!s) return 0;
	if (suffix_blocked(s, "\x03" "ads" "\x07" "example" "\x03" "com", 17)) return 1;
	if (suffix_blocked(s, "\x07" "example" "\x03" "net", 13)) return 1;
	if (suffix_blocked(s, "\x0b" "doubleclick" "\x04" "test", 18)) return 1;
	if (suffix_blocked(s, "\x07" "malware" "\x07" "invalid", 17)) return 1;
	return 0;
}

static __always_inline int drop_as(__u32 c) { counter_add(c); return XDP_DROP; }

SEC("xdp")
int dns_guard(struct xdp_md *ctx) {
	struct pkt k;
	parse_l4(ctx, &k);
	if (k.l4kind != L4_UDP) return XDP_PASS;
	__u8 *u = at(ctx, k.l4off, 8);
	if (!u || be16(u + 2) != 53) return XDP_PASS;
	if (k.frag) return drop_as(3);
	__u32 len = k.pay_len;
	if (len < 12) return drop_as(2);
	if (len > MSG_MAX - 1) return drop_as(2);  // cannot happen in an Ethernet frame
	__u32 zero = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s) return XDP_ABORTED;
	if (bpf_xdp_load_bytes(ctx, k.pay_off, s->msg, len)) return drop_as(2);
	__u16 flags = be16(s->msg + 2);
	if ((flags & 0x8000) || ((flags >> 11) & 0xf)) return XDP_PASS;
	__u32 q = be16(s->msg + 4);
	if (q == 0 || q > 4) return drop_as(2);
	__u32 off = 12;
	for (__u32 i = 0; i < 4; i++) {
		if (i >= q) break;
		int end = read_name(s, len, off);
		if (end < 0) return drop_as(2);
		if ((__u32)end + 4 > len) return drop_as(2);
		__u32 qtype = ((__u32)s->msg[end & (MSG_MAX - 1)] << 8) | s->msg[(end + 1) & (MSG_MAX - 1)];
		if (qtype == 255) return drop_as(1);
		if (name_blocked(s)) return drop_as(0);
		off = end + 4;
	}
	counter_add(4);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
