#!/bin/sh
# The XDP program's cost per frame, measured by the kernel (BPF_PROG_TEST_RUN):
# without the tenant section (built here with -DWASMXDP_NO_TENANTS), with it
# but no rules, with N tenants' rules, and with rules plus quotas.
#   sh native/tools/tenant-bench.sh [tenants=64] [repeat=1000000]
set -e
here=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-64}; rep=${2:-1000000}
tmp=$(mktemp -d); ns=wxt-$$-tbench
trap 'ip netns del $ns 2>/dev/null; rm -rf "$tmp"' EXIT
clang -O2 -g -target bpf -DWASMXDP_NO_TENANTS -I/usr/include/$(gcc -dumpmachine) -c "$here/bpf/wasmxdp_kern.c" -o "$tmp/base.o"
ip netns add $ns
ip -n $ns link set lo up
run() { echo "== $1"; shift; ip netns exec $ns "$here/build/tools/tenant-bench" "$@"; }
run "no tenant section (baseline)" "$tmp/base.o" 0 "$rep"
run "tenant section, no rules" "$here/build/bpf/wasmxdp_kern.o" 0 "$rep"
run "$n tenants' rules ($((2 * n + 1)) rules)" "$here/build/bpf/wasmxdp_kern.o" "$n" "$rep"
run "$n tenants' rules + quotas" "$here/build/bpf/wasmxdp_kern.o" "$n" "$rep" quota
