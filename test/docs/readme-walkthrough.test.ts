// The README's two shell walkthroughs (the echo reflector between two
// namespaces, then serve/status/map/deploy/stats/rollback on the same
// namespaces) run as written, with only the names made unique to this run:
// no tool the README does not list, and no client command before the daemon
// listens.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { ROOT } from '../helpers/cli.js';
import { liveSuite } from '../helpers/live.js';
import { NETNS_PREFIX } from '../helpers/netns.js';

const test = await liveSuite('README walkthroughs');

function shBlocks(readme: string, first: string): string {
  const block = readme.split('```sh\n').map((b) => b.split('```')[0]).find((b) => b.startsWith(first));
  assert.ok(block, `README has the block starting with ${first}`);
  return block!;
}

test('the reflector answers "hello", then serve, status, map, deploy, stats and rollback succeed', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const id = `${process.pid}-${randomBytes(2).toString('hex')}`;
  const nsA = `${NETNS_PREFIX}${id}-a`, nsB = `${NETNS_PREFIX}${id}-b`;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-readme-walk-'));
  const uniq = (s: string) => s
    .replaceAll('wx-demo-a', nsA).replaceAll('wx-demo-b', nsB)
    .replaceAll('/tmp/wasmxdp-demo.sock', path.join(tmp, 'demo.sock'));
  const script = [
    'set -e',
    `trap 'set +e; kill $(jobs -p) 2>/dev/null; ip netns del ${nsA} 2>/dev/null; ip netns del ${nsB} 2>/dev/null; true' EXIT`,
    uniq(shBlocks(readme, 'ip netns add wx-demo-a')),
    uniq(shBlocks(readme, 'cat > pipeline.json')).replace('cat > pipeline.json', `cat > ${path.join(tmp, 'pipeline.json')}`)
      .replace('--config pipeline.json', `--config ${path.join(tmp, 'pipeline.json')}`)
      .replace('"path": "examples/rate-limit"', `"path": "${path.join(ROOT, 'examples/rate-limit')}"`),
  ].join('\n');
  try {
    const r = spawnSync('bash', ['-c', script], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
    assert.is(r.status, 0, `exit ${r.status ?? r.signal}\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /^hello$/m);
    assert.match(r.stdout, /1 packets transmitted, 1 received/);
    assert.match(r.stdout, /edge/);
    assert.match(r.stdout, /rl_config/);
    assert.not.match(r.stderr, /ENOENT|ECONNREFUSED|command not found/);
    assert.ok(!fs.existsSync(`/run/netns/${nsA}`), 'the walkthrough removes its namespaces');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test.run();
