// Part 4: how the cost per packet grows. Firewall against the number of rules
// every packet walks (wasm unmetered and metered, eBPF, JS); udp-reflector and
// firewall against packet size (the reflector checksums the whole datagram);
// firewall and the PASS-only guest against batch size (the host's per-call
// cost spread over the batch).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../host/compile.js';
import { ebpfUnavailable, runEbpf, writeFramesFile } from './ebpf.js';
import { mixFrames, udpFrameOfSize } from './frames.js';
import { ebpfTableValue, walkAllRules, writeRules } from './fw-rules.js';
import { JsWorkload } from './js-cost.js';
import { firewall, table } from './js/firewall.js';
import { udpReflector } from './js/udp-reflector.js';
import { Summary, summarize } from './stats.js';
import { Workload, wasmSandbox } from './wasm-cost.js';

export interface ScalingOptions { reps: number; packets: number; ebpfRuns: number; ruleCounts: number[]; sizes: number[]; batchSizes: number[] }

export interface Point { x: number; series: Record<string, Summary | null> }
export interface Curve { name: string; x: string; unit: string; note: string; points: Point[] }

const FIREWALL = path.join(PROJECT_ROOT, 'examples/firewall');
const REFLECTOR = path.join(PROJECT_ROOT, 'examples/udp-reflector');
const PASS = path.join(PROJECT_ROOT, 'test/bench/guests/pass.ts');

function repeat(w: { run(n: number): number }, o: ScalingOptions): Summary {
  for (let i = 0; i < 3; i++) w.run(o.packets); // tier-up
  const xs: number[] = [];
  for (let i = 0; i < o.reps; i++) xs.push(w.run(o.packets));
  return summarize(xs);
}

function ebpfNet(obj: string, prog: string, frames: Uint8Array[], o: ScalingOptions, table?: Uint8Array): Summary | null {
  if (ebpfUnavailable()) return null;
  const file = path.join(os.tmpdir(), `wxbench-${process.pid}-scaling.bin`);
  writeFramesFile(file, frames);
  let r;
  try {
    r = runEbpf(obj, prog, file, o.ebpfRuns, o.reps, table ? { map: 'fw_rules', value: table } : undefined);
  } finally {
    fs.rmSync(file, { force: true });
  }
  return summarize(r.rounds.map((x, i) => Math.max(0, x - r.empty[i])));
}

async function rules(o: ScalingOptions, log: (s: string) => void): Promise<Curve> {
  const frames = mixFrames();
  const plain = new Workload(await wasmSandbox(FIREWALL, false), frames, 64);
  const metered = new Workload(await wasmSandbox(FIREWALL, true), frames, 64);
  const js = new JsWorkload(firewall, frames, 64);
  const points: Point[] = [];
  for (const n of o.ruleCounts) {
    log(`scaling: firewall with ${n} rules`);
    const t = walkAllRules(n);
    writeRules(plain.sb, t);
    writeRules(metered.sb, t);
    table.rules.set(t.records);
    table.count = t.count;
    points.push({ x: n, series: {
      'wasm unmetered': repeat(plain, o), 'wasm metered': repeat(metered, o), 'plain JS': repeat(js, o),
      eBPF: ebpfNet('firewall', 'firewall', frames, o, ebpfTableValue(t)),
    } });
  }
  return { name: 'firewall: rules walked per packet', x: 'rules', unit: 'ns/packet', points,
    note: 'capture mix, batches of 64; every IP packet walks all rules (the last one matches), non-IP and malformed frames none' };
}

async function sizes(o: ScalingOptions, log: (s: string) => void): Promise<Curve> {
  const points: Point[] = [];
  const refl = await wasmSandbox(REFLECTOR, false), fw = await wasmSandbox(FIREWALL, false);
  for (const size of o.sizes) {
    log(`scaling: ${size}-byte frames`);
    const frames = Array.from({ length: 64 }, () => udpFrameOfSize(size));
    points.push({ x: size, series: {
      'udp-reflector wasm': repeat(new Workload(refl, frames, 64), o),
      'udp-reflector JS': repeat(new JsWorkload(udpReflector, frames, 64), o),
      'udp-reflector eBPF': ebpfNet('udp-reflector', 'udp_reflector', frames.slice(0, 1), o),
      'firewall wasm': repeat(new Workload(fw, frames, 64), o),
    } });
  }
  return { name: 'packet size', x: 'bytes', unit: 'ns/packet', points,
    note: 'IPv4 UDP to port 7 with valid checksums (reflected); frame length without FCS; batches of 64; firewall: demo rules' };
}

async function batches(o: ScalingOptions, log: (s: string) => void): Promise<Curve> {
  const frames = mixFrames();
  const fw = await wasmSandbox(FIREWALL, false), pass = await wasmSandbox(PASS, false);
  const points: Point[] = [];
  for (const b of o.batchSizes) {
    log(`scaling: batches of ${b}`);
    points.push({ x: b, series: {
      'firewall wasm': repeat(new Workload(fw, frames, b), o),
      'pass (host only) wasm': repeat(new Workload(pass, frames, b), o),
    } });
  }
  return { name: 'batch size', x: 'packets per batch', unit: 'ns/packet', points,
    note: 'capture mix, unmetered; one Sandbox.run per batch' };
}

export async function runScalingPart(o: ScalingOptions, log: (s: string) => void): Promise<Curve[]> {
  return [await rules(o, log), await sizes(o, log), await batches(o, log)];
}
