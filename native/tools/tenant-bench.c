// tenant-bench: the XDP program's own cost per frame with and without tenant
// classification, measured by the kernel (BPF_PROG_TEST_RUN, repeat N,
// average ns per run). An AF_XDP socket on `lo` fills the XSKMAP so the
// program takes its real path (classify, quota, metadata, redirect verdict).
// Run inside a network namespace of its own (native/tools/tenant-bench.sh does).
//   tenant-bench <wasmxdp_kern.o> <rules: 0|N> <repeat> [quota]
// rules N installs N tenants, each with an IPv4 /16 and an IPv6 /48 prefix, the
// IPv6 one combined with udp + dport 53, plus one VLAN rule; the frames probe a
// matching IPv4, a matching IPv6, a VLAN 300 tagged and an unmatched IPv4 destination. `quota`
// gives every tenant (0 included) a bucket it never exhausts (1e9 pps), to
// price the compare-and-swap.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xdp/xsk.h>

#include "../bpf/tenant.h"

static int fail(const char *what, int err) {
	fprintf(stderr, "tenant-bench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	return 1;
}

static int map_fd(struct bpf_object *o, const char *name) {
	struct bpf_map *m = bpf_object__find_map_by_name(o, name);
	return m ? bpf_map__fd(m) : -1;
}

static size_t frame(unsigned char *f, int v6, unsigned char a, unsigned char b) {
	memset(f, 0, 128);
	memset(f, 0x02, 12);
	if (!v6) {
		f[12] = 0x08; f[13] = 0x00;
		unsigned char *ip = f + 14;
		ip[0] = 0x45; ip[3] = 46; ip[8] = 64; ip[9] = 17;
		ip[12] = 10; ip[15] = 2;
		ip[16] = a; ip[17] = b; ip[18] = 0; ip[19] = 1;
		ip[22] = 0x0f; ip[23] = 0xa0; ip[25] = 53; ip[27] = 26; /* udp 4000 -> 53 */
		return 14 + 46;
	}
	f[12] = 0x86; f[13] = 0xdd;
	unsigned char *ip = f + 14;
	ip[0] = 0x60; ip[5] = 18; ip[6] = 17; ip[7] = 64;
	ip[8] = 0x20; ip[9] = 0x01; ip[10] = 0x0d; ip[11] = 0xb8; ip[23] = 2;
	ip[24] = 0x20; ip[25] = 0x01; ip[26] = 0x0d; ip[27] = 0xb8; ip[28] = a; ip[29] = b; ip[39] = 1;
	ip[42] = 0x0f; ip[43] = 0xa0; ip[45] = 53; ip[47] = 18;
	return 14 + 40 + 18;
}

int main(int argc, char **argv) {
	if (argc < 4) {
		fprintf(stderr, "usage: tenant-bench <obj> <rules> <repeat>\n");
		return 2;
	}
	int nrules = atoi(argv[2]), repeat = atoi(argv[3]);
	if (nrules * 2 + 1 > WX_TENANT_RULES_MAX || nrules >= WX_TENANT_MAX) return fail("too many rules", EINVAL);
	struct bpf_object *o = bpf_object__open_file(argv[1], NULL);
	if (!o || bpf_object__load(o)) return fail("load", errno);
	struct bpf_program *p = bpf_object__find_program_by_name(o, "wasmxdp_steer");
	int prog = p ? bpf_program__fd(p) : -1;
	if (prog < 0) return fail("no wasmxdp_steer", ENOENT);

	/* A real socket in the XSKMAP, so the program redirects as it does live. */
	size_t usize = 64 * 2048;
	void *area = mmap(NULL, usize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct xsk_umem *umem;
	struct xsk_ring_prod fq, tx;
	struct xsk_ring_cons cq, rx;
	int err = xsk_umem__create(&umem, area, usize, &fq, &cq, NULL);
	if (err) return fail("umem", err);
	struct xsk_socket_config sc = {.rx_size = 64, .tx_size = 64,
				       .libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
				       .xdp_flags = XDP_FLAGS_SKB_MODE, .bind_flags = XDP_COPY};
	struct xsk_socket *xsk;
	err = xsk_socket__create(&xsk, "lo", 0, umem, &rx, &tx, &sc);
	if (err) return fail("xsk on lo", err);
	int xfd = xsk_socket__fd(xsk);
	__u32 zero = 0;
	if (bpf_map_update_elem(map_fd(o, "xsks"), &zero, &xfd, BPF_ANY)) return fail("xskmap", errno);

	int rules = map_fd(o, "wx_t_rules");
	if (nrules && rules < 0) return fail("object has no tenant maps", ENOENT);
	if (nrules) {
		/* tenant t: rule 2(t-1) = dst 10.t.0.0/16; rule 2(t-1)+1 = dst 2001:db8:t::/48 udp 53; last: vlan 300. */
		int v4 = map_fd(o, "wx_t_v4_0"), v6 = map_fd(o, "wx_t_v6_0"), bank = map_fd(o, "wx_t_bank");
		for (int t = 1; t <= nrules; t++) {
			__u32 id4 = 2 * (t - 1), id6 = id4 + 1;
			struct wx_tenant_rule r4 = {.tenant = t}, r6 = {.tenant = t, .proto = 17, .dport_lo = 53, .dport_hi = 53,
									.flags = WX_RF_PROTO | WX_RF_DPORT};
			struct wx_tenant_cands c;
			memset(&c, 0, sizeof c);
			struct wx_lpm4_key k4 = {16, {10, (unsigned char)t, 0, 0}};
			struct wx_lpm6_key k6 = {48, {0x20, 0x01, 0x0d, 0xb8, 0, (unsigned char)t}};
			if (bpf_map_update_elem(rules, &id4, &r4, 0) || bpf_map_update_elem(rules, &id6, &r6, 0)) return fail("rule", errno);
			c.id[0] = id4 + 1;
			if (bpf_map_update_elem(v4, &k4, &c, 0)) return fail("v4", errno);
			c.id[0] = id6 + 1;
			if (bpf_map_update_elem(v6, &k6, &c, 0)) return fail("v6", errno);
		}
		__u32 vid = 2 * nrules, vkey = 300;
		struct wx_tenant_rule rv = {.tenant = 1, .vlan = 300, .flags = WX_RF_VLAN};
		if (bpf_map_update_elem(rules, &vid, &rv, 0)) return fail("vlan rule", errno);
		struct wx_tenant_cands vc;
		memset(&vc, 0, sizeof vc);
		vc.id[0] = vid + 1;
		if (bpf_map_update_elem(map_fd(o, "wx_t_vlan"), &vkey, &vc, 0)) return fail("vlan list", errno);
		struct wx_tenant_bank b;
		memset(&b, 0, sizeof b);
		b.nrules = vid + 1;
		if (bpf_map_update_elem(bank, &zero, &b, 0)) return fail("bank", errno);
	}

	if (argc > 4) {
		int q = map_fd(o, "wx_t_quota");
		if (q < 0) return fail("object has no quota map", ENOENT);
		for (__u32 t = 0; t <= (__u32)nrules; t++) {
			struct wx_tenant_bucket b = {.interval_ns = 1, .tau_ns = 1000000000ULL};
			if (bpf_map_update_elem(q, &t, &b, 0)) return fail("quota", errno);
		}
	}

	struct { const char *name; int v6; unsigned char a, b; int vlan; } probes[] = {
		{"ipv4 matched", 0, 10, (unsigned char)(nrules ? nrules : 1), 0},
		{"ipv6 matched", 1, 0, (unsigned char)(nrules ? nrules : 1), 0},
		{"vlan 300 matched", 0, 192, 168, 300},
		{"ipv4 unmatched", 0, 192, 168, 0},
	};
	for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
		unsigned char f[256];
		size_t len = frame(f, probes[i].v6, probes[i].a, probes[i].b);
		if (probes[i].vlan) { /* insert an 802.1Q tag after the MAC addresses */
			memmove(f + 16, f + 12, len - 12);
			f[12] = 0x81; f[13] = 0x00; f[14] = probes[i].vlan >> 8; f[15] = probes[i].vlan & 0xff;
			len += 4;
		}
		LIBBPF_OPTS(bpf_test_run_opts, o2, .data_in = f, .data_size_in = len, .repeat = repeat);
		if (bpf_prog_test_run_opts(prog, &o2)) return fail("test_run", errno);
		printf("%s: %u ns/frame (verdict %u)\n", probes[i].name, o2.duration, o2.retval);
	}
	xsk_socket__delete(xsk);
	xsk_umem__delete(umem);
	bpf_object__close(o);
	return 0;
}
