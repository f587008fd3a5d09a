// Rate limiter: a token bucket per source address. Each IPv4 or IPv6 source
// gets `burst` packets at once and `rate` packets per second after that;
// packets over the rate are dropped, everything else passes. Buckets live in
// an LRU map (the least recently seen sources make room for new ones), rate
// and burst in an array map the control plane can change at run time.

import {
  ArrayMap, CounterMap, LruHashMap, Packet, Verdict, DROP, PASS, now,
} from "wasmxdp";

/** Buckets kept; beyond this the least recently seen sources are forgotten. */
const MAX_SOURCES: u32 = 65536;
const DEFAULT_RATE: u64 = 100; // packets per second
const DEFAULT_BURST: u64 = 200; // packets
const NS: u64 = 1_000_000_000;

// Bucket: tokens in nano-tokens (1 packet = 1e9) so that refill is an exact
// integer product elapsed_ns * rate, and the batch time of the last refill.
const TOKENS: usize = 0;
const LAST: usize = 8;

/** Key: the source as 16 bytes, IPv4 as ::ffff:a.b.c.d (the control plane's 'ip' field). */
const buckets = LruHashMap.declare("rl_buckets", 16, 16, MAX_SOURCES);
/** Index 0: {rate u32 packets/s, burst u32 packets}; 0 means the default. */
const config = ArrayMap.declare("rl_config", 8, 1);
/** 0 passed, 1 dropped, 2 not IP (not limited), 3 new sources. */
const stats = CounterMap.declare("rl_stats", 4);
export const STAT_PASSED: u32 = 0;
export const STAT_DROPPED: u32 = 1;
export const STAT_NOT_IP: u32 = 2;
export const STAT_NEW_SOURCE: u32 = 3;

const key = memory.data(16, 8);
const fresh = memory.data(16, 8);

export function handle(pkt: Packet): Verdict {
  const slot = <u32>pkt.queue;
  const v4 = pkt.ipv4();
  if (v4) {
    store<u64>(key, 0);
    store<u32>(key, 0xffff0000, 8); // bytes 8..11 = 00 00 ff ff
    store<u32>(key, load<u32>(v4.srcPtr), 12);
  } else {
    const v6 = pkt.ipv6();
    if (!v6) { stats.add(STAT_NOT_IP, 1, slot); return PASS; }
    memory.copy(key, v6.srcPtr, 16);
  }

  const cfg = config.at(0);
  let rate = <u64>load<u32>(cfg);
  let burst = <u64>load<u32>(cfg, 4);
  if (rate == 0) rate = DEFAULT_RATE;
  if (burst == 0) burst = DEFAULT_BURST;
  const full = burst * NS;
  const t = now();

  const b = buckets.lookup(key);
  if (!b) {
    // A new source starts with a full bucket and spends one token now.
    store<u64>(fresh, full - NS, TOKENS);
    store<u64>(fresh, t, LAST);
    buckets.update(key, fresh);
    stats.add(STAT_NEW_SOURCE, 1, slot);
    stats.add(STAT_PASSED, 1, slot);
    return PASS;
  }

  let tokens = load<u64>(b, TOKENS);
  const last = load<u64>(b, LAST);
  const elapsed = t > last ? t - last : 0;
  // elapsed * rate cannot overflow below full / rate; at or above it the bucket is full.
  if (elapsed >= full / rate) tokens = full;
  else {
    tokens += elapsed * rate;
    if (tokens > full) tokens = full;
  }
  if (t > last) store<u64>(b, t, LAST);
  if (tokens >= NS) {
    store<u64>(b, tokens - NS, TOKENS);
    stats.add(STAT_PASSED, 1, slot);
    return PASS;
  }
  store<u64>(b, tokens, TOKENS);
  stats.add(STAT_DROPPED, 1, slot);
  return DROP;
}
