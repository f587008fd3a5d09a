import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PROJECT_ROOT } from '../../host/compile.js';
import { MapsRegion } from '../../host/maps/region.js';
import { encodeFields } from '../../host/maps/schema.js';
import { Sandbox } from '../../host/sandbox.js';
import { assertAllocationFree, bundledFrames } from '../helpers/allocation.js';
import { guestModule } from '../helpers/guest.js';
import { arp, eth, ipv4, ipv6, runHandler, udp } from '../../pipeline/testing/index.js';

const test = suite('examples/rate-limit');
const SEC = 1_000_000_000n;
const DROP = 1, PASS = 2;
let module: WebAssembly.Module;

test.before(async () => {
  module = await guestModule(path.join(PROJECT_ROOT, 'examples/rate-limit'));
});

const v4 = (src: string) => eth({}, ipv4({ src, dst: '192.0.2.1' }, udp({ sport: 1000, dport: 53 }, 'x')));
const v6 = (src: string) => eth({}, ipv6({ src, dst: '2001:db8::ffff' }, udp({ sport: 1000, dport: 53 }, 'x')));
const times = (n: number, f: Uint8Array) => new Array<Uint8Array>(n).fill(f);

async function run(sandbox: Sandbox, frames: Uint8Array[], nowNs: bigint): Promise<number[]> {
  const { results } = await runHandler(sandbox, frames, { nowNs });
  return results.map((r) => r.action);
}

const count = (actions: number[], a: number) => actions.filter((x) => x === a).length;
const fresh = () => new Sandbox(module, { log: () => {} });

test('defaults: a burst of 200 per source, then drops; other sources are independent', async () => {
  const sb = fresh();
  const a = await run(sb, times(250, v4('10.0.0.1')), 10n * SEC);
  assert.equal(a.slice(0, 200), new Array(200).fill(PASS));
  assert.equal(a.slice(200), new Array(50).fill(DROP));
  assert.equal(await run(sb, [v4('10.0.0.2'), v6('2001:db8::1'), v4('10.0.0.1')], 10n * SEC), [PASS, PASS, DROP]);
});

test('tokens refill at the rate from the batch time, up to the burst', async () => {
  const sb = fresh();
  await run(sb, times(200, v4('10.0.0.1')), 5n * SEC);
  assert.equal(await run(sb, [v4('10.0.0.1')], 5n * SEC), [DROP]);
  // 100 packets/s: after 0.5 s, 50 tokens.
  const half = await run(sb, times(60, v4('10.0.0.1')), 5n * SEC + SEC / 2n);
  assert.is(count(half, PASS), 50);
  assert.equal(half.slice(50), new Array(10).fill(DROP));
  // 10 ms later: exactly one more token.
  assert.equal(await run(sb, times(2, v4('10.0.0.1')), 5n * SEC + SEC / 2n + 10_000_000n), [PASS, DROP]);
  // An hour later: a full bucket, not more.
  assert.is(count(await run(sb, times(256, v4('10.0.0.1')), 3605n * SEC), PASS), 200);
});

test('IPv4 and IPv6 sources have their own buckets, keyed as the control plane reads them', async () => {
  const sb = fresh();
  await run(sb, [...times(3, v4('198.51.100.7')), ...times(2, v6('2001:db8::7'))], 7n * SEC);
  const buckets = MapsRegion.of(sb.memory).get('rl_buckets').typed({ src: 'ip' }, { tokens: 'u64', last: 'u64' });
  assert.equal(buckets.lookup({ src: '198.51.100.7' }), { tokens: 197n * SEC, last: 7n * SEC });
  assert.equal(buckets.lookup({ src: '2001:db8::7' }), { tokens: 198n * SEC, last: 7n * SEC });
  assert.is(buckets.lookup({ src: '::ffff:198.51.100.8' }), undefined);
});

test('the control plane changes rate and burst at run time; zero means the default again', async () => {
  const sb = fresh();
  const config = MapsRegion.of(sb.memory).get('rl_config').typed({ index: 'u32' }, { rate: 'u32', burst: 'u32' });
  config.update({ index: 0 }, { rate: 10, burst: 5 });
  assert.is(count(await run(sb, times(8, v4('10.1.1.1')), SEC), PASS), 5);
  // 10 packets/s: 0.3 s is 3 tokens.
  assert.is(count(await run(sb, times(8, v4('10.1.1.1')), SEC + 3n * SEC / 10n), PASS), 3);
  config.update({ index: 0 }, { rate: 0, burst: 0 });
  assert.is(count(await run(sb, times(250, v4('10.1.1.2')), 2n * SEC), PASS), 200);
});

test('a tokens-over-burst bucket is cut to a lowered burst', async () => {
  const sb = fresh();
  await run(sb, [v4('10.2.2.2')], SEC); // 199 tokens left
  MapsRegion.of(sb.memory).get('rl_config').update(encodeFields({ i: 'u32' }, { i: 0 }), encodeFields({ r: 'u32', b: 'u32' }, { r: 100, b: 3 }));
  assert.is(count(await run(sb, times(10, v4('10.2.2.2')), SEC + 1n), PASS), 3);
});

test('non-IP frames pass unlimited; statistics count every verdict', async () => {
  const sb = fresh();
  const frames = [...times(5, eth({}, arp({}))), ...times(203, v4('10.3.3.3'))];
  const a = await run(sb, frames, SEC);
  assert.equal(a.slice(0, 5), new Array(5).fill(PASS));
  const stats = MapsRegion.of(sb.memory).get('rl_stats');
  assert.equal([0, 1, 2, 3].map((i) => stats.counter(i).total), [200n, 3n, 5n, 1n]);
});

test('more sources than the map holds: the least recently seen are forgotten, new ones still pass', async () => {
  const sb = fresh();
  const addr = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const buckets = MapsRegion.of(sb.memory).get('rl_buckets');
  const total = 65536 + 1000;
  for (let start = 0; start < total; start += 4096) {
    const frames = Array.from({ length: Math.min(4096, total - start) }, (_, i) => v4(addr(start + i)));
    const a = await run(sb, frames, SEC);
    assert.is(count(a, PASS), frames.length);
  }
  assert.is(buckets.info.count, 65536);
  const typed = buckets.typed({ src: 'ip' }, { tokens: 'u64', last: 'u64' });
  assert.ok(typed.lookup({ src: addr(total - 1) }), 'the newest source is kept');
});

test('a million packets of the bundled capture: no trap, no allocation', async () => {
  const ns = await assertAllocationFree(path.join(PROJECT_ROOT, 'examples/rate-limit'), bundledFrames());
  console.log(`  rate-limit: ${ns.toFixed(0)} ns/packet over the bundled capture mix`);
});

test.run();
