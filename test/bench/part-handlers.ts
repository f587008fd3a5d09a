// Part 1: handler cost without the kernel path. ns/packet of each example over
// the capture mix in batches of 64, through the real host (metered and not),
// beside its eBPF twin run by the kernel's JIT (BPF_PROG_RUN) and its plain
// JavaScript twin; verdict histograms show the three judge alike.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../host/compile.js';
import type { Sandbox } from '../../host/sandbox.js';
import { EbpfRun, ebpfUnavailable, runEbpf, writeFramesFile } from './ebpf.js';
import { mixFrames } from './frames.js';
import { ebpfTableValue, readRules } from './fw-rules.js';
import { JsWorkload } from './js-cost.js';
import { dnsGuard } from './js/dns-guard.js';
import { firewall, table } from './js/firewall.js';
import { JsHandler, PASS } from './js/packet.js';
import { rateLimit, resetRateLimit } from './js/rate-limit.js';
import { udpReflector } from './js/udp-reflector.js';
import { Summary, ratio, summarize } from './stats.js';
import { Workload, wasmSandbox } from './wasm-cost.js';

export interface PartOptions { reps: number; packets: number; ebpfRuns: number }

/** Packets per warm-up pass (three passes per implementation). */
const WARMUP_PACKETS = 50_000;

interface Target {
  name: string;
  wasm: string;
  js: JsHandler;
  ebpf: { obj: string; prog: string } | null;
  /** Verdicts depend on time (rate-limit): the three cannot be compared frame for frame. */
  timed?: boolean;
}

const TARGETS: Target[] = [
  { name: 'pass (host only)', wasm: 'test/bench/guests/pass.ts', js: () => PASS, ebpf: null },
  { name: 'udp-reflector', wasm: 'examples/udp-reflector', js: udpReflector, ebpf: { obj: 'udp-reflector', prog: 'udp_reflector' } },
  { name: 'firewall', wasm: 'examples/firewall', js: firewall, ebpf: { obj: 'firewall', prog: 'firewall' } },
  { name: 'dns-guard', wasm: 'examples/dns-guard', js: dnsGuard, ebpf: { obj: 'dns-guard', prog: 'dns_guard' } },
  { name: 'rate-limit', wasm: 'examples/rate-limit', js: rateLimit, ebpf: { obj: 'rate-limit', prog: 'rate_limit' }, timed: true },
];

export interface HandlerRow {
  handler: string;
  wasmUnmetered: Summary;
  wasmMetered: Summary;
  js: Summary;
  /** eBPF program alone: BPF_PROG_RUN's per-run cost (empty program) subtracted. */
  ebpf: Summary | null;
  /** As BPF_PROG_RUN reports it, its loop included. */
  ebpfRaw: Summary | null;
  ebpfEmpty: Summary | null;
  ratios: { wasmOverEbpf: number | null; meteredOverEbpf: number | null; wasmOverJs: number | null; meteredOverUnmetered: number | null };
  /**
   * The same ratios repetition by repetition (metered and JS of one repetition
   * ran back to back; eBPF's round r beside repetition r): their spread.
   * Absent in results written before.
   */
  repRatios?: { meteredOverJs: Summary; meteredOverEbpf: Summary | null };
  verdicts: { wasm: number[]; js: number[]; ebpf: number[] | null; agree: boolean | null };
}

export interface HandlerPart {
  frames: number;
  batchSize: number;
  ebpfUnavailable: string | null;
  rows: HandlerRow[];
}

const same = (a: number[], b: number[]) => a.every((x, i) => x === b[i]);

export async function runHandlerPart(o: PartOptions, log: (s: string) => void): Promise<HandlerPart> {
  const frames = mixFrames();
  const batchSize = 64;
  const noEbpf = ebpfUnavailable();
  if (noEbpf) log(`eBPF column not measured: ${noEbpf}`);
  const framesFile = path.join(os.tmpdir(), `wxbench-${process.pid}-mix.bin`);
  if (!noEbpf) writeFramesFile(framesFile, frames);
  try {
    return { frames: frames.length, batchSize, ebpfUnavailable: noEbpf, rows: await measureAll(o, frames, batchSize, noEbpf, framesFile, log) };
  } finally {
    fs.rmSync(framesFile, { force: true });
  }
}

async function measureAll(o: PartOptions, frames: Uint8Array[], batchSize: number, noEbpf: string | null, framesFile: string,
  log: (s: string) => void): Promise<HandlerRow[]> {
  const rows: HandlerRow[] = [];
  for (const t of TARGETS) {
    log(`handler cost: ${t.name}`);
    const file = path.join(PROJECT_ROOT, t.wasm);
    const plain = new Workload(await wasmSandbox(file, false), frames, batchSize);
    const metered = new Workload(await wasmSandbox(file, true), frames, batchSize);
    let fwTable: Uint8Array | undefined;
    if (t.name === 'firewall') {
      const rules = readRules(plain.sb as Sandbox);
      table.rules.set(rules.records);
      table.count = rules.count;
      fwTable = ebpfTableValue(rules);
    }
    if (t.name === 'rate-limit') resetRateLimit();
    const js = new JsWorkload(t.js, frames, batchSize);
    const verdicts = { wasm: plain.verdicts(), js: js.verdicts(), ebpf: null as number[] | null, agree: null as boolean | null };
    metered.verdicts();
    // Warm-up: V8 tiers wasm and JS up on the first passes, compiling in
    // background threads whose CPU time the measurement would count; three
    // passes of the mix were not enough for wasm's tier-up on a busy machine.
    for (let i = 0; i < 3; i++) { plain.run(WARMUP_PACKETS); metered.run(WARMUP_PACKETS); js.run(WARMUP_PACKETS); }
    const u: number[] = [], m: number[] = [], j: number[] = [];
    for (let r = 0; r < o.reps; r++) {
      u.push(plain.run(o.packets));
      m.push(metered.run(o.packets));
      j.push(js.run(o.packets));
    }
    let ebpf: EbpfRun | null = null;
    if (!noEbpf && t.ebpf) {
      ebpf = runEbpf(t.ebpf.obj, t.ebpf.prog, framesFile, o.ebpfRuns, o.reps, fwTable ? { map: 'fw_rules', value: fwTable } : undefined);
      verdicts.ebpf = ebpf.verdicts;
    }
    if (!t.timed) verdicts.agree = same(verdicts.wasm, verdicts.js) && (!verdicts.ebpf || same(verdicts.wasm, verdicts.ebpf));
    const wasmU = summarize(u), wasmM = summarize(m), jsS = summarize(j);
    const net = ebpf ? summarize(ebpf.rounds.map((x, i) => Math.max(0, x - ebpf!.empty[i]))) : null;
    rows.push({
      handler: t.name,
      wasmUnmetered: wasmU, wasmMetered: wasmM, js: jsS,
      ebpf: net, ebpfRaw: ebpf ? summarize(ebpf.rounds) : null, ebpfEmpty: ebpf ? summarize(ebpf.empty) : null,
      ratios: {
        wasmOverEbpf: ratio(wasmU, net), meteredOverEbpf: ratio(wasmM, net),
        wasmOverJs: ratio(wasmU, jsS), meteredOverUnmetered: ratio(wasmM, wasmU),
      },
      verdicts,
      repRatios: {
        meteredOverJs: summarize(m.map((x, i) => x / j[i])),
        meteredOverEbpf: net && ebpf ? summarize(m.map((x, i) => x / Math.max(1e-9, ebpf!.rounds[i % ebpf!.rounds.length] - ebpf!.empty[i % ebpf!.empty.length]))) : null,
      },
    });
  }
  // The empty program is eBPF's "pass (host only)".
  const passRow = rows.find((r) => r.handler === 'pass (host only)');
  const anyEbpf = rows.find((r) => r.ebpfEmpty);
  if (passRow && anyEbpf) { passRow.ebpfRaw = anyEbpf.ebpfEmpty; passRow.ebpfEmpty = anyEbpf.ebpfEmpty; }
  return rows;
}
