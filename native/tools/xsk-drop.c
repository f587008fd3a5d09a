// xsk-drop: minimal AF_XDP reference in plain C, for comparing wasmxdp with.
// Receives on one (interface, queue) and drops, or with --reflect swaps the
// MAC addresses and sends each frame back out. Uses wasmxdp's XDP object.
//   xsk-drop <ifname> [--queue N] [--reflect] [--drv] [--seconds N] [--bpf path]
// Prints packets received per second and a final "total <n> pps <rate>".
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <libgen.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <xdp/xsk.h>

#define FRAMES 8192  // as wasmxdp: a UMEM of 8192 frames, an RX ring of 4096
#define FRAME_SIZE 2048
#define BURST 64

static double now_s(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int fail(const char *what, int err) {
	fprintf(stderr, "xsk-drop: %s: %s\n", what, strerror(err < 0 ? -err : err));
	return 1;
}

int main(int argc, char **argv) {
	const char *ifname = NULL, *bpf_path = NULL;
	int queue = 0, reflect = 0, drv = 0;
	double seconds = 10;
	char defpath[4096];
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--queue") && i + 1 < argc) queue = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--reflect")) reflect = 1;
		else if (!strcmp(argv[i], "--drv")) drv = 1;
		else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) seconds = atof(argv[++i]);
		else if (!strcmp(argv[i], "--bpf") && i + 1 < argc) bpf_path = argv[++i];
		else ifname = argv[i];
	}
	if (!ifname) {
		fprintf(stderr, "usage: xsk-drop <ifname> [--queue N] [--reflect] [--drv] [--seconds N] [--bpf obj]\n");
		return 2;
	}
	if (!bpf_path) {  // <native>/build/tools/xsk-drop -> <native>/build/bpf/wasmxdp_kern.o
		char exe[4096];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		exe[n > 0 ? n : 0] = 0;
		snprintf(defpath, sizeof(defpath), "%s/../bpf/wasmxdp_kern.o", dirname(exe));
		bpf_path = defpath;
	}
	int ifindex = if_nametoindex(ifname);
	if (!ifindex) return fail(ifname, errno);

	void *area;
	if (posix_memalign(&area, 4096, (size_t)FRAMES * FRAME_SIZE)) return fail("alloc", ENOMEM);
	struct xsk_umem *umem;
	struct xsk_ring_prod fill, tx;
	struct xsk_ring_cons comp, rx;
	struct xsk_umem_config ucfg = {.fill_size = FRAMES, .comp_size = FRAMES, .frame_size = FRAME_SIZE};
	int err = xsk_umem__create(&umem, area, (size_t)FRAMES * FRAME_SIZE, &fill, &comp, &ucfg);
	if (err) return fail("xsk_umem__create", err);

	struct bpf_object *obj = bpf_object__open_file(bpf_path, NULL);
	if (!obj || libbpf_get_error(obj)) return fail(bpf_path, ENOENT);
	if ((err = bpf_object__load(obj))) return fail("bpf_object__load", err);
	int prog = bpf_program__fd(bpf_object__find_program_by_name(obj, "wasmxdp_steer"));
	int xsks = bpf_map__fd(bpf_object__find_map_by_name(obj, "xsks"));
	LIBBPF_OPTS(bpf_link_create_opts, lo, .flags = drv ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE);
	int link = bpf_link_create(prog, ifindex, BPF_XDP, &lo);  // detached when we exit
	if (link < 0) return fail("attach XDP program", errno);

	struct xsk_socket *xsk;
	struct xsk_socket_config scfg = {.rx_size = 4096, .tx_size = 2048,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD, .bind_flags = XDP_USE_NEED_WAKEUP};
	if ((err = xsk_socket__create(&xsk, ifname, queue, umem, &rx, &tx, &scfg))) return fail("xsk_socket__create", err);
	int fd = xsk_socket__fd(xsk);
	__u32 q = queue;
	if (bpf_map_update_elem(xsks, &q, &fd, BPF_ANY)) return fail("xskmap", errno);

	__u32 idx;
	xsk_ring_prod__reserve(&fill, FRAMES, &idx);
	for (int i = 0; i < FRAMES; i++) *xsk_ring_prod__fill_addr(&fill, idx + i) = (__u64)i * FRAME_SIZE;
	xsk_ring_prod__submit(&fill, FRAMES);

	unsigned long total = 0, last = 0;
	double start = now_s(), tick = start;
	struct pollfd pfd = {fd, POLLIN, 0};
	while (now_s() - start < seconds) {
		__u32 ri;
		unsigned n = xsk_ring_cons__peek(&rx, BURST, &ri);
		if (!n) {
			poll(&pfd, 1, 100);
		} else if (reflect) {
			__u32 ti;
			while (xsk_ring_prod__reserve(&tx, n, &ti) != n) sendto(fd, NULL, 0, MSG_DONTWAIT, NULL, 0);
			for (unsigned i = 0; i < n; i++) {
				const struct xdp_desc *d = xsk_ring_cons__rx_desc(&rx, ri + i);
				unsigned char *p = xsk_umem__get_data(area, d->addr), mac[6];
				memcpy(mac, p, 6);
				memcpy(p, p + 6, 6);
				memcpy(p + 6, mac, 6);
				struct xdp_desc *t = xsk_ring_prod__tx_desc(&tx, ti + i);
				t->addr = d->addr;
				t->len = d->len;
				t->options = 0;
			}
			xsk_ring_cons__release(&rx, n);
			xsk_ring_prod__submit(&tx, n);
			for (int k = 0; k < 64 && *tx.producer != *tx.consumer; k++) sendto(fd, NULL, 0, MSG_DONTWAIT, NULL, 0);
		} else {
			__u32 fi;
			while (xsk_ring_prod__reserve(&fill, n, &fi) != n) ;
			for (unsigned i = 0; i < n; i++)
				*xsk_ring_prod__fill_addr(&fill, fi + i) = xsk_ring_cons__rx_desc(&rx, ri + i)->addr & ~(__u64)(FRAME_SIZE - 1);
			xsk_ring_cons__release(&rx, n);
			xsk_ring_prod__submit(&fill, n);
		}
		total += n;
		if (reflect) {  // completed TX frames go back to the fill ring
			__u32 ci, fi;
			unsigned c = xsk_ring_cons__peek(&comp, FRAMES, &ci);
			if (c && xsk_ring_prod__reserve(&fill, c, &fi) == c) {
				for (unsigned i = 0; i < c; i++)
					*xsk_ring_prod__fill_addr(&fill, fi + i) = *xsk_ring_cons__comp_addr(&comp, ci + i) & ~(__u64)(FRAME_SIZE - 1);
				xsk_ring_prod__submit(&fill, c);
				xsk_ring_cons__release(&comp, c);
			}
		}
		if (xsk_ring_prod__needs_wakeup(&fill)) recvfrom(fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
		double t = now_s();
		if (t - tick >= 1) {
			printf("rx %lu pps %.0f\n", total, (total - last) / (t - tick));
			fflush(stdout);
			last = total;
			tick = t;
		}
	}
	double el = now_s() - start;
	printf("total %lu pps %.0f\n", total, total / el);
	xsk_socket__delete(xsk);
	close(link);
	xsk_umem__delete(umem);
	bpf_object__close(obj);
	return 0;
}
