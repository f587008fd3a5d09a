// The layering of issue 12, enforced in CI: scripts/check-layers.mjs over the
// real sources, and over small trees that break it to show it notices.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from '../helpers/cli.js';

const SCRIPT = path.join(ROOT, 'scripts', 'check-layers.mjs');

function checkLayers(root: string): { status: number; out: string } {
  const r = spawnSync(process.execPath, [SCRIPT, root], { encoding: 'utf8' });
  return { status: r.status ?? -1, out: r.stdout + r.stderr };
}

/** A throwaway source tree: path -> contents. */
function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasmxdp-layers-'));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.join(dir, path.dirname(rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

function withTree(files: Record<string, string>, fn: (dir: string) => void): void {
  const dir = tree(files);
  try { fn(dir); } finally { fs.rmSync(dir, { recursive: true, force: true }); }
}

test('the sources import only downward: no folder cycle, no import against the layer order', () => {
  const r = checkLayers(ROOT);
  assert.is(r.status, 0, r.out);
  assert.match(r.out, /^layers ok: pipeline > pipeline\/cli > pipeline\/control pipeline\/fleet > /);
});

test('an import from a lower layer into a higher one is named file -> file', () => {
  withTree({
    'pipeline/cli/args.ts': 'export const x = 1;\n',
    'pipeline/live/run-live.ts': "import { x } from '../cli/args.js';\nexport const y = x;\n",
  }, (dir) => {
    const r = checkLayers(dir);
    assert.is(r.status, 1);
    assert.match(r.out, 'pipeline/live/run-live.ts -> pipeline/cli/args.ts  (pipeline/live/ imports a layer above it, pipeline/cli/)');
  });
});

test('a cycle between folders is printed hop by hop, whatever form the import takes', () => {
  withTree({
    'pipeline/control/map-ops.ts': "import type {\n  Req,\n} from '../live/messages.js';\nexport type Op = Req;\n",
    'pipeline/live/messages.ts': 'export interface Req { id: number }\n',
    'pipeline/live/worker.ts': "const m = await import('../control/map-ops.js');\nexport default m;\n",
  }, (dir) => {
    const r = checkLayers(dir);
    assert.is(r.status, 1);
    assert.match(r.out, 'cycle pipeline/control/ -> pipeline/live/ -> pipeline/control/:');
    assert.match(r.out, '  pipeline/control/map-ops.ts -> pipeline/live/messages.ts');
    assert.match(r.out, '  pipeline/live/worker.ts -> pipeline/control/map-ops.ts');
  });
});

test('siblings of one layer may not import each other; host may not import the pipeline', () => {
  withTree({
    'pipeline/offline/runner.ts': "export { spawn } from '../live/worker.js';\n",
    'pipeline/live/worker.ts': "const script = new URL('../../host/x.js', import.meta.url);\nexport const spawn = script;\n",
    'host/x.ts': "import '../pipeline/capture/open.js';\n",
    'pipeline/capture/open.ts': '// a comment that quotes from \'../cli/main.js\' is not an import\nexport {};\n',
  }, (dir) => {
    const r = checkLayers(dir);
    assert.is(r.status, 1);
    assert.match(r.out, 'pipeline/offline/runner.ts -> pipeline/live/worker.ts  (pipeline/offline/ imports its sibling pipeline/live/)');
    assert.match(r.out, 'host/x.ts -> pipeline/capture/open.ts');
    assert.not.match(r.out, 'cli/main');
  });
});

test('a new pipeline folder that no layer names is refused until it is placed', () => {
  withTree({
    'pipeline/shiny/thing.ts': "export { x } from '../cli/args.js';\n",
    'pipeline/cli/args.ts': 'export const x = 1;\n',
  }, (dir) => {
    const r = checkLayers(dir);
    assert.is(r.status, 1);
    assert.match(r.out, 'pipeline/shiny/ is in no layer: add it to LAYERS in scripts/check-layers.mjs');
  });
});

test.run();
