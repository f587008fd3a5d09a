// Keeps the benchmark harness from rotting: runs `npm run bench`'s entry with
// the tiny preset (offline parts always, the live and swap parts inside a
// liveSuite, so only where AF_XDP can run) and checks the JSON it writes is
// complete. No timing assertion: speed is what the benchmark reports, not
// what a test decides.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CURVES, HANDLER_ROWS, checkResults } from '../bench/results.js';
import { checkTargets } from '../bench/targets.js';
import { runTinyBench } from './run-bench.js';


const offline = suite('bench harness (offline parts)');

offline('handler cost and scaling curves: every row, finite figures, same verdicts', () => {
  const r = runTinyBench('handlers,scaling');
  assert.equal(checkResults(r, ['handlers', 'scaling']), []);
  assert.equal(r.handlers!.rows.map((x) => x.handler), HANDLER_ROWS);
  assert.equal(r.scaling!.map((c) => c.name), CURVES);
  for (const row of r.handlers!.rows) if (row.handler !== 'rate-limit') assert.ok(row.verdicts.agree, `${row.handler}: verdicts agree`);
  assert.equal(r.targets.map((t) => t.target), checkTargets(null, null, null).map((t) => t.target));
  // Every target is listed; the live ones say the live part was not run.
  for (const t of r.targets.filter((x) => /receiver CPU per frame|^reflect:|^PASS:|^multi-queue:/.test(x.target))) {
    assert.is(t.met, null, t.target);
    assert.match(t.note, /live part not run/);
  }
});

offline('tenants part: copy rows for every size, chain rows, every noisy-neighbour case', () => {
  const r = runTinyBench('tenants');
  assert.equal(checkResults(r, ['tenants']), []);
  assert.equal(r.tenants!.copy.map((c) => c.size), [64, 1514]);
  assert.equal(r.tenants!.noisy.length, 5);
  assert.ok(r.tenants!.noisy.find((n) => n.neighbour.startsWith('A spins, quarantine on'))!.aQuarantined, 'the spinning neighbour is quarantined');
});

offline.run();

