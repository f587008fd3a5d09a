#!/bin/sh
# Packets per second on a veth pair: trafgen floods one end (in a namespace of
# its own), the receiver (xsk-drop or node-xsk.mjs) runs on the other end (in
# another). Everything is created with unique names and deleted on exit.
#   sh native/tools/veth-bench.sh c|node drop|reflect skb|drv [seconds]
set -eu
impl=${1:-c}; what=${2:-drop}; mode=${3:-skb}; secs=${4:-5}
here=$(cd "$(dirname "$0")/../.." && pwd)
id=$$-$(od -An -N2 -tx2 /dev/urandom | tr -d ' ')
rx=wxt-$id-rx; tx=wxt-$id-tx; a=wxb${id##*-}a; b=wxb${id##*-}b
cleanup() { kill "$tg" 2>/dev/null || true; rm -f "$cfg"; ip netns del "$rx" 2>/dev/null || true; ip netns del "$tx" 2>/dev/null || true; }
tg=; cfg=; trap cleanup EXIT INT TERM
ip netns add "$rx"; ip netns add "$tx"
ip link add "$a" netns "$rx" type veth peer name "$b" netns "$tx"
for ns in "$rx" "$tx"; do ip netns exec "$ns" sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6; echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6'; done
ip -n "$rx" link set "$a" up; ip -n "$tx" link set "$b" up
dmac=$(ip -n "$rx" -j link show "$a" | sed 's/.*"address":"\([^"]*\)".*/\1/')
# 60-byte UDP frame to the receiver's MAC.
frame=$(echo "$dmac" | tr -d :)02000000000108004500002e00000000401100000a0000020a0000011388000900120000$(printf '41%.0s' $(seq 18))
flags=""; [ "$mode" = drv ] && flags="--drv"; [ "$what" = reflect ] && flags="$flags --reflect"
cfg=$(mktemp); echo "{ $(echo "$frame" | sed 's/\(..\)/0x\1, /g; s/, $//') }" > "$cfg"
# Bounded in count and time; --no-sock-mem: leave socket memory sysctls alone.
ip netns exec "$tx" timeout $((secs + 3)) trafgen --no-sock-mem -q --cpus 1 -n 100000000 -i "$cfg" -o "$b" >/dev/null 2>&1 & tg=$!
if [ "$impl" = c ]; then
  ip netns exec "$rx" timeout $((secs + 5)) "$here/native/build/tools/xsk-drop" "$a" --seconds "$secs" $flags
else
  ip netns exec "$rx" timeout $((secs + 5)) node "$here/native/tools/node-xsk.mjs" "$a" --seconds "$secs" $flags
fi
