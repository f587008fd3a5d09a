// The speed targets, checked against one run's figures.
import type { HandlerPart } from './part-handlers.js';
import type { LivePart } from './part-live.js';
import type { SwapPart } from './part-swap.js';

export interface TargetResult { target: string; value: string; met: boolean | null; note: string }

const x = (v: number | null | undefined) => (v == null ? 'n/a' : `${v.toFixed(2)}x`);

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
  const fw = h?.rows.find((r) => r.handler === 'firewall');
  out.push({
    target: 'firewall <= 2x the eBPF program (ns/packet, metered)',
    value: x(fw?.ratios.meteredOverEbpf), met: fw?.ratios.meteredOverEbpf == null ? null : fw.ratios.meteredOverEbpf <= 2,
    note: fw?.ebpf ? `unmetered ${x(fw.ratios.wasmOverEbpf)}; eBPF net of BPF_PROG_RUN's own ${fw.ebpfEmpty?.median.toFixed(0)} ns` : (h?.ebpfUnavailable ?? 'handler part not run'),
  });
  const vsDgram = fwLive && dgram ? fwLive.pps.median / dgram.pps.median : null;
  const dropVsDgram = drop && dgram ? drop.pps.median / dgram.pps.median : null;
  out.push({
    target: 'wasmxdp >= 5x the pps of Node dgram',
    value: x(vsDgram), met: vsDgram == null ? null : vsDgram >= 5,
    note: dgram ? `firewall (metered) / dgram; drop-all / dgram ${x(dropVsDgram)}; dgram delivered ${(dgram.delivered.median * 100).toFixed(0)}%, CPU ${dgram.cpuUsPerFrame?.median.toFixed(2) ?? 'n/a'} us/frame vs firewall ${fwLive?.cpuUsPerFrame?.median.toFixed(2) ?? 'n/a'}` : (live?.unavailable ?? 'live part not run'),
  });
  out.push({
    target: 'zero frames lost in a hot swap',
    value: swap && !swap.notMeasured ? `${swap.lost.max} lost (worst of ${swap.lost.n})` : 'n/a',
    met: swap && !swap.notMeasured ? swap.lost.max === 0 : null,
    note: swap?.notMeasured ?? (swap ? `pause ${swap.pauseUs ? swap.pauseUs.median.toFixed(0) + ' us median' : 'not measured'}; ${swap.lostWithoutSwaps.max} lost at most without a deploy` : 'swap part not run'),
  });
  return out;
}
