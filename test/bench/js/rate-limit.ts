// examples/rate-limit in plain JavaScript: a token bucket per source in a Map
// used as an LRU (delete + set moves a key to the end; the first key is the
// least recently seen), 65536 sources, nano-token arithmetic, the batch time
// passed in as the wasm handler gets it. Keys are strings (the 16-byte source
// as latin1), the usual way to key a Map by bytes in JavaScript.
import { DROP, L3_IPV4, L3_IPV6, PASS, parseL3, pkt } from './packet.js';

const MAX_SOURCES = 65536, NS = 1e9;
export const config = { rate: 0, burst: 0 };
export const stats = new Float64Array(4);
const buckets = new Map<string, { tokens: number; last: number }>();

export function resetRateLimit(): void { buckets.clear(); stats.fill(0); }

export function rateLimit(b: Uint8Array, o: number, len: number, now: number): number {
  parseL3(b, o, len);
  const ip = o + pkt.l3off;
  let key: string;
  if (pkt.l3kind === L3_IPV4) key = '\0\0\0\0\0\0\0\0\0\0\xff\xff' + String.fromCharCode(b[ip + 12], b[ip + 13], b[ip + 14], b[ip + 15]);
  else if (pkt.l3kind === L3_IPV6) key = Buffer.prototype.latin1Slice.call(b, ip + 8, ip + 24);
  else { stats[2]++; return PASS; }
  const rate = config.rate || 100, burst = config.burst || 200, full = burst * NS;
  const bk = buckets.get(key);
  if (!bk) {
    if (buckets.size >= MAX_SOURCES) buckets.delete(buckets.keys().next().value!);
    buckets.set(key, { tokens: full - NS, last: now });
    stats[3]++; stats[0]++;
    return PASS;
  }
  buckets.delete(key); buckets.set(key, bk);
  let tokens = bk.tokens;
  const elapsed = now > bk.last ? now - bk.last : 0;
  if (elapsed >= full / rate) tokens = full;
  else tokens = Math.min(full, tokens + elapsed * rate);
  if (now > bk.last) bk.last = now;
  if (tokens >= NS) { bk.tokens = tokens - NS; stats[0]++; return PASS; }
  bk.tokens = tokens; stats[1]++;
  return DROP;
}
