// The shape of bench-results JSON (docs/benchmarks.json) and its check: the
// smoke test and the docs generator both rely on every part being there.
import type { Machine } from './machine.js';
import type { HandlerPart } from './part-handlers.js';
import { PASS_ROW, REFLECT_PACED, type LivePart } from './part-live.js';
import type { Curve } from './part-scaling.js';
import type { SwapPart } from './part-swap.js';
import type { TenantPart } from './part-tenants.js';
import type { FleetPart } from './part-fleet.js';
import { type TargetResult, checkTargets } from './targets.js';

export const RESULTS_VERSION = 1;

export interface Results {
  version: number;
  command: string;
  preset: string;
  machine: Machine;
  load: { min: number; max: number; mean: number; samples: number };
  seconds: number;
  handlers: HandlerPart | null;
  live: LivePart | null;
  swap: SwapPart | null;
  scaling: Curve[] | null;
  /** Absent in results written before the tenants part existed. */
  tenants?: TenantPart | null;
  /** Absent in results written before the fleet part existed. */
  fleet?: FleetPart | null;
  targets: TargetResult[];
}

export const HANDLER_ROWS = ['pass (host only)', 'udp-reflector', 'firewall', 'dns-guard', 'rate-limit'];
export const LIVE_ROWS = ['kernel XDP_DROP (upper bound)', 'C AF_XDP drop loop', 'wasmxdp drop-all', 'wasmxdp firewall (metered)',
  'wasmxdp firewall (unmetered)', 'Node dgram socket', 'C AF_XDP reflect loop', 'wasmxdp udp-reflector', REFLECT_PACED, PASS_ROW];
export const CURVES = ['firewall: rules walked per packet', 'packet size', 'batch size'];

/** Problems with a results object (empty when well-formed); `parts` that were run must be complete. */
export function checkResults(r: Results, parts: string[]): string[] {
  const bad: string[] = [];
  const finite = (v: unknown, what: string) => { if (typeof v !== 'number' || !Number.isFinite(v)) bad.push(`${what}: ${String(v)}`); };
  if (r.version !== RESULTS_VERSION) bad.push(`version ${r.version}`);
  if (!r.machine?.cpu || !r.machine?.kernel) bad.push('machine description');
  if (parts.includes('handlers')) {
    const names = r.handlers?.rows.map((x) => x.handler) ?? [];
    for (const n of HANDLER_ROWS) if (!names.includes(n)) bad.push(`handler row ${n}`);
    for (const row of r.handlers?.rows ?? []) {
      finite(row.wasmUnmetered?.median, `${row.handler} wasm unmetered`);
      finite(row.wasmMetered?.median, `${row.handler} wasm metered`);
      finite(row.js?.median, `${row.handler} js`);
      if (!r.handlers!.ebpfUnavailable && row.handler !== 'pass (host only)') finite(row.ebpf?.median, `${row.handler} ebpf`);
      if (row.verdicts.agree === false) bad.push(`${row.handler}: implementations disagree on verdicts`);
    }
  }
  if (parts.includes('live') && !r.live?.unavailable) {
    const names = r.live?.rows.map((x) => x.receiver) ?? [];
    for (const n of LIVE_ROWS) if (!names.includes(n)) bad.push(`live row ${n}`);
    for (const row of r.live?.rows ?? []) finite(row.pps?.median, `${row.receiver} pps`);
  }
  if (parts.includes('swap') && r.swap && !r.swap.notMeasured) {
    finite(r.swap.lost?.median, 'swap lost');
    finite(r.swap.blockedUs?.median, 'swap blocked');
  }
  if (parts.includes('swap') && !r.swap) bad.push('swap part missing');
  if (parts.includes('scaling')) {
    const names = r.scaling?.map((c) => c.name) ?? [];
    for (const n of CURVES) if (!names.includes(n)) bad.push(`curve ${n}`);
    for (const c of r.scaling ?? []) for (const p of c.points) for (const [k, v] of Object.entries(p.series)) if (v) finite(v.median, `${c.name} ${p.x} ${k}`);
  }
  if (parts.includes('tenants')) {
    const t = r.tenants;
    if (!t) bad.push('tenants part missing');
    for (const c of t?.copy ?? []) { finite(c.lookNs?.median, `copy ${c.size} look`); finite(c.rewriteNs?.median, `copy ${c.size} rewrite`); }
    finite(t?.chain.oneStageNs.median, 'chain one stage');
    finite(t?.chain.operatorPlusTenantNs.median, 'chain two stages');
    for (const n of t?.noisy ?? []) finite(n.bPps.median, `noisy ${n.neighbour}`);
  }
  if (parts.includes('fleet') && !r.fleet) bad.push('fleet part missing');
  if (parts.includes('fleet') && r.fleet && !r.fleet.unavailable) {
    for (const x of r.fleet.rows) { finite(x.wallMs?.median, `fleet ${x.nodes} nodes time`); finite(x.walBytes?.median, `fleet ${x.nodes} nodes bytes`); }
  }
  // One row per target checkTargets knows, measured or not.
  if (r.targets?.length !== checkTargets(null, null, null).length) bad.push('targets');
  return bad;
}
