// Keeps the benchmark harness from rotting: runs `npm run bench`'s entry with
// the tiny preset (offline parts always, the live and swap parts inside a
// liveSuite, so only where AF_XDP can run) and checks the JSON it writes is
// complete. No timing assertion: speed is what the benchmark reports, not
// what a test decides.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PROJECT_ROOT } from '../../host/compile.js';
import { CURVES, HANDLER_ROWS, Results, checkResults } from '../bench/results.js';

const MAIN = path.join(PROJECT_ROOT, 'dist/test/bench/main.js');

function bench(parts: string): Results {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wxbench-smoke-')), 'results.json');
  const r = spawnSync(process.execPath, [MAIN, '--tiny', '--parts', parts, '--out', out], { encoding: 'utf8', timeout: 10 * 60 * 1000 });
  assert.is(r.status, 0, `bench exited ${r.status ?? r.signal}: ${r.stderr.slice(-2000)}`);
  assert.ok(r.stdout.includes('## Targets'), 'prints the Markdown report');
  const results = JSON.parse(fs.readFileSync(out, 'utf8')) as Results;
  fs.rmSync(path.dirname(out), { recursive: true, force: true });
  return results;
}

const offline = suite('bench harness (offline parts)');

offline('handler cost and scaling curves: every row, finite figures, same verdicts', () => {
  const r = bench('handlers,scaling');
  assert.equal(checkResults(r, ['handlers', 'scaling']), []);
  assert.equal(r.handlers!.rows.map((x) => x.handler), HANDLER_ROWS);
  assert.equal(r.scaling!.map((c) => c.name), CURVES);
  for (const row of r.handlers!.rows) if (row.handler !== 'rate-limit') assert.ok(row.verdicts.agree, `${row.handler}: verdicts agree`);
  assert.is(r.targets.length, 4);
});

offline.run();

