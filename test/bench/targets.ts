// The issue's speed targets, checked against one run's figures.
import type { HandlerPart } from './part-handlers.js';
import { PASS_ROW, REFLECT_PACED, type LivePart, type LiveRow } from './part-live.js';
import type { SwapPart } from './part-swap.js';
import type { Summary } from './stats.js';

export interface TargetResult { target: string; value: string; met: boolean | null; note: string }

const x = (v: number | null | undefined) => (v == null ? 'n/a' : `${v.toFixed(2)}x`);
/** "1.23x (1.10-1.40x over 5 repetitions)": the ratio of medians and the per-repetition spread. */
const xs = (v: number | null | undefined, spread: Summary | null | undefined) =>
  (spread ? `${x(v)} (${spread.min.toFixed(2)}-${spread.max.toFixed(2)}x over ${spread.n} repetitions)` : x(v));

/** Issue 10, target 1: the host's share of a handler's cost, ratios within one run. */
function hostShareTargets(h: HandlerPart | null): TargetResult[] {
  const row = (name: string) => h?.rows.find((r) => r.handler === name);
  const pass = row('pass (host only)');
  const passRatio = pass ? pass.wasmMetered.median / pass.js.median : null;
  const out: TargetResult[] = [{
    target: 'PASS-only guest (metered) <= 2x the plain-JS loop (ns/packet)',
    value: xs(passRatio, pass?.repRatios?.meteredOverJs), met: passRatio == null ? null : passRatio <= 2,
    note: pass ? `${pass.wasmMetered.median.toFixed(1)} vs ${pass.js.median.toFixed(1)} ns/packet; unmetered ${x(pass.ratios.wasmOverJs)}` : 'handler part not run',
  }];
  for (const name of ['firewall', 'udp-reflector']) {
    const r = row(name);
    out.push({
      target: `${name} metered <= 1.5x its eBPF program (ns/packet)`,
      value: xs(r?.ratios.meteredOverEbpf, r?.repRatios?.meteredOverEbpf), met: r?.ratios.meteredOverEbpf == null ? null : r.ratios.meteredOverEbpf <= 1.5,
      note: r?.ebpf ? `unmetered ${x(r.ratios.wasmOverEbpf)}; eBPF net of BPF_PROG_RUN's own ${r.ebpfEmpty?.median.toFixed(0)} ns` : (h?.ebpfUnavailable ?? 'handler part not run'),
    });
  }
  return out;
}

/** Issue 10, target 5: a hot swap holds the data path <= 50 us (median) and loses nothing. */
function swapTargets(swap: SwapPart | null): TargetResult[] {
  const measured = swap && !swap.notMeasured ? swap : null;
  const pause = measured?.pauseUs ?? null;
  return [{
    target: 'hot swap: pause <= 50 us median, zero frames lost',
    value: measured ? `${pause ? pause.median.toFixed(0) + ' us' : 'n/a'}; ${measured.lost.max} lost (worst of ${measured.lost.n})` : 'n/a',
    met: measured && pause ? pause.median <= 50 && measured.lost.max === 0 : null,
    note: swap?.notMeasured ?? (measured ? `pause ${pause ? `${pause.min.toFixed(0)}-${pause.max.toFixed(0)} us over ${pause.n} swaps` : 'not measured'}; gaps by step (median us) ${(measured.stepGapsUs ?? []).map((g) => `${g.step} ${g.us ? g.us.median.toFixed(0) : 'n/a'}`).join(', ') || 'n/a'}; ${measured.lostWithoutSwaps.max} lost at most without a deploy` : 'swap part not run'),
  }];
}

export function checkTargets(h: HandlerPart | null, live: LivePart | null, swap: SwapPart | null): TargetResult[] {
  const out: TargetResult[] = [];
  const row = (name: string) => live?.rows.find((r) => r.receiver === name);
  const drop = row('wasmxdp drop-all'), c = row('C AF_XDP drop loop'), dgram = row('Node dgram socket');
  const fwLive = row('wasmxdp firewall (metered)');
  const noLive = live?.unavailable ?? 'live part not run';
  const cpu = (r: LiveRow | undefined) => r?.threadUsPerFrame?.median ?? null;
  const over = (a: number | null, b: number | null) => (a !== null && b !== null && b > 0 ? a / b : null);
  const drainNote = (r: LiveRow | undefined) => `drain ${r?.drainMfps?.median.toFixed(2) ?? 'n/a'} vs ${c?.drainMfps?.median.toFixed(2) ?? 'n/a'} Mframes/s (C loop / it: ${x(over(c?.drainMfps?.median ?? null, r?.drainMfps?.median ?? null))})`;
  for (const [r, name, limit] of [[drop, 'wasmxdp drop-all', 1.2], [fwLive, 'wasmxdp firewall (metered)', 1.35]] as const) {
    const v = over(cpu(r), cpu(c));
    out.push({
      target: `${name} <= ${limit}x the C AF_XDP loop's receiver CPU per frame (thread + softirq)`,
      value: x(v), met: v === null ? null : v <= limit,
      note: r && c ? `${cpu(r)?.toFixed(2) ?? 'n/a'} vs ${cpu(c)?.toFixed(2) ?? 'n/a'} us/frame; ${drainNote(r)}` : noLive,
    });
  }
  const vsDgram = over(cpu(fwLive), cpu(dgram));
  out.push({
    target: 'wasmxdp firewall (metered) <= 1/3 of Node dgram\'s receiver CPU per frame',
    value: x(vsDgram), met: vsDgram === null ? null : vsDgram <= 1 / 3,
    note: dgram ? `${cpu(fwLive)?.toFixed(2) ?? 'n/a'} vs ${cpu(dgram)?.toFixed(2) ?? 'n/a'} us/frame; dgram delivered ${(dgram.delivered.median * 100).toFixed(0)}%` : noLive,
  });
  const refl = row('wasmxdp udp-reflector'), paced = row(REFLECT_PACED), cRefl = row('C AF_XDP reflect loop');
  out.push({
    target: 'reflect: >= 99% delivered at the C reflect loop\'s rate, >= 0.95x its rate at full load',
    value: paced && refl ? `${(paced.delivered.median * 100).toFixed(1)}%, ${x(refl.ratioToC)}` : 'n/a',
    met: paced && refl?.ratioToC != null ? paced.delivered.median >= 0.99 && refl.ratioToC >= 0.95 : null,
    note: refl && cRefl ? `full load: delivered ${(refl.delivered.median * 100).toFixed(1)}% vs C ${(cRefl.delivered.median * 100).toFixed(1)}%; CPU ${cpu(refl)?.toFixed(2) ?? 'n/a'} vs ${cpu(cRefl)?.toFixed(2) ?? 'n/a'} us/frame` : noLive,
  });
  const pass = row(PASS_ROW);
  out.push({
    target: 'PASS: throughput beside the kernel\'s own delivery to the same socket (report)',
    value: x(pass?.ratioToC), met: null,
    note: pass && dgram ? `${(pass.pps.median / 1000).toFixed(0)} vs ${(dgram.pps.median / 1000).toFixed(0)} kpps delivered; ${cpu(pass)?.toFixed(2) ?? 'n/a'} us/frame of the worker thread (one sendmmsg per burst)` : noLive,
  });
  const mq = live?.multiQueue;
  out.push({
    target: 'multi-queue: --queue all on 2 queues vs 1 queue (report the ratio and its bound)',
    value: x(mq?.ratio), met: null,
    note: mq ? `${(mq.oneQueue.pps.median / 1000).toFixed(0)} vs ${(mq.twoQueues.pps.median / 1000).toFixed(0)} kpps; CPU ${mq.oneQueue.cpuUsPerFrame?.median.toFixed(2) ?? 'n/a'} vs ${mq.twoQueues.cpuUsPerFrame?.median.toFixed(2) ?? 'n/a'} us/frame; one sender core feeds both` : noLive,
  });
  out.push(...hostShareTargets(h));
  out.push(...swapTargets(swap));
  return out;
}
