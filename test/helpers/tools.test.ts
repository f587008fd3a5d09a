// The optional-tool gate, from the outside: a suite run where tshark, tcpdump
// and capinfos are not on PATH skips their tests with ONE line saying what to
// install and passes; with WASMXDP_REQUIRE_TOOLS=1 (CI) the same tests fail.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from './cli.js';

const test = suite('helpers/tools');
const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-nopath-'));
test.after(() => fs.rmSync(bin, { recursive: true, force: true }));
// A PATH with node and nothing else.
fs.symlinkSync(process.execPath, path.join(bin, 'node'));
const SUITE = path.join(ROOT, 'dist/test/pipeline/capture/pcap-writer.test.js');

function runSuite(env: Record<string, string>) {
  return spawnSync(process.execPath, [SUITE], { cwd: ROOT, encoding: 'utf8', env: { PATH: bin, HOME: os.tmpdir(), ...env }, timeout: 120_000 });
}

test('tools missing: the tests that need them are skipped, announced in one line naming the packages', () => {
  const r = runSuite({});
  assert.is(r.status, 0, r.stdout + r.stderr);
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('# skipping'));
  assert.equal(lines, ['# skipping 3 tests: tshark, tcpdump, capinfos not found: install the Debian packages tshark tcpdump']);
  assert.match(r.stdout, /Skipped:\s+3/);
  assert.not.match(r.stdout, /ENOENT/);
});

test('tools missing with WASMXDP_REQUIRE_TOOLS=1: those tests fail, saying what is missing', () => {
  const r = runSuite({ WASMXDP_REQUIRE_TOOLS: '1' });
  assert.is.not(r.status, 0);
  const fails: string[] = r.stdout.match(/WASMXDP_REQUIRE_TOOLS=1 but [^\n]*/g) ?? [];
  assert.is(fails.length, 3, r.stdout);
  assert.ok(fails.includes('WASMXDP_REQUIRE_TOOLS=1 but capinfos not found: install the Debian package tshark'), fails.join('\n'));
});

test.run();
