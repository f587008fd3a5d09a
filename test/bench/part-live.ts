// Part 2: live throughput on a veth pair inside namespaces of our own. A
// fixed count of 64-byte frames from trafgen at full rate into one port;
// receivers measured one after another in the same run, several rounds
// interleaved. The receiver runs on core 1, the sender on core 0 (the
// veth's generic-XDP work, the copy into the UMEM included, runs in the
// sender's softirq there). pps = frames the receiver got / seconds the flood
// took: on two cores it is bounded by the sender, so the figures that tell
// receivers apart are CPU per frame (the receiving thread's own on-CPU time
// plus core 1's softirq time, per frame received) and drain capacity (frames
// per second of that thread's CPU when it empties a ring filled while it was
// stopped: no sender in the picture at all). Reflected frames end in an
// XDP_DROP program on the sender's end, so neither reflector pays for the
// sender's network stack answering them.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { nativeAvailable } from '../../native/index.js';
import { liveUnavailableReason } from '../helpers/live.js';
import { sweepStaleNamespaces } from '../helpers/netns.js';
import { buildEbpf } from './ebpf.js';
import {
  BenchLab, benchFrame, burst, busiestThread, createLab, flood, oneThreadNs, receiverCoreSoftirqSeconds, threadCpuNs, txEndRxPackets,
} from './live/lab.js';
import { LiveSummary, Mode, Receiver, XSK_DROP, attachXdpDrop, cAfXdp, kernelDrop, nodeDgram, wasmxdp, wasmxdpPassToDgram } from './live/receivers.js';
import { Summary, summarize } from './stats.js';

export interface LiveOptions { frames: number; reps: number; mode: Mode }

/**
 * drain: also measure drain capacity (AF_XDP receivers: their RX ring holds
 * the frames sent while stopped). pacedAt: flood at the pps another row
 * reached in the same round instead of full rate.
 */
type Kind = 'drop' | 'reflect' | 'pass';

interface Case { name: string; kind: Kind; receiver: Receiver; drain?: boolean; pacedAt?: string }

export const REFLECT_PACED = 'wasmxdp udp-reflector (at the C loop\'s rate)';
export const PASS_ROW = 'wasmxdp pass-all into a dgram socket';

const CASES: Case[] = [
  { name: 'kernel XDP_DROP (upper bound)', kind: 'drop', receiver: kernelDrop },
  { name: 'C AF_XDP drop loop', kind: 'drop', receiver: cAfXdp(false), drain: true },
  { name: 'wasmxdp drop-all', kind: 'drop', receiver: wasmxdp('test/bench/guests/drop.ts', false), drain: true },
  { name: 'wasmxdp firewall (metered)', kind: 'drop', receiver: wasmxdp('examples/firewall', true), drain: true },
  { name: 'wasmxdp firewall (unmetered)', kind: 'drop', receiver: wasmxdp('examples/firewall', false), drain: true },
  { name: 'Node dgram socket', kind: 'drop', receiver: nodeDgram },
  { name: 'C AF_XDP reflect loop', kind: 'reflect', receiver: cAfXdp(true) },
  { name: 'wasmxdp udp-reflector', kind: 'reflect', receiver: wasmxdp('examples/udp-reflector', false) },
  { name: REFLECT_PACED, kind: 'reflect', receiver: wasmxdp('examples/udp-reflector', false), pacedAt: 'C AF_XDP reflect loop' },
  { name: PASS_ROW, kind: 'pass', receiver: wasmxdpPassToDgram },
];

// Drain capacity: DRAIN_FRAMES fit the RX ring of both AF_XDP receivers (the
// C loop's and wasmxdp's hold 4096); each cycle stops the receiver, sends,
// resumes it and charges its thread's CPU over DRAIN_WAIT_MS; the median of
// those less the median of the same cycle with nothing sent (the stop, the
// resume, its idle wake-ups). The C loop drains in ~10 ns a frame, close to
// what this resolves: its figure has a wide spread.
const DRAIN_FRAMES = 3500, DRAIN_CYCLES = 12, DRAIN_WAIT_MS = 20;

/** What each kind is compared with: PASS with the kernel's own delivery to the same socket. */
export const LIVE_BASELINE = { drop: 'C AF_XDP drop loop', reflect: 'C AF_XDP reflect loop', pass: 'Node dgram socket' };

export interface LiveRow {
  receiver: string;
  kind: Kind;
  /** Where frames went missing or work was refused in wasmxdp's own figures (last round): socket and TX counters. */
  losses: Record<string, number> | null;
  /** Frames per second the receiver took in (reflect: frames that came back to the sender). */
  pps: Summary;
  ratioToC: number | null;
  /** Receiver process CPU microseconds per frame (all its threads, user + system). */
  cpuUsPerFrame: Summary | null;
  /** The receiving thread's on-CPU time plus its core's softirq time, microseconds per frame received. */
  threadUsPerFrame: Summary | null;
  /** Millions of frames per second of the receiving thread's CPU, emptying a filled RX ring. */
  drainMfps: Summary | null;
  /** Fraction of the frames sent that were received (reflect: came back). */
  delivered: Summary;
}

/**
 * `--queue all` on a veth with two queues against one worker on a one-queue
 * veth, same handler, same flows (random source ports), driver mode (veth
 * steers by queue there), neither pinned: two cores for the sender and one
 * or two workers.
 */
export interface MultiQueuePart {
  handler: string;
  mode: Mode;
  oneQueue: { pps: Summary; cpuUsPerFrame: Summary | null };
  twoQueues: { pps: Summary; cpuUsPerFrame: Summary | null };
  /** twoQueues / oneQueue, medians. */
  ratio: number;
}

export interface LivePart {
  unavailable: string | null;
  mode: Mode;
  frames: number;
  reps: number;
  /** Flood rate with the kernel dropping at the hook: what the sender manages. */
  senderPps: Summary | null;
  rows: LiveRow[];
  multiQueue?: MultiQueuePart;
}

const MQ_HANDLER = 'examples/firewall';
const MQ_MODE: Mode = 'drv';

async function measureQueues(l: BenchLab, queue: 0 | 'all', o: LiveOptions, log: (s: string) => void, retry = true): Promise<{ pps: number; cpu: number | null }> {
  const maxSeconds = Math.ceil(o.frames / 20_000) + 5;
  const running = await wasmxdp(MQ_HANDLER, true, queue, false)(l, MQ_MODE, maxSeconds + 10);
  let seconds: number;
  try {
    seconds = await flood(l, benchFrame(l, 9), o.frames, maxSeconds, undefined, true);
  } catch (e) {
    // trafgen now and then exits 1 mid-flood here (driver mode, qdisc path): the count is then unknown, so measure again once.
    await running.stop();
    if (!retry) throw e;
    log(`flood failed (${(e as Error).message}); measuring again`);
    return measureQueues(l, queue, o, log, false);
  } finally {
    await sleep(500);
  }
  const s = await running.stop();
  return { pps: s.received / seconds, cpu: s.received > 0 && s.cpuSeconds > 0 ? (s.cpuSeconds * 1e6) / s.received : null };
}

async function runMultiQueue(o: LiveOptions, log: (s: string) => void): Promise<MultiQueuePart> {
  const one = createLab(1), two = createLab(2);
  const a = { pps: [] as number[], cpu: [] as number[] }, b = { pps: [] as number[], cpu: [] as number[] };
  try {
    for (let r = 0; r < o.reps; r++) {
      for (const [lab, queue, into] of [[one, 0, a], [two, 'all', b]] as const) {
        log(`live ${r + 1}/${o.reps}: multi-queue, ${queue === 'all' ? '--queue all on 2 queues' : '1 queue'}`);
        const m = await measureQueues(lab, queue, o, log);
        into.pps.push(m.pps);
        if (m.cpu !== null) into.cpu.push(m.cpu);
      }
    }
  } finally {
    one.lab.destroy();
    two.lab.destroy();
  }
  const sum = (x: { pps: number[]; cpu: number[] }) => ({ pps: summarize(x.pps), cpuUsPerFrame: x.cpu.length ? summarize(x.cpu) : null });
  const oneQueue = sum(a), twoQueues = sum(b);
  return { handler: 'firewall (metered)', mode: MQ_MODE, oneQueue, twoQueues, ratio: twoQueues.pps.median / oneQueue.pps.median };
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sample { pps: number; cpu: number | null; thread: number | null; drain: number | null; delivered: number; losses: Record<string, number> | null }

/** Frames per second of the receiving thread's CPU over DRAIN_CYCLES filled rings (see DRAIN_FRAMES). */
async function drainCapacity(l: BenchLab, pid: number, tid: number, frame: Uint8Array): Promise<number | null> {
  const loaded: number[] = [], idle: number[] = [];
  for (let i = 0; i < 2 * DRAIN_CYCLES; i++) {
    const send = i % 2 === 0;
    process.kill(pid, 'SIGSTOP');
    let before: number;
    try {
      if (send) burst(l, frame, DRAIN_FRAMES);
    } finally {
      before = oneThreadNs(pid, tid);
      process.kill(pid, 'SIGCONT');
    }
    await sleep(DRAIN_WAIT_MS);
    const ns = oneThreadNs(pid, tid) - before;
    (send ? loaded : idle).push(ns);
  }
  const busy = summarize(loaded).median - summarize(idle).median;
  return Number.isFinite(busy) && busy > 0 ? DRAIN_FRAMES / (busy / 1e9) / 1e6 : null;
}

function losses(s: LiveSummary): Record<string, number> {
  const a = s.applied, k = s.socket;
  return {
    rxRingFull: k.rxRingFull, fillRingEmpty: k.rxFillRingEmptyDescs, rxDropped: k.rxDropped, txRingFull: a.txRingFull,
    txNotCompleted: a.tx + a.redirectOut - a.txCompleted, kicksBusy: a.kicksBusy, passErrors: a.passErrors, passLastErrno: a.passLastErrno,
  };
}

async function measure(l: BenchLab, c: Case, o: LiveOptions, pps?: number): Promise<Sample> {
  const frame = benchFrame(l, c.kind === 'reflect' ? 7 : 9);
  // Bounded: at least 20 kpps or the flood is cut off by its timeout.
  const maxSeconds = Math.ceil(o.frames / 20_000) + 5;
  const sink = c.kind === 'reflect' ? attachXdpDrop(l.tx, l.veth.peer, o.mode) : null;
  try {
    const running = await c.receiver(l, o.mode, maxSeconds + 15);
    const pid = running.pid;
    const back0 = c.kind === 'reflect' ? txEndRxPackets(l) : 0;
    const threads0 = pid ? threadCpuNs(pid) : null;
    const soft0 = receiverCoreSoftirqSeconds();
    let seconds: number;
    try {
      seconds = await flood(l, frame, o.frames, maxSeconds, pps);
    } finally {
      await sleep(500);
    }
    const soft = receiverCoreSoftirqSeconds() - soft0;
    const thread = pid && threads0 ? busiestThread(threads0, threadCpuNs(pid)) : null;
    const got = c.kind === 'reflect' ? txEndRxPackets(l) - back0 : null;
    const drain = c.drain && pid && thread ? await drainCapacity(l, pid, thread.tid, frame) : null;
    const s = await running.stop();
    const received = s.received - (drain !== null ? DRAIN_FRAMES * DRAIN_CYCLES : 0);
    const per = (sec: number) => (received > 0 && sec > 0 ? (sec * 1e6) / received : null);
    return {
      pps: (got ?? received) / seconds, cpu: per(s.cpuSeconds), thread: thread ? per(thread.ns / 1e9 + soft) : null, drain,
      delivered: (got ?? received) / o.frames, losses: s.summary ? losses(s.summary) : null,
    };
  } finally {
    sink?.detach();
  }
}

export async function runLivePart(o: LiveOptions, log: (s: string) => void): Promise<LivePart> {
  const why = unavailable();
  if (why) {
    log(`live part not measured: ${why}`);
    return { unavailable: why, mode: o.mode, frames: o.frames, reps: o.reps, senderPps: null, rows: [] };
  }
  sweepStaleNamespaces();
  const samples = new Map<string, { pps: number[]; cpu: number[]; thread: number[]; drain: number[]; delivered: number[]; losses: Record<string, number> | null }>();
  for (let r = 0; r < o.reps; r++) {
    for (const c of CASES) {
      log(`live ${r + 1}/${o.reps}: ${c.name}`);
      const pace = c.pacedAt ? Math.round(samples.get(c.pacedAt)!.pps.at(-1)!) : undefined;
      // A fresh veth pair per row: a receiver's AF_XDP socket or program
      // that the kernel releases late cannot make the next one's bind fail
      // (EBUSY on queue 0 ended a --full run in its second round).
      const l = createLab();
      let m: Awaited<ReturnType<typeof measure>>;
      try {
        m = await measure(l, c, o, pace);
      } finally {
        l.lab.destroy();
      }
      const s = samples.get(c.name) ?? { pps: [], cpu: [], thread: [], drain: [], delivered: [], losses: null };
      s.losses = m.losses;
      s.pps.push(m.pps);
      if (m.cpu !== null) s.cpu.push(m.cpu);
      if (m.thread !== null) s.thread.push(m.thread);
      if (m.drain !== null) s.drain.push(m.drain);
      s.delivered.push(m.delivered);
      samples.set(c.name, s);
    }
  }
  const rows: LiveRow[] = CASES.map((c) => {
    const s = samples.get(c.name)!;
    return {
      receiver: c.name, kind: c.kind, pps: summarize(s.pps), ratioToC: null, losses: s.losses,
      cpuUsPerFrame: s.cpu.length ? summarize(s.cpu) : null, delivered: summarize(s.delivered),
      threadUsPerFrame: s.thread.length ? summarize(s.thread) : null, drainMfps: s.drain.length ? summarize(s.drain) : null,
    };
  });
  for (const row of rows) {
    const base = rows.find((x) => x.receiver === LIVE_BASELINE[row.kind])!;
    row.ratioToC = row.pps.median / base.pps.median;
  }
  const kernel = samples.get(CASES[0].name)!;
  const multiQueue = await runMultiQueue(o, log);
  return { unavailable: null, mode: o.mode, frames: o.frames, reps: o.reps, senderPps: summarize(kernel.pps), rows, multiQueue };
}
