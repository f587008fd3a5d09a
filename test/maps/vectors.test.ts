// The shared test vectors: the TS MapsRegion and the guest SDK's maps, run on
// the same operations, give the same results and leave the same bytes in the
// maps region after every step.

import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PROJECT_ROOT } from '../../host/compile.js';
import { MAPS_LAYOUT_VERSION } from '../../host/maps/layout.js';
import { Sandbox } from '../../host/sandbox.js';
import { guestModule } from '../helpers/guest.js';
import { VECTORS_FILE, Vectors, generate } from './gen-vectors.js';
import { GuestExecutor, TsExecutor, regionDigest } from './ops.js';

const test = suite('maps vectors');
const vectors = JSON.parse(fs.readFileSync(VECTORS_FILE, 'utf8')) as Vectors;
let module: WebAssembly.Module;

test.before(async () => {
  module = await guestModule(path.join(PROJECT_ROOT, 'test/maps/guests/ops.ts'));
});

test('vectors.json is the output of the documented generator for this layout', () => {
  assert.is(vectors.layoutVersion, MAPS_LAYOUT_VERSION);
  assert.equal(generate(), vectors);
});

test('the TS implementation reproduces every step', () => {
  for (const s of vectors.scenarios) {
    const ex = new TsExecutor();
    s.steps.forEach((st, i) => {
      assert.equal(ex.apply(st.op), st.expect, `${s.name}, step ${i}: outcome`);
      assert.is(regionDigest(ex.region), st.region, `${s.name}, step ${i}: region bytes`);
    });
  }
});

test('the guest SDK gives the same outcomes and the same region bytes at every step', () => {
  let steps = 0;
  for (const s of vectors.scenarios) {
    const ex = new GuestExecutor(new Sandbox(module, { log: () => {}, mapDeclare: 'always' })) // declares step by step, after start-up;
    s.steps.forEach((st, i) => {
      assert.equal(ex.apply(st.op), st.expect, `${s.name}, step ${i} (${JSON.stringify(st.op)}): outcome`);
      assert.is(regionDigest(ex.region), st.region, `${s.name}, step ${i} (${JSON.stringify(st.op)}): region bytes`);
      steps++;
    });
  }
  assert.ok(steps > 800);
});

test('the scenarios cover full tables, eviction and every error code', () => {
  const seen = new Set<string>();
  for (const s of vectors.scenarios) for (const st of s.steps) seen.add(`${st.op.op}:${st.expect.result}`);
  for (const want of ['update:-7', 'update:-17', 'update:-2', 'update:-22', 'delete:-2', 'delete:-22', 'declare:-17', 'declare:-22', 'declare:-28', 'lookup:0', 'lookup:1', 'add:0']) {
    assert.ok(seen.has(want), `no step with outcome ${want}`);
  }
});

test.run();
