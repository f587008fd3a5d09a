// Fuzzes every header view of the guest SDK (test/fuzz/guests/views.ts reads
// them all) with random and mutated frames: no trap, answers a pure function
// of the frame, nothing read outside the packet.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compileHandlerCached } from '../../host/compile.js';
import { loadModule } from '../../host/load.js';
import { Sandbox } from '../../host/sandbox.js';
import { Rng, randomFrame } from './frames.js';
import { FuzzFailure, fuzz, fuzzFrames, fuzzSeed } from './harness.js';

const test = suite('fuzz/views');
const here = path.dirname(fileURLToPath(import.meta.url));
const GUEST = path.resolve(here, '../../../test/fuzz/guests/views.ts');
const FRAMES = fuzzFrames(20000);

async function sandbox(): Promise<Sandbox> {
  return new Sandbox(loadModule(await compileHandlerCached(GUEST)), { log: () => {}, quarantine: false });
}

test(`SDK header views on ${FRAMES} random and mutated frames`, async () => {
  const sb = await sandbox();
  const rep = fuzz(sb, { frames: FRAMES, seed: fuzzSeed(0xc0ffee), generate: randomFrame });
  console.log(`  fuzz/views: ${rep.frames} frames, ${rep.batches} batches, actions ${JSON.stringify(rep.actions)}`);
  assert.is(rep.frames, FRAMES);
  // The digest picks DROP, PASS or TX: all three must show up, or the guest is not looking at the frames.
  assert.ok(rep.actions[1] > 0 && rep.actions[2] > 0 && rep.actions[3] > 0, JSON.stringify(rep.actions));
});

test('the harness catches a guest that reads past its packet', async () => {
  const peek = new Sandbox(loadModule(await compileHandlerCached(path.resolve(here, '../../../test/fuzz/guests/peek.ts'))), { log: () => {}, quarantine: false });
  assert.throws(() => fuzz(peek, { frames: 200, seed: 2, generate: randomFrame }), (e: Error) => e instanceof FuzzFailure && /answered differently/.test(e.message));
});

test('tiny frames (0..13 bytes, shorter than an Ethernet header) are refused by every view without a trap', async () => {
  const rep = fuzz(await sandbox(), { frames: 500, seed: 1, generate: (r: Rng) => r.bytes(r.int(14)) });
  assert.is(rep.frames, 500);
});

test.run();
