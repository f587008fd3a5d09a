// The README's handler is real code: it compiles against the SDK and does what
// the README says (drops UDP to port 11211, passes the rest).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Action } from '../../host/abi.js';
import { ROOT } from '../helpers/cli.js';
import { runGuest } from '../helpers/guest.js';
import { eth, ipv4, tcp, udp } from '../helpers/packets.js';

const test = suite('README');

test('the handler in "A handler" compiles and drops memcached, passes the rest', async () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const m = /```ts\n\/\/ my-filter\.ts\n([\s\S]*?)```/.exec(readme);
  assert.ok(m, 'README has the my-filter.ts block');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-readme-'));
  try {
    const file = path.join(dir, 'my-filter.ts');
    fs.writeFileSync(file, m![1]);
    const frames = [
      eth({}, ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, udp({ sport: 5000, dport: 11211 }, 'get k'))),
      eth({}, ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, udp({ sport: 5000, dport: 53 }, 'q'))),
      eth({}, ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, tcp({ sport: 5000, dport: 11211 }))),
    ];
    const r = await runGuest(file, frames);
    assert.equal(r.results.map((x) => x.action), [Action.DROP, Action.PASS, Action.PASS]);
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test.run();
