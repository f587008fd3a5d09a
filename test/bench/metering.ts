// Cost of fuel metering on the example handlers: ns/packet with and without
// instrumentation, measured in one process, alternating, median of several
// repetitions. Not a test; prints figures.
//
//   npx tsc -p tsconfig.json && node dist/test/bench/metering.js [reps] [batchesPerRep]

import fs from 'node:fs';
import path from 'node:path';
import { BATCH_CAPACITY } from '../../host/abi.js';
import { Batch } from '../../host/batch.js';
import { PROJECT_ROOT, compileHandlerCached, resolveHandlerSource } from '../../host/compile.js';
import { loadModule } from '../../host/load.js';
import { Sandbox } from '../../host/sandbox.js';
import { Rng, dnsFrame, randomFrame, udpFrame } from '../fuzz/frames.js';

const REPS = Number(process.argv[2] ?? 9);
const BATCHES = Number(process.argv[3] ?? 400);
const HEADROOM = 256;

const TARGETS: { name: string; file: string; generate: (r: Rng) => Uint8Array }[] = [
  { name: 'udp-reflector', file: path.join(PROJECT_ROOT, 'examples/udp-reflector'), generate: udpFrame },
  { name: 'firewall', file: path.join(PROJECT_ROOT, 'examples/firewall'), generate: randomFrame },
  { name: 'dns-guard', file: path.join(PROJECT_ROOT, 'examples/dns-guard'), generate: dnsFrame },
  { name: 'sdk-views (fuzz guest)', file: path.join(PROJECT_ROOT, 'test/fuzz/guests/views.ts'), generate: randomFrame },
];

function setup(sb: Sandbox, frames: Uint8Array[]): Batch {
  const b = new Batch();
  frames.forEach((f, i) => {
    const base = sb.frameAddr(i);
    sb.bytes.set(f, base + HEADROOM);
    b.push(base + HEADROOM, f.length, 0, 0, HEADROOM, sb.frameSize - HEADROOM - f.length);
  });
  return b;
}

function nsPerPacket(sb: Sandbox, b: Batch): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < BATCHES; i++) sb.run(b, 0n);
  return Number(process.hrtime.bigint() - t0) / (BATCHES * b.n);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

console.log(`metering overhead: ${REPS} repetitions x ${BATCHES} batches x ${BATCH_CAPACITY} packets, median ns/packet (host run loop included)`);
for (const t of TARGETS) {
  if (!fs.existsSync(t.file)) { console.log(`${t.name}: not present, skipped`); continue; }
  const bytes = await compileHandlerCached(resolveHandlerSource(t.file));
  const r = new Rng(42);
  const frames = Array.from({ length: BATCH_CAPACITY }, () => t.generate(r));
  const opts = { log: () => {}, quarantine: false as const, portCount: 4 };
  const metered = new Sandbox(loadModule(bytes), opts);
  const plain = new Sandbox(loadModule(bytes, { metering: false }), opts);
  const bm = setup(metered, frames), bp = setup(plain, frames);
  for (let i = 0; i < 3; i++) { nsPerPacket(metered, bm); nsPerPacket(plain, bp); } // warm up (tier-up)
  const m: number[] = [], p: number[] = [];
  for (let i = 0; i < REPS; i++) { m.push(nsPerPacket(metered, bm)); p.push(nsPerPacket(plain, bp)); }
  const mm = median(m), pm = median(p);
  console.log(`${t.name.padEnd(24)} unmetered ${pm.toFixed(1).padStart(7)} ns/pkt   metered ${mm.toFixed(1).padStart(7)} ns/pkt   ratio ${(mm / pm).toFixed(2)}x   traps ${metered.stats.traps + plain.stats.traps}`);
}
