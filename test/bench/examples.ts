// ns/packet of each example over the bundled capture mix (3428 frames of 40
// kinds, malformed ones included), through a real Sandbox in batches of 256,
// unmetered; a PASS-only guest gives the host's share. Best of several
// repetitions, because the machine is shared. Not a test; prints figures.
//
//   npx tsc -p tsconfig.json && node dist/test/bench/examples.js [reps] [packetsPerRep]

import path from 'node:path';
import { PROJECT_ROOT } from '../../host/compile.js';
import { Sandbox } from '../../host/sandbox.js';
import { bundledFrames } from '../helpers/allocation.js';
import { guestModule, runMany } from '../helpers/guest.js';

const REPS = Number(process.argv[2] ?? 7);
const PACKETS = Number(process.argv[3] ?? 200_000);

const TARGETS = [
  ['pass (baseline)', 'test/bench/guests/pass.ts'],
  ['udp-reflector', 'examples/udp-reflector/handler.ts'],
  ['firewall', 'examples/firewall/handler.ts'],
  ['dns-guard', 'examples/dns-guard/handler.ts'],
];

const frames = bundledFrames();
for (const [name, file] of TARGETS) {
  const sandbox = new Sandbox(await guestModule(path.join(PROJECT_ROOT, file)), { log: () => {} });
  runMany(sandbox, frames, PACKETS / 2);
  let best = Infinity;
  for (let i = 0; i < REPS; i++) best = Math.min(best, runMany(sandbox, frames, PACKETS) / PACKETS);
  console.log(`${name.padEnd(16)} ${best.toFixed(0).padStart(5)} ns/packet`);
}
