// Part 3: hot swap under load. `wasmxdp serve` runs a drop-all port on the
// lab's receiving end; while trafgen sends at a steady rate the port keeps up
// with (`pps`; at full rate the ring overflows now and then with no swap at
// all, which would hide what a swap costs), the same handler
// is deployed again several times (each deploy is a swap at a batch
// boundary). Frames lost = sent - judged by the pipeline; the same flood
// without deploys, in the same run, shows what is lost without any swap.
// Pauses are the daemon's own swap records (docs/control-plane.md).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT, compileHandlerCached } from '../../host/compile.js';
import { sweepStaleNamespaces } from '../helpers/netns.js';
import { BenchLab, benchFrame, createLab, exited, flood, waitFor } from './live/lab.js';
import type { Mode } from './live/receivers.js';
import { Summary, summarize } from './stats.js';

export interface SwapOptions { frames: number; pps: number; swaps: number; reps: number; mode: Mode }

export interface SwapPart {
  notMeasured: string | null;
  frames: number;
  pps: number;
  swapsPerRun: number;
  /** Frames lost per run with swaps, and in the control runs without. */
  lost: Summary;
  lostWithoutSwaps: Summary;
  /** null when no swap had batches within 20 ms on both sides (the daemon's rule). */
  pauseUs: Summary | null;
  /** Parts of the pause: the old version's last batch to the swap (receiving the request included), and the swap to the new version's first batch. */
  beforeUs: Summary | null;
  afterUs: Summary | null;
  /** The longest gap before the switch (receive, plan, prepare, rehearse; absent in results written before). */
  preparedUs?: Summary | null;
  /** Each step's gap between bursts, in the swap's order (absent in results written before, and for daemons that do not record them). */
  stepGapsUs?: { step: string; us: Summary | null }[];
  blockedUs: Summary;
  instantiateUs: Summary;
  swapsRecorded: number;
}

const WASMXDP = path.join(PROJECT_ROOT, 'bin/wasmxdp.js');
const DROP = path.join(PROJECT_ROOT, 'test/bench/guests/drop.ts');

function client(socket: string, args: string[], timeoutMs = 60000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WASMXDP, ...args, '--socket', socket, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`wasmxdp ${args[0]}: ${err.trim() || out.trim()}`));
      else { try { resolve(JSON.parse(out)); } catch { reject(new Error(`wasmxdp ${args[0]}: not JSON: ${out}`)); } }
    });
  });
}

interface PortStats { packets: number; queues: { swaps: { pauseUs: number | null; beforeUs: number | null; afterUs: number | null; blockedUs: number; instantiateUs: number; preparedUs?: number; gapsUs?: (number | null)[] }[] }[] }

/** The steps of a swap, one per gap between bursts, in the order of the records' gapsUs (pipeline/live/worker-control.ts). */
const STEPS = ['receive', 'plan', 'prepare', 'rehearse', 'switch', 'finish', 'reply'];

async function stats(socket: string): Promise<PortStats> {
  const s = await client(socket, ['stats', '--port', 'bench']) as { ports?: PortStats[] } | PortStats[];
  const ports = Array.isArray(s) ? s : s.ports ?? [];
  return ports[0];
}

async function oneRun(l: BenchLab, o: SwapOptions, swaps: number, dir: string) {
  const socket = path.join(dir, 'wx.sock');
  const config = path.join(dir, 'pipeline.json');
  fs.writeFileSync(config, JSON.stringify({ socket, ports: [{ name: 'bench', iface: l.veth.name, queue: 0, mode: o.mode,
    program: { path: DROP, metering: true, health: { packets: 100, ms: 100 } } }] }));
  const daemon = l.lab.spawn(l.rx, process.execPath, [WASMXDP, 'serve', '--config', config]);
  try {
    await waitFor(daemon, /listening|attached|ready/i, 60000).catch(async () => {
      // Older daemons print nothing: wait for the socket instead.
      for (let i = 0; i < 300 && !fs.existsSync(socket); i++) await new Promise((r) => setTimeout(r, 100));
    });
    for (let i = 0; i < 300 && !fs.existsSync(socket); i++) await new Promise((r) => setTimeout(r, 100));
    const before = (await stats(socket)).packets;
    const seconds = Math.ceil(o.frames / Math.min(o.pps, 20_000)) + 5;
    const sending = flood(l, benchFrame(l, 9), o.frames, seconds, o.pps);
    await new Promise((r) => setTimeout(r, 300));
    // A prebuilt .wasm: the deploys do no AssemblyScript compile on this machine's two cores mid-flood.
    const wasm = path.join(dir, 'drop.wasm');
    fs.writeFileSync(wasm, await compileHandlerCached(DROP));
    for (let i = 0; i < swaps; i++) await client(socket, ['deploy', wasm, '--port', 'bench']);
    await sending;
    await new Promise((r) => setTimeout(r, 700));
    const s = await stats(socket);
    const records = s.queues.flatMap((q) => q.swaps);
    return { lost: o.frames - (s.packets - before), records };
  } finally {
    daemon.kill('SIGTERM');
    const done = await Promise.race([exited(daemon), new Promise((r) => setTimeout(() => r('timeout'), 10000))]);
    if (done === 'timeout') daemon.kill('SIGKILL');
  }
}

export async function runSwapPart(o: SwapOptions, unavailable: string | null, log: (s: string) => void): Promise<SwapPart> {
  const empty = summarize([0]);
  const none = (why: string): SwapPart => ({ notMeasured: why, frames: o.frames, pps: o.pps, swapsPerRun: o.swaps, lost: empty,
    lostWithoutSwaps: empty, pauseUs: null, beforeUs: null, afterUs: null, preparedUs: null, blockedUs: empty, instantiateUs: empty, swapsRecorded: 0 });
  if (unavailable) { log(`swap part not measured: ${unavailable}`); return none(unavailable); }
  if (!fs.existsSync(path.join(PROJECT_ROOT, 'pipeline/control/daemon.ts'))) return none('hot swap not available');
  sweepStaleNamespaces();
  const l = createLab();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxbench-swap-'));
  const lost: number[] = [], control: number[] = [], pause: number[] = [], before: number[] = [], after: number[] = [], prepared: number[] = [], blocked: number[] = [], inst: number[] = [];
  const gaps: number[][] = STEPS.map(() => []);
  try {
    for (let r = 0; r < o.reps; r++) {
      log(`swap ${r + 1}/${o.reps}: flood without deploys`);
      control.push((await oneRun(l, o, 0, dir)).lost);
      log(`swap ${r + 1}/${o.reps}: flood with ${o.swaps} deploys`);
      const run = await oneRun(l, o, o.swaps, dir);
      lost.push(run.lost);
      for (const s of run.records) {
        if (s.pauseUs != null) pause.push(s.pauseUs);
        if (s.beforeUs != null) before.push(s.beforeUs);
        if (s.afterUs != null) after.push(s.afterUs);
        if (s.preparedUs != null) prepared.push(s.preparedUs);
        s.gapsUs?.forEach((g, i) => { if (g != null && i < STEPS.length) gaps[i].push(g); });
        blocked.push(s.blockedUs);
        inst.push(s.instantiateUs);
      }
    }
  } finally {
    l.lab.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (!blocked.length) return none('the daemon recorded no swap');
  return { notMeasured: null, frames: o.frames, pps: o.pps, swapsPerRun: o.swaps, lost: summarize(lost), lostWithoutSwaps: summarize(control),
    pauseUs: pause.length ? summarize(pause) : null, beforeUs: before.length ? summarize(before) : null, afterUs: after.length ? summarize(after) : null, preparedUs: prepared.length ? summarize(prepared) : null, blockedUs: summarize(blocked), instantiateUs: summarize(inst), swapsRecorded: blocked.length,
    stepGapsUs: STEPS.map((step, i) => ({ step, us: gaps[i].length ? summarize(gaps[i]) : null })) };
}
