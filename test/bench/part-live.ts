// Part 2: live throughput on a veth pair inside namespaces of our own. A
// fixed count of 64-byte frames from trafgen at full rate into one port;
// receivers measured one after another in the same run, several rounds
// interleaved. pps = frames the receiver got / seconds the flood took; CPU
// per frame = the receiving process's user+system time / frames (the
// kernel's veth and XDP work runs in the sender's softirq and is not in it).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { nativeAvailable } from '../../native/index.js';
import { liveUnavailableReason } from '../helpers/live.js';
import { sweepStaleNamespaces } from '../helpers/netns.js';
import { buildEbpf } from './ebpf.js';
import { BenchLab, benchFrame, createLab, flood, txEndRxPackets } from './live/lab.js';
import { Mode, Receiver, XSK_DROP, cAfXdp, kernelDrop, nodeDgram, wasmxdp } from './live/receivers.js';
import { Summary, summarize } from './stats.js';

export interface LiveOptions { frames: number; reps: number; mode: Mode }

interface Case { name: string; kind: 'drop' | 'reflect'; receiver: Receiver }

const CASES: Case[] = [
  { name: 'kernel XDP_DROP (upper bound)', kind: 'drop', receiver: kernelDrop },
  { name: 'C AF_XDP drop loop', kind: 'drop', receiver: cAfXdp(false) },
  { name: 'wasmxdp drop-all', kind: 'drop', receiver: wasmxdp('test/bench/guests/drop.ts', false) },
  { name: 'wasmxdp firewall (metered)', kind: 'drop', receiver: wasmxdp('examples/firewall', true) },
  { name: 'wasmxdp firewall (unmetered)', kind: 'drop', receiver: wasmxdp('examples/firewall', false) },
  { name: 'Node dgram socket', kind: 'drop', receiver: nodeDgram },
  { name: 'C AF_XDP reflect loop', kind: 'reflect', receiver: cAfXdp(true) },
  { name: 'wasmxdp udp-reflector', kind: 'reflect', receiver: wasmxdp('examples/udp-reflector', false) },
];

export const LIVE_BASELINE = { drop: 'C AF_XDP drop loop', reflect: 'C AF_XDP reflect loop' };

export interface LiveRow {
  receiver: string;
  kind: 'drop' | 'reflect';
  /** Frames per second the receiver took in (reflect: frames that came back to the sender). */
  pps: Summary;
  ratioToC: number | null;
  /** Receiver process CPU microseconds per frame. */
  cpuUsPerFrame: Summary | null;
  /** Fraction of the frames sent that were received (reflect: came back). */
  delivered: Summary;
}

export interface LivePart {
  unavailable: string | null;
  mode: Mode;
  frames: number;
  reps: number;
  /** Flood rate with the kernel dropping at the hook: what the sender manages. */
  senderPps: Summary | null;
  rows: LiveRow[];
}

function unavailable(): string | null {
  const live = liveUnavailableReason();
  if (live) return live;
  if (!nativeAvailable()) return 'the native addon is not built (node native/build.mjs)';
  if (!fs.existsSync(XSK_DROP)) return `${XSK_DROP} is not built (node native/build.mjs)`;
  if (spawnSync('trafgen', ['-v']).error) return 'trafgen (netsniff-ng) is not installed';
  if (spawnSync('bpftool', ['version']).error) return 'bpftool is not installed';
  return buildEbpf();
}

async function measure(l: BenchLab, c: Case, o: LiveOptions): Promise<{ pps: number; cpu: number | null; delivered: number }> {
  const frame = benchFrame(l, c.kind === 'reflect' ? 7 : 9);
  // Bounded: at least 20 kpps or the flood is cut off by its timeout.
  const maxSeconds = Math.ceil(o.frames / 20_000) + 5;
  const running = await c.receiver(l, o.mode, maxSeconds + 10);
  let back0 = 0;
  if (c.kind === 'reflect') back0 = txEndRxPackets(l);
  let seconds: number;
  try {
    seconds = await flood(l, frame, o.frames, maxSeconds);
  } finally {
    await new Promise((r) => setTimeout(r, 500));
  }
  const s = await running.stop();
  const got = c.kind === 'reflect' ? txEndRxPackets(l) - back0 : s.received;
  return { pps: got / seconds, cpu: s.received > 0 && s.cpuSeconds > 0 ? (s.cpuSeconds * 1e6) / s.received : null, delivered: got / o.frames };
}

export async function runLivePart(o: LiveOptions, log: (s: string) => void): Promise<LivePart> {
  const why = unavailable();
  if (why) {
    log(`live part not measured: ${why}`);
    return { unavailable: why, mode: o.mode, frames: o.frames, reps: o.reps, senderPps: null, rows: [] };
  }
  sweepStaleNamespaces();
  const l = createLab();
  const samples = new Map<string, { pps: number[]; cpu: number[]; delivered: number[] }>();
  try {
    for (let r = 0; r < o.reps; r++) {
      for (const c of CASES) {
        log(`live ${r + 1}/${o.reps}: ${c.name}`);
        const m = await measure(l, c, o);
        const s = samples.get(c.name) ?? { pps: [], cpu: [], delivered: [] };
        s.pps.push(m.pps);
        if (m.cpu !== null) s.cpu.push(m.cpu);
        s.delivered.push(m.delivered);
        samples.set(c.name, s);
      }
    }
  } finally {
    l.lab.destroy();
  }
  const rows: LiveRow[] = CASES.map((c) => {
    const s = samples.get(c.name)!;
    return {
      receiver: c.name, kind: c.kind, pps: summarize(s.pps), ratioToC: null,
      cpuUsPerFrame: s.cpu.length ? summarize(s.cpu) : null, delivered: summarize(s.delivered),
    };
  });
  for (const row of rows) {
    const base = rows.find((x) => x.receiver === LIVE_BASELINE[row.kind])!;
    row.ratioToC = row.pps.median / base.pps.median;
  }
  const kernel = samples.get(CASES[0].name)!;
  return { unavailable: null, mode: o.mode, frames: o.frames, reps: o.reps, senderPps: summarize(kernel.pps), rows };
}
