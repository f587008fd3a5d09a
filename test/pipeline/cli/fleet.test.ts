// `wasmxdp fleet` and serve's fleet options as a user types them: mistakes
// are one-line usage errors (exit 2) before anything is contacted, and an
// etcd that does not answer is one line naming the URL (exit 1).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { wasmxdp } from '../../helpers/cli.js';

const test = suite('wasmxdp fleet: usage and an unreachable etcd');

test('no subcommand prints the help; an unknown one is a usage error', () => {
  const none = wasmxdp(['fleet']);
  assert.is(none.status, 2);
  assert.match(none.stdout, /wasmxdp fleet deploy <handler> --port <name>/);
  const bad = wasmxdp(['fleet', 'launch']);
  assert.is(bad.status, 2);
  assert.match(bad.stderr, /unknown fleet command 'launch': deploy, rollback or status/);
});

test('rollback without --port and a malformed --fleet URL are usage errors', () => {
  const r = wasmxdp(['fleet', 'rollback']);
  assert.is(r.status, 2);
  assert.match(r.stderr, /give --port <name>/);
  const u = wasmxdp(['fleet', 'status', '--fleet', 'etcd.example:2379']);
  assert.is(u.status, 2);
  assert.match(u.stderr, /--fleet must be etcd's client URL/);
});

test('serve: --fleet and --node go together', () => {
  const r = wasmxdp(['serve', '--config', '/nonexistent.json', '--fleet', 'http://127.0.0.1:2379']);
  assert.is(r.status, 2);
  assert.match(r.stderr, /give --fleet <url> and --node <name> together/);
});

test('an etcd that does not answer: one line naming the URL, exit 1', () => {
  const r = wasmxdp(['fleet', 'status', '--fleet', 'http://127.0.0.1:1'], { timeoutMs: 30_000 });
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, /^wasmxdp fleet: etcd at http:\/\/127\.0\.0\.1:1 did not answer .*check that it runs/);
  assert.is(r.stderr.trim().split('\n').length, 1);
});

test.run();
