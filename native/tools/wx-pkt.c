// wx-pkt: test helper that sends and captures raw Ethernet frames with an
// AF_PACKET socket. Run inside a network namespace the test created.
//   wx-pkt send <ifname> <count> <seq-offset|-1> <gap-us> <hex-frame>...
//       sends <count> frames cycling through the given frames (up to 256); when seq-offset
//       >= 0 a big-endian u32 sequence number (0, 1, ...) is written there.
//   wx-pkt recv <ifname> <max> <timeout-ms> [ethertype-hex]
//       prints "ready" on stderr once bound, then one hex line per incoming
//       frame (outgoing ones are ignored) until <max> frames or the timeout.
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int die(const char *what) {
	fprintf(stderr, "wx-pkt: %s: %s\n", what, strerror(errno));
	return 1;
}

static int open_sock(const char *ifname, int proto, struct sockaddr_ll *sll) {
	int fd = socket(AF_PACKET, SOCK_RAW, htons(proto));
	if (fd < 0) return -1;
	memset(sll, 0, sizeof(*sll));
	sll->sll_family = AF_PACKET;
	sll->sll_protocol = htons(proto);
	sll->sll_ifindex = if_nametoindex(ifname);
	if (!sll->sll_ifindex || bind(fd, (struct sockaddr *)sll, sizeof(*sll))) return -1;
	return fd;
}

static size_t unhex(const char *s, uint8_t *out, size_t cap) {
	size_t n = 0;
	for (; s[0] && s[1] && n < cap; s += 2) {
		unsigned v;
		if (sscanf(s, "%2x", &v) != 1) break;
		out[n++] = (uint8_t)v;
	}
	return n;
}

static long now_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int main(int argc, char **argv) {
	static uint8_t frames[256][2048];
	static size_t lens[256];
	struct sockaddr_ll sll;

	if (argc >= 7 && !strcmp(argv[1], "send")) {
		long count = atol(argv[3]);
		int seq_off = atoi(argv[4]);
		int gap_us = atoi(argv[5]);
		int nf = argc - 6 > 256 ? 256 : argc - 6;
		for (int i = 0; i < nf; i++) lens[i] = unhex(argv[6 + i], frames[i], sizeof(frames[i]));
		int fd = open_sock(argv[2], 0, &sll);
		if (fd < 0) return die("socket");
		long sent = 0;
		for (long i = 0; i < count; i++) {
			uint8_t *f = frames[i % nf];
			size_t len = lens[i % nf];
			if (seq_off >= 0 && (size_t)seq_off + 4 <= len) {
				uint32_t be = htonl((uint32_t)i);
				memcpy(f + seq_off, &be, 4);
			}
			while (send(fd, f, len, 0) < 0) {
				if (errno != ENOBUFS && errno != EAGAIN) return die("send");
				usleep(50);
			}
			sent++;
			if (gap_us) usleep(gap_us);
		}
		printf("%ld\n", sent);
		return 0;
	}
	if (argc >= 5 && !strcmp(argv[1], "recv")) {
		long max = atol(argv[3]);
		long deadline = now_ms() + atol(argv[4]);
		int proto = argc >= 6 ? (int)strtol(argv[5], NULL, 16) : ETH_P_ALL;
		int fd = open_sock(argv[2], proto, &sll);
		if (fd < 0) return die("socket");
		fprintf(stderr, "ready\n");
		long got = 0;
		uint8_t buf[4096];
		while (got < max) {
			long left = deadline - now_ms();
			if (left <= 0) break;
			struct pollfd p = {fd, POLLIN, 0};
			if (poll(&p, 1, (int)left) <= 0) continue;
			struct sockaddr_ll from;
			socklen_t fl = sizeof(from);
			ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
			if (n < 0) return die("recv");
			if (from.sll_pkttype == PACKET_OUTGOING) continue;
			for (ssize_t i = 0; i < n; i++) printf("%02x", buf[i]);
			printf("\n");
			fflush(stdout);
			got++;
		}
		return 0;
	}
	fprintf(stderr, "usage: wx-pkt send <if> <count> <seq-off> <gap-us> <hex>... | recv <if> <max> <timeout-ms> [ethertype]\n");
	return 2;
}
