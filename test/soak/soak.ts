// The soak: `wasmxdp serve` on a veth port in namespaces it creates, under
// steady traffic for a long time, with deploys, rollbacks and map writes at
// intervals. It reports frames sent vs judged (and socket drops), the
// daemon's RSS and main-thread heap over time with their slopes, the pauses
// the swaps caused, and every error. A chain port (two stages) on a second
// veth gets a tenth of the traffic, deploys and rollbacks on one stage and map
// writes on the other: its frames are accounted for the same way. The caller must run inside a test
// namespace (liveSuite or reexecInOwnNetns): traffic never leaves it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { compileHandlerCached } from '../../host/compile.js';
import { ROOT } from '../helpers/cli.js';
import { TestDaemon } from '../helpers/daemon.js';
import { NetLab } from '../helpers/netns.js';
import { sendFrames } from '../helpers/traffic.js';
import { rawFrame } from '../pipeline/ops/ops-helpers.js';

export interface SoakOptions {
  seconds: number;
  /** Offered frames per second. */
  rate: number;
  deployEverySec: number;
  /** Every this many deploys, a rollback follows instead of the next deploy. */
  rollbackEvery: number;
  mapWriteEverySec: number;
  sampleEverySec: number;
  progress?: (line: string) => void;
}

export const DEFAULT_SOAK: Omit<SoakOptions, 'seconds'> = { rate: 20_000, deployEverySec: 10, rollbackEvery: 3, mapWriteEverySec: 5, sampleEverySec: 5 };

export interface Sample { t: number; rssBytes: number; heapUsedBytes: number; judged: number; sent: number }

export interface SoakReport {
  seconds: number;
  /** Frames per second asked for, and what the sender reached (sent / run time). */
  rate: number;
  achievedRate: number;
  sent: number;
  judged: number;
  socketDrops: { rxDropped: number; rxRingFull: number; fillRingEmpty: number };
  /** sent - judged - socket drops: frames nobody can account for. */
  unaccounted: number;
  deploys: number;
  rollbacks: number;
  mapWrites: number;
  swapPauseUs: { measured: number; median: number | null; p99: number | null; max: number | null };
  samples: Sample[];
  /** Least-squares slope over the samples after the first fifth (warm-up), in bytes per minute. */
  rssSlopeBytesPerMin: number;
  heapSlopeBytesPerMin: number;
  rssStartBytes: number;
  rssEndBytes: number;
  errors: string[];
  /** Daemon log lines at warn or error. */
  logProblems: string[];
  /** The chain port's frames (its first stage judges every frame): sent, judged, socket drops, unaccounted. */
  chain?: { sent: number; judged: number; socketDrops: number; unaccounted: number };
}

/** Least-squares slope of y over x. */
export function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n, my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0, den = 0;
  for (let i = 0; i < n; i++) { num += (xs[i] - mx) * (ys[i] - my); den += (xs[i] - mx) ** 2; }
  return den === 0 ? 0 : num / den;
}

const pct = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * p) - 1)] : null);

interface PortStats {
  packets: number;
  socket: { rxDropped: number; rxRingFull: number; rxFillRingEmptyDescs: number };
  queues: { swaps: { pauseUs: number | null; at: number }[] }[];
}

export async function runSoak(opts: SoakOptions): Promise<SoakReport> {
  const say = opts.progress ?? (() => {});
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-soak-'));
  const lab = new NetLab();
  let daemon: TestDaemon | null = null;
  const errors: string[] = [];
  try {
    const wasm: Record<string, string> = {};
    for (const g of ['swap-counter-v1', 'swap-counter-v2', 'chain-count']) {
      wasm[g] = path.join(tmp, `${g}.wasm`);
      fs.writeFileSync(wasm[g], await compileHandlerCached(path.join(ROOT, `test/pipeline/guests/${g}.ts`)));
    }
    wasm.v1 = wasm['swap-counter-v1'];
    wasm.v2 = wasm['swap-counter-v2'];
    const peerNs = lab.addNetns();
    const veth = lab.addVeth({ peerNs });
    const chainVeth = lab.addVeth({ peerNs });
    const health = { packets: 100, ms: 500 };
    daemon = await TestDaemon.start(tmp, {
      ports: [
        { name: 'edge', iface: veth.name, program: { path: wasm.v1, health } },
        { name: 'chain', iface: chainVeth.name, chain: [{ stage: 'count', program: { path: wasm['chain-count'] } }, { stage: 'hits', program: { path: wasm.v1, health: { packets: 0, ms: 0 } } }] },
      ],
    }, 30_000, ['--log-format', 'json']);
    const client = daemon.client;
    const stats = async () => ((await client.request('stats', { port: 'edge' })) as { ports: PortStats[] }).ports[0];
    // The chain's first stage judges every frame the port receives.
    const chainStats = async () => ((await client.request('stats', { port: 'chain', stage: 'count' })) as { ports: { stages: PortStats[] }[] }).ports[0].stages[0];
    const memory = async () => ((await client.request('status')) as { memory: { rssBytes: number; heapUsedBytes: number } }).memory;

    const started = Date.now();
    const end = started + opts.seconds * 1000;
    let sent = 0;
    // Traffic in bounded chunks of about 2 s, back to back, until the end;
    // chunks are sized by the rate the sender actually reached (on a busy
    // machine it falls short of the gap it is given).
    const frame = rawFrame(veth);
    const gapUs = Math.max(1, Math.round(1e6 / opts.rate));
    let reached = opts.rate;
    const traffic = (async () => {
      while (Date.now() < end - 50) {
        const chunkS = Math.min(2, (end - Date.now()) / 1000);
        const count = Math.max(1, Math.floor(chunkS * Math.min(reached, opts.rate)));
        const t0 = Date.now();
        try {
          const n = await sendFrames(lab, peerNs, veth.peer, [frame], count, { gapUs });
          sent += n;
          reached = Math.max(100, n / Math.max(0.001, (Date.now() - t0) / 1000));
        } catch (e) { errors.push(`traffic: ${(e as Error).message}`); await sleep(500); }
      }
    })();
    // The chain port: a tenth of the rate, in 2-second chunks of its own.
    let chainSent = 0;
    const chainFrame = rawFrame(chainVeth);
    const chainTraffic = (async () => {
      while (Date.now() < end - 50) {
        const chunkS = Math.min(2, (end - Date.now()) / 1000);
        try {
          chainSent += await sendFrames(lab, peerNs, chainVeth.peer, [chainFrame], Math.max(1, Math.floor(chunkS * opts.rate / 10)), { gapUs: gapUs * 10 });
        } catch (e) { errors.push(`chain traffic: ${(e as Error).message}`); await sleep(500); }
      }
    })();

    const samples: Sample[] = [];
    let deploys = 0, rollbacks = 0, mapWrites = 0;
    let nextDeploy = started + opts.deployEverySec * 1000, nextMap = started + opts.mapWriteEverySec * 1000, nextSample = started;
    let next = 'v2';
    while (Date.now() < end) {
      const now = Date.now();
      const t = (now - started) / 1000;
      try {
        if (now >= nextSample) {
          const [m, s] = await Promise.all([memory(), stats()]);
          samples.push({ t, rssBytes: m.rssBytes, heapUsedBytes: m.heapUsedBytes, judged: s.packets, sent });
          say(`${t.toFixed(0).padStart(5)} s  sent ${sent}  judged ${s.packets}  rss ${(m.rssBytes / 2 ** 20).toFixed(1)} MiB  heap ${(m.heapUsedBytes / 2 ** 20).toFixed(1)} MiB  deploys ${deploys}  rollbacks ${rollbacks}  map writes ${mapWrites}  errors ${errors.length}`);
          nextSample += opts.sampleEverySec * 1000;
        }
        if (now >= nextDeploy) {
          if (deploys > 0 && deploys % opts.rollbackEvery === 0 && rollbacks < deploys / opts.rollbackEvery) {
            await client.request('rollback', { port: 'edge' });
            await client.request('rollback', { port: 'chain', stage: 'hits' });
            rollbacks++;
            next = next === 'v2' ? 'v1' : 'v2';
          } else {
            const program = { name: `swap-counter-${next}`, bytes: new Uint8Array(fs.readFileSync(wasm[next])) };
            await client.request('deploy', { port: 'edge', program });
            await client.request('deploy', { port: 'chain', stage: 'hits', program });
            deploys++;
            next = next === 'v2' ? 'v1' : 'v2';
          }
          nextDeploy += opts.deployEverySec * 1000;
        }
        if (now >= nextMap) {
          // Slot 5 of the counters map is the operator's: nothing in the guests touches it.
          const value = String(1000 + mapWrites);
          await client.request('map.set', { port: 'edge', map: 'hits', key: '5', value });
          const got = (await client.request('map.get', { port: 'edge', map: 'hits', key: '5' })) as { total: string };
          if (got.total !== value) errors.push(`map write ${mapWrites}: wrote ${value}, read ${got.total}`);
          await client.request('map.set', { port: 'chain', stage: 'hits', map: 'hits', key: '5', value });
          const gotChain = (await client.request('map.get', { port: 'chain', stage: 'hits', map: 'hits', key: '5' })) as { total: string };
          if (gotChain.total !== value) errors.push(`chain map write ${mapWrites}: wrote ${value}, read ${gotChain.total}`);
          mapWrites++;
          nextMap += opts.mapWriteEverySec * 1000;
        }
      } catch (e) {
        errors.push(`t=${t.toFixed(1)} s: ${(e as Error).message}`);
      }
      await sleep(Math.max(10, Math.min(nextSample, nextDeploy, nextMap, end) - Date.now()));
    }
    await Promise.all([traffic, chainTraffic]);
    // Every frame sent is either judged or counted as a socket drop once the rings drain.
    const deadline = Date.now() + 15_000;
    const accounted = (x: PortStats) => x.packets + x.socket.rxDropped + x.socket.rxRingFull;
    let last = await stats();
    while (accounted(last) < sent && Date.now() < deadline) { await sleep(100); last = await stats(); }
    let lastChain = await chainStats();
    while (accounted(lastChain) < chainSent && Date.now() < deadline) { await sleep(100); lastChain = await chainStats(); }
    const m = await memory();
    samples.push({ t: (Date.now() - started) / 1000, rssBytes: m.rssBytes, heapUsedBytes: m.heapUsedBytes, judged: last.packets, sent });
    const pauses = last.queues.flatMap((q) => q.swaps.map((s) => s.pauseUs)).filter((p): p is number => p !== null);
    const steady = samples.slice(Math.floor(samples.length / 5));
    const perMin = (ys: number[]) => slope(steady.map((s) => s.t / 60), ys);
    const logProblems = daemon.log().split('\n').filter((l) => /"level":"(warn|error)"/.test(l));
    const trafficS = Math.max(0.001, (Date.now() - started) / 1000);
    return {
      seconds: opts.seconds, rate: opts.rate, achievedRate: Math.round(sent / trafficS), sent, judged: last.packets,
      socketDrops: { rxDropped: last.socket.rxDropped, rxRingFull: last.socket.rxRingFull, fillRingEmpty: last.socket.rxFillRingEmptyDescs },
      unaccounted: sent - last.packets - last.socket.rxDropped - last.socket.rxRingFull,
      deploys, rollbacks, mapWrites,
      swapPauseUs: { measured: pauses.length, median: pct(pauses, 0.5), p99: pct(pauses, 0.99), max: pauses.length ? Math.max(...pauses) : null },
      samples,
      rssSlopeBytesPerMin: perMin(steady.map((s) => s.rssBytes)),
      heapSlopeBytesPerMin: perMin(steady.map((s) => s.heapUsedBytes)),
      rssStartBytes: samples[0].rssBytes, rssEndBytes: samples[samples.length - 1].rssBytes,
      errors, logProblems,
      chain: { sent: chainSent, judged: lastChain.packets, socketDrops: lastChain.socket.rxDropped + lastChain.socket.rxRingFull, unaccounted: chainSent - accounted(lastChain) },
    };
  } finally {
    await daemon?.stop();
    lab.destroy();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export function formatReport(r: SoakReport): string {
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
  return [
    `soak: ${(r.seconds / 60).toFixed(1)} min, ${r.achievedRate.toLocaleString('en-US')} frames/s sent on average (${r.rate.toLocaleString('en-US')} asked)`,
    `  frames: sent ${r.sent}, judged ${r.judged}, socket drops ${r.socketDrops.rxDropped + r.socketDrops.rxRingFull} (rx dropped ${r.socketDrops.rxDropped}, ring full ${r.socketDrops.rxRingFull}; fill ring empty ${r.socketDrops.fillRingEmpty}), unaccounted ${r.unaccounted}`,
    ...(r.chain ? [`  chain port (2 stages): sent ${r.chain.sent}, judged ${r.chain.judged}, socket drops ${r.chain.socketDrops}, unaccounted ${r.chain.unaccounted}`] : []),
    `  changes: ${r.deploys} deploys, ${r.rollbacks} rollbacks, ${r.mapWrites} map writes`,
    `  swap pauses (last 64 swaps, ${r.swapPauseUs.measured} measured under traffic): median ${r.swapPauseUs.median ?? '-'} us, p99 ${r.swapPauseUs.p99 ?? '-'} us, max ${r.swapPauseUs.max ?? '-'} us`,
    `  rss: ${mib(r.rssStartBytes)} -> ${mib(r.rssEndBytes)}, slope after warm-up ${kib(r.rssSlopeBytesPerMin)}/min; main-thread heap slope ${kib(r.heapSlopeBytesPerMin)}/min`,
    `  errors: ${r.errors.length}${r.errors.length ? `\n    ${r.errors.slice(0, 20).join('\n    ')}` : ''}`,
    `  daemon log warnings/errors: ${r.logProblems.length}${r.logProblems.length ? `\n    ${r.logProblems.slice(0, 10).join('\n    ')}` : ''}`,
  ].join('\n');
}
