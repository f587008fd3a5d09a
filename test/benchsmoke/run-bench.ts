// Runs `npm run bench`'s entry with the tiny preset for the smoke suites and
// returns the JSON it wrote, asserting it exited cleanly and printed its report.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { PROJECT_ROOT } from '../../host/compile.js';
import type { Results } from '../bench/results.js';

const MAIN = path.join(PROJECT_ROOT, 'dist/test/bench/main.js');

export function runTinyBench(parts: string): Results {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxbench-smoke-'));
  try {
    const out = path.join(dir, 'results.json');
    const r = spawnSync(process.execPath, [MAIN, '--tiny', '--parts', parts, '--out', out], { encoding: 'utf8', timeout: 10 * 60 * 1000 });
    assert.is(r.status, 0, `bench exited ${r.status ?? r.signal}: ${r.stderr.slice(-2000)}`);
    assert.ok(r.stdout.includes('## Targets'), 'prints the Markdown report');
    return JSON.parse(fs.readFileSync(out, 'utf8')) as Results;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
