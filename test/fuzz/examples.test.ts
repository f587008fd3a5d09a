// Fuzzes the example handlers (examples/udp-reflector and its C port, firewall, dns-guard)
// with random and mutated frames: no trap, no invalid verdict, answers a pure
// function of the frame, nothing read outside the packet. An example not
// committed yet is skipped, not passed. The C reflector gets the AssemblyScript
// one's frames (same seed) and must give the same verdict totals.

import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cToolchain } from '../../host/compile-c.js';
import { PROJECT_ROOT, compileHandlerCached, resolveHandlerSource } from '../../host/compile.js';
import { loadModule } from '../../host/load.js';
import { Sandbox } from '../../host/sandbox.js';
import { Rng, dnsFrame, randomFrame, udpFrame } from './frames.js';
import { fuzz, fuzzFrames, fuzzSeed } from './harness.js';

const test = suite('fuzz/examples');
const FRAMES = fuzzFrames(20000);

const EXAMPLES: { name: string; seed: number; generate: (r: Rng) => Uint8Array }[] = [
  { name: 'udp-reflector', seed: 0x7e57_0001, generate: (r) => (r.chance(0.7) ? udpFrame(r) : randomFrame(r)) },
  { name: 'firewall', seed: 0x7e57_0002, generate: randomFrame },
  { name: 'dns-guard', seed: 0x7e57_0003, generate: (r) => (r.chance(0.7) ? dnsFrame(r) : randomFrame(r)) },
];
if (cToolchain().ok || process.env.WASMXDP_REQUIRE_LIVE === '1') EXAMPLES.splice(1, 0, { ...EXAMPLES[0], name: 'udp-reflector-c' });
else console.log(`fuzz/examples: udp-reflector-c skipped: install ${cToolchain().missing.join(' and ')} (apt-get install clang lld)`);
const actionsOf = new Map<string, unknown>();

for (const ex of EXAMPLES) {
  const dir = path.join(PROJECT_ROOT, 'examples', ex.name);
  if (!fs.existsSync(dir)) {
    test.skip(`${ex.name} (not in examples/ yet)`, () => {});
    continue;
  }
  test(`${ex.name} on ${FRAMES} random and mutated frames`, async () => {
    const sb = new Sandbox(loadModule(await compileHandlerCached(resolveHandlerSource(dir))), { log: () => {}, quarantine: false, portCount: 4 });
    const rep = fuzz(sb, { frames: FRAMES, seed: fuzzSeed(ex.seed), generate: ex.generate });
    console.log(`  fuzz/${ex.name}: ${rep.frames} frames, ${rep.batches} batches, actions ${JSON.stringify(rep.actions)}`);
    assert.is(rep.frames, FRAMES);
    assert.is(sb.stats.snapshot().traps, 0);
    actionsOf.set(ex.name, rep.actions);
    if (ex.name === 'udp-reflector-c') assert.equal(rep.actions, actionsOf.get('udp-reflector'), 'the C port answers like the AssemblyScript reflector');
  });
}

test.run();
