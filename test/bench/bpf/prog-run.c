// prog-run: runs an XDP program of a BPF object through BPF_PROG_RUN (the
// kernel's JIT, no device) on a list of frames, and prints the mean ns per
// frame. Used by test/bench/ebpf.ts.
//   prog-run <obj> <prog> <frames-file> <runs> <rounds> [<map> <value-file>]
// frames-file: records of u32 little-endian length + bytes.
// Each round runs every frame `runs` times, one BPF_PROG_RUN each with
// repeat=1, then the same with an empty program (returns XDP_PASS), and prints
//   round <i> ns_per_frame <mean> empty_ns <mean> verdicts <aborted> <drop> <pass> <tx> <redirect>
// The kernel times the run itself (no syscall entry); empty_ns is that timing's
// own cost (timer reads, bottom-half toggling, the call), to subtract.
// Why repeat=1: with repeat > 1 the kernel installs the program into the XDP
// dispatcher and removes it again, waiting for an RCU grace period each time
// (milliseconds per call here); and a repeat loop keeps running on the bytes
// the program rewrote, where each repetition here starts from the frame as
// given.
// With <map> <value-file>, the file's bytes are written to key 0 of the map
// before running (firewall rules).
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>

static int fail(const char *what) {
	fprintf(stderr, "prog-run: %s: %s\n", what, strerror(errno));
	return 1;
}

static unsigned char *slurp(const char *path, size_t *n) {
	FILE *f = fopen(path, "rb");
	if (!f) return NULL;
	fseek(f, 0, SEEK_END);
	*n = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *b = malloc(*n ? *n : 1);
	if (b && fread(b, 1, *n, f) != *n) { free(b); b = NULL; }
	fclose(f);
	return b;
}

// Empty XDP program: return XDP_PASS.
static int empty_prog(void) {
	struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS},
		{.code = BPF_JMP | BPF_EXIT},
	};
	return bpf_prog_load(BPF_PROG_TYPE_XDP, "empty", "GPL", insns, 2, NULL);
}

static int run(int fd, const unsigned char *d, unsigned len, int repeat, unsigned char *out, __u32 *dur, __u32 *ret) {
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = d, .data_size_in = len, .data_out = out,
		.data_size_out = 4096, .repeat = repeat);
	if (bpf_prog_test_run_opts(fd, &o)) return -1;
	*dur = o.duration;
	*ret = o.retval;
	return (int)o.data_size_out;
}

int main(int argc, char **argv) {
	if (argc != 6 && argc != 8) {
		fprintf(stderr, "usage: prog-run <obj> <prog> <frames-file> <runs> <rounds> [<map> <value-file>]\n");
		return 2;
	}
	int repeat = atoi(argv[4]), rounds = atoi(argv[5]);
	if (!getenv("PROG_RUN_VERBOSE")) libbpf_set_print(NULL);
	struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || libbpf_get_error(obj)) return fail(argv[1]);
	if (bpf_object__load(obj)) return fail("load (verifier)");
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, argv[2]);
	if (!prog) { errno = ENOENT; return fail(argv[2]); }
	int fd = bpf_program__fd(prog), empty = empty_prog();
	if (empty < 0) return fail("empty program");
	if (argc == 8) {
		struct bpf_map *m = bpf_object__find_map_by_name(obj, argv[6]);
		size_t vn;
		unsigned char *v = slurp(argv[7], &vn);
		if (!m || !v) return fail(argv[6]);
		if (vn != bpf_map__value_size(m)) { errno = EINVAL; return fail("value size"); }
		__u32 zero = 0;
		if (bpf_map_update_elem(bpf_map__fd(m), &zero, v, BPF_ANY)) return fail("map update");
	}
	size_t n;
	unsigned char *buf = slurp(argv[3], &n);
	if (!buf) return fail(argv[3]);
	unsigned count = 0;
	for (size_t o = 0; o + 4 <= n; o += 4 + *(__u32 *)(buf + o)) count++;
	unsigned char **frames = calloc(count, sizeof(*frames));
	unsigned *lens = calloc(count, sizeof(*lens));
	unsigned char out[4096];
	size_t o = 0;
	for (unsigned i = 0; i < count; i++) {
		lens[i] = *(__u32 *)(buf + o);
		frames[i] = buf + o + 4;
		o += 4 + lens[i];
	}
	for (int r = 0; r < rounds; r++) {
		double total = 0, empty_total = 0;
		unsigned long verdicts[5] = {0};
		for (int pass = 0; pass < 2; pass++) {
			int pfd = pass == 0 ? fd : empty;
			for (unsigned i = 0; i < count; i++) {
				__u32 dur, ret = 0;
				for (int k = 0; k < repeat; k++) {
					if (run(pfd, frames[i], lens[i], 1, out, &dur, &ret) < 0) return fail("BPF_PROG_RUN");
					if (pass == 0) total += dur; else empty_total += dur;
				}
				if (pass == 0 && ret < 5) verdicts[ret]++;
			}
		}
		printf("round %d ns_per_frame %.3f empty_ns %.3f verdicts %lu %lu %lu %lu %lu\n", r,
			total / count / repeat, empty_total / count / repeat,
			verdicts[0], verdicts[1], verdicts[2], verdicts[3], verdicts[4]);
		fflush(stdout);
	}
	printf("frames %u\n", count);
	return 0;
}
