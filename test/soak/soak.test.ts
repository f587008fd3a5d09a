// A 20-second soak through `serve` (the full-length one is `npm run soak --
// --minutes N`): under steady traffic with deploys, a rollback and map
// writes, every frame sent is judged, nothing fails, and the report carries
// memory samples with their slope and the swap pauses.
import * as assert from 'uvu/assert';
import { liveSuite } from '../helpers/live.js';
import { formatReport, runSoak, slope } from './soak.js';

const test = await liveSuite('soak: 20 s through serve with deploys, rollbacks and map writes');

test('slope: least squares', () => {
  assert.is(slope([0, 1, 2, 3], [10, 12, 14, 16]), 2);
  assert.is(slope([0, 1, 2], [5, 5, 5]), 0);
  assert.is(slope([1], [3]), 0);
});

test('20 s soak: frames sent = judged, every change applied, no error', async () => {
  const r = await runSoak({ seconds: 20, rate: 10_000, deployEverySec: 3, rollbackEvery: 2, mapWriteEverySec: 2, sampleEverySec: 2 });
  console.log(formatReport(r).replace(/^/gm, '# '));
  assert.ok(r.sent >= 20_000, `sent ${r.sent}`);
  assert.is(r.judged + r.socketDrops.rxDropped + r.socketDrops.rxRingFull, r.sent, 'every frame judged or counted as a socket drop');
  assert.is(r.unaccounted, 0);
  assert.is(r.judged, r.sent, 'no frame dropped by the socket either');
  assert.equal(r.errors, []);
  assert.equal(r.logProblems, []);
  assert.ok(r.chain && r.chain.sent > 0, 'the chain port got traffic');
  assert.is(r.chain!.unaccounted, 0);
  assert.is(r.chain!.judged, r.chain!.sent, 'every chain-port frame judged by its first stage');
  assert.ok(r.deploys >= 3, `deploys ${r.deploys}`);
  assert.ok(r.rollbacks >= 1, `rollbacks ${r.rollbacks}`);
  assert.ok(r.mapWrites >= 5, `map writes ${r.mapWrites}`);
  assert.ok(r.swapPauseUs.measured >= 1, 'swap pauses measured under traffic');
  assert.ok(r.samples.length >= 8);
  for (const s of r.samples) assert.ok(s.rssBytes > 0 && s.heapUsedBytes > 0);
  assert.ok(Number.isFinite(r.rssSlopeBytesPerMin) && Number.isFinite(r.heapSlopeBytesPerMin));
});

test.run();
