// Tenants part of `npm run bench` (offline, real sandboxes and chain runner,
// no kernel path):
//  - the tenant copy by frame size: copying a frame into a tenant's memory and
//    comparing it afterwards (a stage that only looked), plus the copy back (a
//    stage that rewrote it), per frame;
//  - per-packet cost of a chain: one operator stage vs operator + tenant stage
//    (the tenant on a copy) vs two operator stages;
//  - noisy neighbour: tenant B's delivered rate and batch p99 while tenant A,
//    on the same queue with half the frames, is idle, spins (fuel exhausted
//    every batch) or traps on every frame, with and without quarantine.
import path from 'node:path';
import { BATCH_CAPACITY } from '../../host/abi.js';
import { compileHandlerCached, PROJECT_ROOT } from '../../host/compile.js';
import { buildChain, StageSpec } from '../../pipeline/chain/build-chain.js';
import { ChainPort } from '../../pipeline/chain/chain-port.js';
import { copyFrame, rewritten } from '../../pipeline/chain/frame-copy.js';
import { DEFAULT_QUOTA, TenantConfig } from '../../pipeline/tenants/config.js';
import { udpFrameOfSize } from './frames.js';
import { summarize, Summary } from './stats.js';

export interface TenantOptions { reps: number; packets: number; sizes: number[]; noisyMs: number }

export interface CopyRow { size: number; lookNs: Summary; rewriteNs: Summary; chainLookNs: Summary; chainRewriteNs: Summary }
export interface NoisyRow { neighbour: string; bPps: Summary; batchP99Us: Summary; aQuarantined: boolean }
export interface TenantPart {
  copy: CopyRow[];
  chain: { oneStageNs: Summary; operatorPlusTenantNs: Summary; twoOperatorNs: Summary };
  noisy: NoisyRow[];
  bounds: string[];
}

const GUESTS = path.join(PROJECT_ROOT, 'test/bench/guests');

async function spec(owner: string, stage: string, guest: string, program: Record<string, unknown> = {}): Promise<StageSpec> {
  const bytes = await compileHandlerCached(path.join(GUESTS, `${guest}.ts`));
  return { owner, program: { name: guest, bytes }, config: { stage, chainActions: ['pass'], program: { path: guest, health: { packets: 0, ms: 0 }, ...program } } };
}

function tenant(id: number, name: string): TenantConfig {
  return { id, name, socket: { path: `/nonexistent/${name}`, uid: 0, gid: 0, mode: 0o600 }, match: [], quota: { ...DEFAULT_QUOTA }, chain: [], queues: [] };
}

type Frames = { data: Uint8Array; tenant: number }[];

/** ns per frame of running `frames` (full batches) through the port, repeated to `packets`. */
function perFrameNs(port: ChainPort, frames: Frames, packets: number): number {
  const { batch, tenantOf } = port.load(frames);
  const rounds = Math.max(1, Math.ceil(packets / frames.length));
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) { batch.n = frames.length; port.runner.run(batch, tenantOf); }
  return Number(process.hrtime.bigint() - t0) / (rounds * frames.length);
}

function reps(n: number, f: () => number): Summary {
  f(); // warm-up
  return summarize(Array.from({ length: n }, f));
}

function rawCopy(size: number, rewrite: boolean, packets: number): number {
  const umem = Buffer.alloc(BATCH_CAPACITY * 2048), mine = Buffer.alloc(BATCH_CAPACITY * 2048);
  for (let i = 0; i < BATCH_CAPACITY; i++) umem.set(udpFrameOfSize(size), i * 2048 + 256);
  const rounds = Math.max(1, Math.ceil(packets / BATCH_CAPACITY));
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < BATCH_CAPACITY; i++) {
      const a = i * 2048 + 256;
      copyFrame(umem, mine, a, size);
      if (rewrite) mine[a + size - 1] ^= 1;
      if (rewritten(umem, mine, a, size, a, size)) copyFrame(mine, umem, a, size);
    }
  }
  return Number(process.hrtime.bigint() - t0) / (rounds * BATCH_CAPACITY);
}

async function chainCost(o: TenantOptions): Promise<TenantPart['chain']> {
  const f64 = udpFrameOfSize(64);
  const frames = (t: number): Frames => Array.from({ length: BATCH_CAPACITY }, () => ({ data: f64, tenant: t }));
  const one = buildChain([await spec('default', 'a', 'pass')], [], { log: () => {} });
  const opTen = buildChain([await spec('default', 'a', 'pass')], [{ config: tenant(1, 't'), stages: [await spec('t', 'b', 'pass')] }], { log: () => {} });
  const twoOp = buildChain([await spec('default', 'a', 'pass'), await spec('default', 'b', 'pass')], [], { log: () => {} });
  const port = (b: typeof one) => new ChainPort(b.runner, b.umem, null);
  return {
    oneStageNs: reps(o.reps, () => perFrameNs(port(one), frames(0), o.packets)),
    operatorPlusTenantNs: reps(o.reps, () => perFrameNs(port(opTen), frames(1), o.packets)),
    twoOperatorNs: reps(o.reps, () => perFrameNs(port(twoOp), frames(0), o.packets)),
  };
}

async function copyRows(o: TenantOptions): Promise<CopyRow[]> {
  const look = buildChain([await spec('default', 'a', 'pass')], [{ config: tenant(1, 't'), stages: [await spec('t', 'b', 'pass')] }], { log: () => {} });
  const rw = buildChain([await spec('default', 'a', 'pass')], [{ config: tenant(1, 't'), stages: [await spec('t', 'b', 'rewrite')] }], { log: () => {} });
  const rows: CopyRow[] = [];
  for (const size of o.sizes) {
    const frames: Frames = Array.from({ length: BATCH_CAPACITY }, () => ({ data: udpFrameOfSize(size), tenant: 1 }));
    rows.push({
      size,
      lookNs: reps(o.reps, () => rawCopy(size, false, o.packets)),
      rewriteNs: reps(o.reps, () => rawCopy(size, true, o.packets)),
      chainLookNs: reps(o.reps, () => perFrameNs(new ChainPort(look.runner, look.umem, null), frames, o.packets)),
      chainRewriteNs: reps(o.reps, () => perFrameNs(new ChainPort(rw.runner, rw.umem, null), frames, o.packets)),
    });
  }
  return rows;
}

/** B's frames per second and the p99 of whole-batch time over `ms` of batches, half A's frames, half B's. */
export async function noisy(o: TenantOptions, neighbour: string, aGuest: string | null, quarantine: boolean): Promise<NoisyRow> {
  const bPps: number[] = [], p99: number[] = [];
  let aQuarantined = false;
  for (let r = 0; r < o.reps; r++) {
    const aStage = await spec('a', 'a', aGuest ?? 'pass');
    const built = buildChain([await spec('default', 'fw', 'pass')], [
      { config: tenant(1, 'a'), stages: [aStage] },
      { config: tenant(2, 'b'), stages: [await spec('b', 'b', 'pass')] },
    ], { log: () => {} });
    const a = built.runner.tenants[0].stages[0].sandbox;
    if (!quarantine) (a as { quarantine: unknown }).quarantine = null;
    const f = udpFrameOfSize(64);
    // An idle A sends nothing: B's frames alone fill the batches.
    const frames: Frames = Array.from({ length: BATCH_CAPACITY }, (_, i) => ({ data: f, tenant: aGuest && i % 2 === 0 ? 1 : 2 }));
    const bPerBatch = frames.filter((x) => x.tenant === 2).length;
    const port = new ChainPort(built.runner, built.umem, null);
    const { batch, tenantOf } = port.load(frames);
    // Warm-up (JIT, first instantiations), untimed.
    for (const wEnd = performance.now() + o.noisyMs / 4; performance.now() < wEnd;) { batch.n = frames.length; built.runner.run(batch, tenantOf); }
    if (quarantine) { a.quarantine?.clear(); a.redeploy(a.module); } // the measured window starts with A running
    const times: number[] = [];
    const end = performance.now() + o.noisyMs;
    let bFrames = 0;
    const t0 = performance.now();
    while (performance.now() < end) {
      const s = performance.now();
      batch.n = frames.length;
      built.runner.run(batch, tenantOf);
      times.push(performance.now() - s);
      bFrames += bPerBatch;
    }
    const elapsed = (performance.now() - t0) / 1000;
    times.sort((x, y) => x - y);
    bPps.push(bFrames / elapsed);
    p99.push(times[Math.min(times.length - 1, Math.floor(times.length * 0.99))] * 1000);
    aQuarantined ||= a.quarantined;
  }
  return { neighbour, bPps: summarize(bPps), batchP99Us: summarize(p99), aQuarantined };
}

export async function runTenantPart(o: TenantOptions, log: (s: string) => void): Promise<TenantPart> {
  log('tenants: copy by frame size');
  const copy = await copyRows(o);
  log('tenants: chain cost');
  const chain = await chainCost(o);
  log('tenants: noisy neighbour');
  const rows: NoisyRow[] = [
    await noisy(o, 'A idle (B alone)', null, true),
    await noisy(o, 'A passes its half', 'pass', true),
    await noisy(o, 'A spins, quarantine on (default)', 'spin', true),
    await noisy(o, 'A spins, quarantine off (fuel bound only)', 'spin', false),
    await noisy(o, 'A traps every frame, quarantine off', 'trap', false),
  ];
  return {
    copy, chain, noisy: rows,
    bounds: [
      'copy: memcpy/memcmp bandwidth of one core (Buffer#copy, Buffer#compare), no kernel path; the live path adds ring work but not another copy',
      'chain: the per-stage host work (descriptors, one guest call per batch, verdict checks) with PASS-only guests on 64-byte frames',
      `noisy neighbour: offline, 256-frame batches, A and B alternate in every batch; a spinning A burns fuelPerPacket (${DEFAULT_QUOTA.fuelPerPacket}) x its frames per batch until quarantined; "A idle" batches carry B's frames only, so B's rate there is the single-tenant ceiling`,
    ],
  };
}
