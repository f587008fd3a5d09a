// The live half of bench.test.ts: the live, swap and fleet parts with the tiny
// preset, inside a liveSuite (its own namespace; skipped where AF_XDP cannot
// run), checking the JSON they write is complete. No timing assertion.
import * as assert from 'uvu/assert';
import { LIVE_ROWS, checkResults } from '../bench/results.js';
import { runTinyBench } from './run-bench.js';
import { liveSuite } from '../helpers/live.js';
import { required } from '../helpers/skip.js';


const live = await liveSuite('bench harness (live parts)');

live('live throughput and hot swap: every receiver, well-formed swap figures', () => {
  const r = runTinyBench('live,swap');
  assert.equal(checkResults(r, ['live', 'swap']), []);
  if (r.live!.unavailable) {
    // AF_XDP works here (liveSuite checked): only a missing tool may excuse the part.
    assert.match(r.live!.unavailable, /trafgen|bpftool|clang|cc failed|not built/);
    // CI requires the tools: there the excuse is a failure.
    assert.not.ok(required('WASMXDP_REQUIRE_TOOLS'), `WASMXDP_REQUIRE_TOOLS=1 but ${r.live!.unavailable}`);
    console.log(`# live bench part not measured: ${r.live!.unavailable}`);
    return;
  }
  assert.equal(r.live!.rows.map((x) => x.receiver), LIVE_ROWS);
  for (const row of r.live!.rows) assert.ok(row.delivered.median > 0, `${row.receiver} received frames`);
  // CPU per frame for every receiver with a process, drain capacity for the AF_XDP drop receivers.
  for (const row of r.live!.rows.filter((x) => !x.receiver.startsWith('kernel'))) assert.ok(row.threadUsPerFrame!.median > 0, `${row.receiver} CPU per frame`);
  for (const name of ['C AF_XDP drop loop', 'wasmxdp drop-all']) assert.ok(r.live!.rows.find((x) => x.receiver === name)!.drainMfps!.median > 0, `${name} drain`);
  const mq = r.live!.multiQueue!;
  assert.ok(mq.oneQueue.pps.median > 0 && mq.twoQueues.pps.median > 0 && mq.ratio > 0, 'multi-queue figures');
  for (const t of r.targets.filter((x) => /CPU per frame/.test(x.target))) assert.type(t.met, 'boolean', t.target);
  assert.ok(r.swap && (r.swap.notMeasured !== null || r.swap.swapsRecorded > 0));
});

live('fleet part: a row per node count, finite figures', () => {
  const r = runTinyBench('fleet');
  assert.equal(checkResults(r, ['fleet']), []);
  if (r.fleet!.unavailable) {
    assert.match(r.fleet!.unavailable, /etcd/);
    assert.not.ok(required('WASMXDP_REQUIRE_TOOLS'), `WASMXDP_REQUIRE_TOOLS=1 but ${r.fleet!.unavailable}`);
    console.log(`# fleet bench part not measured: ${r.fleet!.unavailable}`);
    return;
  }
  assert.equal(r.fleet!.rows.map((x) => x.nodes), [1, 2]);
  for (const row of r.fleet!.rows) assert.ok(row.walBytes.median > 0, `${row.nodes} node(s): etcd wrote the rollout`);
});

live.run();
