// Markdown tables from a results object: printed by `npm run bench` and
// embedded in docs/benchmarks.md.
import type { Results } from './results.js';
import { fmt, ratio } from './stats.js';

const x = (v: number | null | undefined, d = 2) => (v == null ? 'n/a' : `${v.toFixed(d)}x`);
const kpps = (v: number) => (v / 1000).toFixed(0);

function table(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export function handlersTable(r: Results): string {
  const h = r.handlers;
  if (!h) return '_handler cost: not run_';
  const rows = h.rows.map((row) => [
    row.handler, fmt(row.wasmUnmetered), fmt(row.wasmMetered), fmt(row.ebpf), fmt(row.ebpfRaw), fmt(row.js),
    x(row.ratios.wasmOverEbpf), x(row.ratios.meteredOverEbpf), x(row.ratios.wasmOverJs),
    row.verdicts.agree == null ? 'n/a (time)' : row.verdicts.agree ? 'yes' : `NO ${JSON.stringify(row.verdicts)}`,
  ]);
  return [
    `ns/packet (wasm and JS: CPU time of the benchmark process; eBPF: the kernel's own timing), median (min-max) of ${h.rows[0]?.wasmUnmetered.n ?? 0} repetitions; ${h.frames} frames of the capture mix, batches of ${h.batchSize}.` +
      (h.ebpfUnavailable ? ` eBPF not measured: ${h.ebpfUnavailable}.` : ''),
    '',
    table(['handler', 'wasm unmetered', 'wasm metered', 'eBPF (net)', 'eBPF (BPF_PROG_RUN raw)', 'plain JS',
      'wasm/eBPF', 'metered/eBPF', 'wasm/JS', 'same verdicts'], rows),
  ].join('\n');
}

export function liveTable(r: Results): string {
  const l = r.live;
  if (!l) return '_live throughput: not run_';
  if (l.unavailable) return `_live throughput not measured: ${l.unavailable}_`;
  const rows = l.rows.map((row) => [
    row.receiver, row.kind, `${kpps(row.pps.median)} (${kpps(row.pps.min)}-${kpps(row.pps.max)})`, x(row.ratioToC),
    `${(row.delivered.median * 100).toFixed(1)}%`, fmt(row.threadUsPerFrame, 2), fmt(row.cpuUsPerFrame, 2), fmt(row.drainMfps, 2),
  ]);
  return [
    `${l.frames} frames of 64 bytes per receiver and round, ${l.reps} rounds, ${l.mode.toUpperCase()} mode on veth; ` +
      `kpps = frames received (reflect: frames back at the sender) / seconds the flood took; ratio to the C AF_XDP loop of the same kind. ` +
      `Receiver on core 1, sender on core 0. thread CPU = the receiving thread's on-CPU time + core 1's softirq time per frame; ` +
      `process CPU = all the receiver's threads; drain = Mframes per second of the receiving thread's CPU emptying a filled RX ring.`,
    '',
    table(['receiver', 'kind', 'kpps median (min-max)', 'ratio to C', 'delivered', 'thread CPU us/frame', 'process CPU us/frame', 'drain Mframes/s'], rows),
    ...lossLines(l.rows),
    ...(l.multiQueue ? ['', multiQueueTable(l.multiQueue)] : []),
  ].join('\n');
}

function lossLines(rows: NonNullable<Results['live']>['rows']): string[] {
  const lines = rows.filter((r) => r.losses && Object.values(r.losses).some((v) => v > 0))
    .map((r) => `- ${r.receiver}: ${Object.entries(r.losses!).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  return lines.length ? ['', 'Where wasmxdp lost frames or the kernel refused work (its own counters, last round):', '', ...lines] : [];
}

function multiQueueTable(m: NonNullable<NonNullable<Results['live']>['multiQueue']>): string {
  const row = (name: string, x: typeof m.oneQueue) => [name, `${kpps(x.pps.median)} (${kpps(x.pps.min)}-${kpps(x.pps.max)})`, fmt(x.cpuUsPerFrame, 2)];
  return [
    `Multi-queue: wasmxdp ${m.handler}, ${m.mode.toUpperCase()} mode, flows spread by random source ports, two cores shared by the sender and the workers; ` +
      `--queue all on 2 queues / 1 queue = ${m.ratio.toFixed(2)}x.`,
    '',
    table(['workers', 'kpps median (min-max)', 'process CPU us/frame'], [row('1 queue, 1 worker', m.oneQueue), row('--queue all: 2 queues, 2 workers', m.twoQueues)]),
  ].join('\n');
}

export function swapTable(r: Results): string {
  const s = r.swap;
  if (!s) return '_hot swap: not run_';
  if (s.notMeasured) return `_not measured: ${s.notMeasured}_`;
  return [
    `${s.frames} frames at ${s.pps / 1000} kpps per run, ${s.swapsPerRun} deploys per run, ${s.lost.n} runs (and as many without deploys); ${s.swapsRecorded} swaps recorded by the daemon.`,
    '',
    table(['figure', 'median (min-max)'], [
      ['frames lost per run, with deploys', fmt(s.lost, 0)],
      ['frames lost per run, no deploy (control)', fmt(s.lostWithoutSwaps, 0)],
      ['pause: the longest gap between bursts the swap caused (us)', fmt(s.pauseUs, 0)],
      ...(s.stepGapsUs ?? []).map((g): [string, string] => [`  gap of the step '${g.step}' (us)`, fmt(g.us, 0)]),
      ['  switch: last old batch to the switch (us)', fmt(s.beforeUs ?? null, 0)],
      ['  switch: its end to the end of the first new batch (us)', fmt(s.afterUs ?? null, 0)],
      ['burst loop held by the switch (us)', fmt(s.blockedUs, 0)],
      ['longest gap before the switch (us)', fmt(s.preparedUs ?? null, 0)],
      ['instantiate (us)', fmt(s.instantiateUs, 0)],
    ]),
  ].join('\n');
}

export function scalingTables(r: Results): string {
  if (!r.scaling) return '_scaling: not run_';
  return r.scaling.map((c) => {
    const series = Object.keys(c.points[0]?.series ?? {});
    const rows = c.points.map((p) => [String(p.x), ...series.map((k) => fmt(p.series[k]))]);
    return [`**${c.name}** (${c.unit}; ${c.note})`, '', table([c.x, ...series], rows)].join('\n');
  }).join('\n\n');
}

export function targetsTable(r: Results): string {
  return table(['target', 'this run', 'met', 'note'],
    r.targets.map((t) => [t.target, t.value, t.met == null ? 'not measured' : t.met ? 'yes' : '**no**', t.note]));
}

export function tenantsTables(r: Results): string {
  const t = r.tenants;
  if (!t) return 'not run';
  const x = (v: number | null) => (v === null ? 'n/a' : `${v.toFixed(2)}x`);
  const pass = t.noisy.find((n) => n.neighbour.startsWith('A passes'));
  return [
    'Tenant copy per frame (ns; median (min-max)): raw copy in + compare, + copy back; and a whole operator + tenant chain whose tenant stage looks or rewrites.',
    table(['frame bytes', 'copy + compare', 'copy + compare + back', 'chain, tenant looks', 'chain, tenant rewrites'],
      t.copy.map((c) => [String(c.size), fmt(c.lookNs), fmt(c.rewriteNs), fmt(c.chainLookNs), fmt(c.chainRewriteNs)])),
    'Chain cost per packet (ns, 64-byte frames, PASS guests):',
    table(['chain', 'ns/packet', 'vs one stage'], [
      ['one operator stage (UMEM)', fmt(t.chain.oneStageNs), '1.00x'],
      ['operator + tenant stage (copy)', fmt(t.chain.operatorPlusTenantNs), x(ratio(t.chain.operatorPlusTenantNs, t.chain.oneStageNs))],
      ['two operator stages', fmt(t.chain.twoOperatorNs), x(ratio(t.chain.twoOperatorNs, t.chain.oneStageNs))],
    ]),
    'Noisy neighbour (tenant B\'s delivered rate and batch p99; A and B share every 256-frame batch half and half):',
    table(['neighbour A', 'B frames/s', 'B vs A passing', 'batch p99 (us)', 'A quarantined'],
      t.noisy.map((n) => [n.neighbour, fmt(n.bPps, 0), x(ratio(n.bPps, pass?.bPps)), fmt(n.batchP99Us, 0), n.aQuarantined ? 'yes' : 'no'])),
    ...t.bounds.map((b) => `- ${b}`),
  ].join('\n\n');
}

export function fleetTable(r: Results): string {
  const f = r.fleet;
  if (!f) return 'not run';
  if (f.unavailable) return `not measured: ${f.unavailable}`;
  const one = f.rows.find((x) => x.nodes === 1);
  const x = (v: number | null) => (v === null ? 'n/a' : `${v.toFixed(2)}x`);
  return [
    `\`wasmxdp fleet deploy\` (canary 1, idle nodes, 0 ms health check) until every node runs the new version; median (min-max) of ${f.reps} rollout(s). WAL bytes: etcd_disk_wal_write_bytes_total over the rollout (module, records, desired keys, node reports).`,
    table(['nodes', 'deploy to all (ms)', 'vs 1 node', 'controller (ms)', 'etcd WAL bytes per rollout', 'idle WAL bytes/s'],
      f.rows.map((row) => [String(row.nodes), fmt(row.wallMs, 0), x(ratio(row.wallMs, one?.wallMs)), fmt(row.controllerMs, 0), fmt(row.walBytes, 0), String(row.idleWalBytesPerS)])),
  ].join('\n\n');
}

export function fullReport(r: Results): string {
  return [
    `## Handler cost (no kernel path)`, handlersTable(r),
    `## Live throughput`, liveTable(r),
    `## Hot swap under load`, swapTable(r),
    `## Scaling`, scalingTables(r),
    `## Tenants`, tenantsTables(r),
    `## Fleet rollout`, fleetTable(r),
    `## Targets`, targetsTable(r),
    `Load average (1 min) during the run: ${r.load.min.toFixed(2)}-${r.load.max.toFixed(2)} (mean ${r.load.mean.toFixed(2)}).`,
  ].join('\n\n');
}
