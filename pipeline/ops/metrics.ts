// Prometheus metrics of the daemon, rendered by prom-client from the figures
// the workers already publish once a second (published.ts): a scrape reads
// the main thread's copy and never sends a request to a worker, so it cannot
// touch the data path. Counters are the workers' own running totals; a
// restarted worker starts from zero again, which Prometheus's rate() treats
// as a counter reset. Every per-queue series carries the stage (a chain
// port's stage key, `main` for a single-program port) and the tenant that owns
// it; a chain port's tenants also get the XDP program's per-tenant counters
// (frames classified, over quota, no socket) and their final verdicts.

import client from 'prom-client';
import { ACTION_NAMES, BPF_STAT_KEYS } from '../../host/abi.js';
import { TRAP_KINDS } from '../../host/trap.js';
import { MAIN_STAGE, type PublishedPort, type PublishedSource, type PublishedTenants } from './published.js';

const VERDICTS = ACTION_NAMES;

/** XDP socket statistics (XDP_STATISTICS getsockopt), per interface and queue. */
const SOCKET_COUNTERS = {
  rxDropped: ['rx_dropped', 'frames the kernel dropped for this socket (rx_dropped)'],
  rxRingFull: ['rx_ring_full', 'frames dropped because the socket\'s RX ring was full'],
  rxFillRingEmptyDescs: ['fill_ring_empty', 'times the kernel found the fill ring empty'],
  rxInvalidDescs: ['rx_invalid_descs', 'invalid RX descriptors'],
  txInvalidDescs: ['tx_invalid_descs', 'invalid TX descriptors'],
  txRingEmptyDescs: ['tx_ring_empty', 'times the kernel found the TX ring empty'],
} as const;

/** Counters of the project's XDP program on the interface (kernel side). */
const XDP_COUNTERS = BPF_STAT_KEYS;

const Q = ['port', 'stage', 'tenant', 'queue'] as const;
type Labels = Record<string, string | number>;

interface HistogramValue { labels: Labels; boundsUs: readonly number[]; counts: number[]; sumUs: number; count: number }

export class MetricsExporter {
  readonly registry = new client.Registry();
  private rendering: Promise<unknown> = Promise.resolve();
  private readonly counters = new Map<string, client.Counter<string>>();
  private readonly gauges = new Map<string, client.Gauge<string>>();
  private histogram: HistogramValue[] = [];

  constructor(private readonly source: PublishedSource) {
    // process_resident_memory_bytes, nodejs_heap_size_used_bytes, event loop lag, GC...: the daemon's own health.
    client.collectDefaultMetrics({ register: this.registry });
    const counter = (name: string, help: string, labels: readonly string[]) =>
      this.counters.set(name, new client.Counter({ name, help, labelNames: labels, registers: [this.registry] }));
    const gauge = (name: string, help: string, labels: readonly string[]) =>
      this.gauges.set(name, new client.Gauge({ name, help, labelNames: labels, registers: [this.registry] }));
    counter('wasmxdp_packets_total', 'packets the handler judged, per program version', [...Q, 'version']);
    counter('wasmxdp_verdicts_total', 'verdicts, per program version', [...Q, 'version', 'verdict']);
    counter('wasmxdp_traps_total', 'guest traps by kind', [...Q, 'kind']);
    counter('wasmxdp_version_traps_total', 'guest traps, per program version', [...Q, 'version']);
    counter('wasmxdp_fuel_exhaustions_total', 'traps because the guest ran out of fuel (its per-batch CPU budget)', Q);
    counter('wasmxdp_fail_verdicts_total', 'packets given the configured fail verdict without a guest answer (after a trap, or quarantined)', Q);
    counter('wasmxdp_invalid_verdicts_total', 'verdicts the guest returned that are not valid', Q);
    counter('wasmxdp_instantiations_total', 'instances created (the first one, swaps, re-creation after traps)', Q);
    for (const [, [name, help]] of Object.entries(SOCKET_COUNTERS)) counter(`wasmxdp_xsk_${name}_total`, help, [...Q, 'iface']);
    counter('wasmxdp_xdp_program_actions_total', 'frames by action of the project\'s XDP program on the interface (kernel side)', [...Q, 'iface', 'action']);
    counter('wasmxdp_pass_errors_total', 'PASS verdicts the kernel refused to reinject', [...Q, 'iface']);
    counter('wasmxdp_tx_ring_full_total', 'TX or redirect verdicts dropped because the TX ring was full', [...Q, 'iface']);
    counter('wasmxdp_worker_restarts_total', 'times the supervisor restarted the queue\'s worker', Q);
    gauge('wasmxdp_quarantined', '1 while the queue\'s program is quarantined (answers with its fail verdict); version: the version running', [...Q, 'version']);
    const T = ['port', 'tenant'];
    counter('wasmxdp_tenant_kernel_matched_total', 'frames the XDP program classified as the tenant\'s (kernel side)', T);
    counter('wasmxdp_tenant_kernel_to_user_total', 'tenant frames the XDP program sent to user space', T);
    counter('wasmxdp_tenant_kernel_drops_total', 'tenant frames the XDP program dropped: over the tenant\'s pps quota, or no socket on the queue', [...T, 'reason']);
    counter('wasmxdp_tenant_packets_total', 'tenant frames that reached user space, by final verdict of the chain', [...T, 'verdict']);
    gauge('wasmxdp_worker_down', '1 while the queue\'s worker is down and could not be restarted', Q);
    gauge('wasmxdp_running_version', 'the program version the queue runs', Q);
    gauge('wasmxdp_health', 'health of the running version: 0 unchecked, 1 probation, 2 healthy', Q);
    gauge('wasmxdp_swaps_recorded', 'hot swaps among the last 64 the queue keeps', [...Q, 'reason']);
    gauge('wasmxdp_swap_pause_last_seconds', 'data-path pause of the most recent measured swap', Q);
    gauge('wasmxdp_swap_pause_max_seconds', 'largest data-path pause among the kept swaps', Q);
    gauge('wasmxdp_umem_frames', 'UMEM frames by where they are', [...Q, 'where']);
    gauge('wasmxdp_figures_age_seconds', 'age of the figures the queue\'s worker last published', Q);
    this.registry.registerMetric({
      name: 'wasmxdp_batch_duration_seconds', help: 'host wall time of one batch (guest call over every frame of a burst)', type: 'histogram',
      get: async () => this.histogramValues(),
      reset: () => { this.histogram = []; },
    } as unknown as client.Metric<string>);
  }

  get contentType(): string { return this.registry.contentType; }

  /** The exposition text; scrapes are rendered one at a time. */
  render(): Promise<string> {
    const run = this.rendering.then(() => { this.fill(this.source.published()); return this.registry.metrics(); });
    this.rendering = run.catch(() => {});
    return run;
  }

  private fill(ports: PublishedPort[]): void {
    // Only our own series start over each scrape; the default (process) metrics keep their state.
    for (const m of [...this.counters.values(), ...this.gauges.values()]) m.reset();
    this.histogram = [];
    for (const pt of this.source.publishedTenants?.() ?? []) this.fillTenants(pt);
    const c = (name: string, labels: Labels, v: number) => this.counters.get(name)!.inc(labels, v);
    const g = (name: string, labels: Labels, v: number) => this.gauges.get(name)!.set(labels, v);
    const now = Date.now();
    for (const port of ports) {
      for (const q of port.queues) {
        const base: Labels = { port: port.name, stage: port.stage ?? MAIN_STAGE, tenant: port.owner, queue: q.queue };
        c('wasmxdp_worker_restarts_total', base, q.restarts);
        g('wasmxdp_worker_down', base, q.down ? 1 : 0);
        const f = q.figures;
        if (!f) continue;
        const p = f.program;
        g('wasmxdp_figures_age_seconds', base, Math.max(0, (now - (q.receivedAt ?? now)) / 1000));
        for (const v of f.control?.versions ?? [{ version: f.control?.version ?? 1, packets: p.packets, verdicts: p.verdicts, traps: p.traps }]) {
          const lv = { ...base, version: v.version };
          c('wasmxdp_packets_total', lv, v.packets);
          for (const verdict of VERDICTS) c('wasmxdp_verdicts_total', { ...lv, verdict }, v.verdicts[verdict]);
          c('wasmxdp_version_traps_total', lv, v.traps);
        }
        for (const kind of TRAP_KINDS) c('wasmxdp_traps_total', { ...base, kind }, p.trapsByKind[kind] ?? 0);
        c('wasmxdp_fuel_exhaustions_total', base, p.fuelExhaustions);
        c('wasmxdp_fail_verdicts_total', base, p.failVerdicts);
        c('wasmxdp_invalid_verdicts_total', base, p.invalidVerdicts);
        c('wasmxdp_instantiations_total', base, p.instantiations);
        g('wasmxdp_quarantined', { ...base, version: f.control?.version ?? 1 }, p.quarantined ? 1 : 0);
        for (const where of ['free', 'fill', 'tx', 'held'] as const) g('wasmxdp_umem_frames', { ...base, where }, f.frames[where]);
        for (const s of f.ports) {
          const li = { ...base, iface: s.ifname };
          for (const [key, [name]] of Object.entries(SOCKET_COUNTERS)) c(`wasmxdp_xsk_${name}_total`, li, s.socket[key as keyof typeof SOCKET_COUNTERS]);
          for (const action of XDP_COUNTERS) c('wasmxdp_xdp_program_actions_total', { ...li, action: snake(action) }, s.xdp[action]);
          c('wasmxdp_pass_errors_total', li, s.counters.passErrors);
          c('wasmxdp_tx_ring_full_total', li, s.counters.txRingFull);
        }
        const ctl = f.control;
        if (ctl) {
          g('wasmxdp_running_version', base, ctl.version);
          g('wasmxdp_health', base, ctl.health === 'healthy' ? 2 : ctl.health === 'probation' ? 1 : 0);
          for (const reason of ['deploy', 'rollback', 'health'] as const) g('wasmxdp_swaps_recorded', { ...base, reason }, ctl.swaps.filter((s) => s.reason === reason).length);
          const pauses = ctl.swaps.map((s) => s.pauseUs).filter((x): x is number => x !== null);
          if (pauses.length) {
            g('wasmxdp_swap_pause_last_seconds', base, pauses[pauses.length - 1] / 1e6);
            g('wasmxdp_swap_pause_max_seconds', base, Math.max(...pauses) / 1e6);
          }
        }
        const b = p.batchDuration;
        if (b) this.histogram.push({ labels: base, ...b });
      }
    }
  }

  private fillTenants(pt: PublishedTenants): void {
    const c = (name: string, labels: Labels, v: number) => this.counters.get(name)!.inc(labels, v);
    for (const t of pt.tenants) {
      if (t.id === 0) continue; // frames no tenant owns are the operator stages' figures
      const l = { port: pt.port, tenant: t.name };
      c('wasmxdp_tenant_kernel_matched_total', l, t.kernel.matched);
      c('wasmxdp_tenant_kernel_to_user_total', l, t.kernel.toUser);
      c('wasmxdp_tenant_kernel_drops_total', { ...l, reason: 'quota' }, t.kernel.overQuota);
      c('wasmxdp_tenant_kernel_drops_total', { ...l, reason: 'no_socket' }, t.kernel.noSocket);
      for (const verdict of VERDICTS) c('wasmxdp_tenant_packets_total', { ...l, verdict }, t.verdicts[verdict]);
    }
  }

  private histogramValues(): unknown {
    const name = 'wasmxdp_batch_duration_seconds';
    const values: { metricName: string; labels: Labels; value: number }[] = [];
    for (const h of this.histogram) {
      let cumulative = 0;
      h.boundsUs.forEach((bound, i) => {
        cumulative += h.counts[i];
        values.push({ metricName: `${name}_bucket`, labels: { ...h.labels, le: bound / 1e6 }, value: cumulative });
      });
      values.push({ metricName: `${name}_bucket`, labels: { ...h.labels, le: '+Inf' }, value: h.count });
      values.push({ metricName: `${name}_sum`, labels: h.labels, value: h.sumUs / 1e6 });
      values.push({ metricName: `${name}_count`, labels: h.labels, value: h.count });
    }
    return { name, help: 'host wall time of one batch (guest call over every frame of a burst)', type: 'histogram', values, aggregator: 'sum' };
  }
}

const snake = (s: string) => s.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`);
