// The issue's speed targets, checked against one run's figures.
import type { HandlerPart } from './part-handlers.js';
import type { LivePart } from './part-live.js';
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
    note: swap?.notMeasured ?? (measured ? `pause ${pause ? `${pause.min.toFixed(0)}-${pause.max.toFixed(0)} us over ${pause.n} swaps` : 'not measured'}; before/after the swap ${measured.beforeUs ? measured.beforeUs.median.toFixed(0) : 'n/a'}/${measured.afterUs ? measured.afterUs.median.toFixed(0) : 'n/a'} us median; the earlier gap that prepared it ${measured.preparedUs ? measured.preparedUs.median.toFixed(0) + ' us median' : 'n/a'}; ${measured.lostWithoutSwaps.max} lost at most without a deploy` : 'swap part not run'),
  }];
}

export function checkTargets(h: HandlerPart | null, live: LivePart | null, swap: SwapPart | null): TargetResult[] {
  const out: TargetResult[] = [];
  const row = (name: string) => live?.rows.find((r) => r.receiver === name);
  const drop = row('wasmxdp drop-all'), c = row('C AF_XDP drop loop'), dgram = row('Node dgram socket');
  const fwLive = row('wasmxdp firewall (metered)');
  out.push({
    target: 'wasmxdp drop-all >= 0.9x the C AF_XDP loop (pps)',
    value: x(drop?.ratioToC), met: drop?.ratioToC == null ? null : drop.ratioToC >= 0.9,
    note: drop && c ? `delivered ${(drop.delivered.median * 100).toFixed(0)}% vs ${(c.delivered.median * 100).toFixed(0)}%; CPU ${drop.cpuUsPerFrame?.median.toFixed(2) ?? 'n/a'} vs ${c.cpuUsPerFrame?.median.toFixed(2) ?? 'n/a'} us/frame` : (live?.unavailable ?? 'live part not run'),
  });
  out.push(...hostShareTargets(h));
  const vsDgram = fwLive && dgram ? fwLive.pps.median / dgram.pps.median : null;
  const dropVsDgram = drop && dgram ? drop.pps.median / dgram.pps.median : null;
  out.push({
    target: 'wasmxdp >= 5x the pps of Node dgram',
    value: x(vsDgram), met: vsDgram == null ? null : vsDgram >= 5,
    note: dgram ? `firewall (metered) / dgram; drop-all / dgram ${x(dropVsDgram)}; dgram delivered ${(dgram.delivered.median * 100).toFixed(0)}%, CPU ${dgram.cpuUsPerFrame?.median.toFixed(2) ?? 'n/a'} us/frame vs firewall ${fwLive?.cpuUsPerFrame?.median.toFixed(2) ?? 'n/a'}` : (live?.unavailable ?? 'live part not run'),
  });
  out.push(...swapTargets(swap));
  return out;
}
