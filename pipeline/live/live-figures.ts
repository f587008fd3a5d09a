// Sums the figures of a live run's workers and formats them: a line a second
// while running, a summary at the end.

import { actionCountsOf, addActionCounts, type ActionCounts } from '../../host/abi.js';
import type { WorkerStats } from './worker-protocol.js';

export interface LiveTotals {
  seconds: number;
  packets: number;
  verdicts: ActionCounts;
  traps: number;
  fuelExhaustions: number;
  invalidVerdicts: number;
  quarantined: boolean;
  nsPerPacket: { avg: number; p99: number };
  socket: { rxDropped: number; rxRingFull: number; rxFillRingEmptyDescs: number; rxInvalidDescs: number; txInvalidDescs: number; txRingEmptyDescs: number };
  applied: {
    rx: number; drop: number; tx: number; pass: number; redirectOut: number; passErrors: number; txRingFull: number;
    txCompleted: number; kicks: number; kicksBusy: number;
    /** errno of a failed PASS reinjection (the last one of any port; 0: none failed). */
    passLastErrno: number;
  };
  /** CPU seconds of the workers' threads (user, system) and per frame received. */
  thread: { userSeconds: number; sysSeconds: number; usPerFrame: number };
  frames: { total: number; free: number; fill: number; tx: number; held: number };
  ports: { ifname: string; queue: number }[];
}

export function sumFigures(all: (WorkerStats | null)[]): LiveTotals {
  const t: LiveTotals = {
    seconds: 0, packets: 0, verdicts: actionCountsOf(0),
    traps: 0, fuelExhaustions: 0, invalidVerdicts: 0, quarantined: false, nsPerPacket: { avg: 0, p99: 0 },
    socket: { rxDropped: 0, rxRingFull: 0, rxFillRingEmptyDescs: 0, rxInvalidDescs: 0, txInvalidDescs: 0, txRingEmptyDescs: 0 },
    applied: { rx: 0, drop: 0, tx: 0, pass: 0, redirectOut: 0, passErrors: 0, txRingFull: 0, txCompleted: 0, kicks: 0, kicksBusy: 0, passLastErrno: 0 },
    thread: { userSeconds: 0, sysSeconds: 0, usPerFrame: 0 },
    frames: { total: 0, free: 0, fill: 0, tx: 0, held: 0 },
    ports: [],
  };
  let weighted = 0;
  for (const s of all) {
    if (!s) continue;
    const p = s.program;
    t.seconds = Math.max(t.seconds, s.uptimeMs / 1000);
    t.packets += p.packets;
    addActionCounts(t.verdicts, p.verdicts);
    t.traps += p.traps;
    t.fuelExhaustions += p.fuelExhaustions ?? 0;
    t.invalidVerdicts += p.invalidVerdicts;
    t.quarantined ||= p.quarantined === true;
    const ns = p.nsPerPacket as { avg: number; p99: number } | undefined;
    if (ns) { weighted += ns.avg * p.packets; t.nsPerPacket.p99 = Math.max(t.nsPerPacket.p99, ns.p99); }
    for (const port of s.ports) {
      t.ports.push({ ifname: port.ifname, queue: port.queue });
      for (const k of Object.keys(t.socket) as (keyof LiveTotals['socket'])[]) t.socket[k] += port.socket[k];
      for (const k of Object.keys(t.applied) as (keyof LiveTotals['applied'])[]) if (k !== 'passLastErrno') t.applied[k] += port.counters[k];
      if (port.counters.passLastErrno) t.applied.passLastErrno = port.counters.passLastErrno;
    }
    for (const k of Object.keys(t.frames) as (keyof LiveTotals['frames'])[]) t.frames[k] += s.frames[k];
    if (s.thread) { t.thread.userSeconds += s.thread.userUs / 1e6; t.thread.sysSeconds += s.thread.sysUs / 1e6; }
  }
  const cpu = t.thread.userSeconds + t.thread.sysSeconds;
  t.thread.usPerFrame = t.applied.rx ? (cpu * 1e6) / t.applied.rx : 0;
  t.nsPerPacket.avg = t.packets ? weighted / t.packets : 0;
  return t;
}

/** One line of per-second figures: rates since the previous totals. */
export function formatSecond(now: LiveTotals, prev: LiveTotals | null): string {
  const dt = Math.max(1e-3, now.seconds - (prev?.seconds ?? 0));
  const rate = (a: number, b = 0) => Math.round((a - b) / dt).toLocaleString('en-US');
  const v = now.verdicts, pv = prev?.verdicts;
  return `${now.seconds.toFixed(0).padStart(4)}s  ${rate(now.packets, prev?.packets)} pkt/s`
    + `  drop ${rate(v.drop, pv?.drop)}  pass ${rate(v.pass, pv?.pass)}  tx ${rate(v.tx, pv?.tx)}`
    + `  redirect ${rate(v.redirect, pv?.redirect)}  aborted ${rate(v.aborted, pv?.aborted)}`
    + `  | socket drops: rx ${now.socket.rxDropped} ring-full ${now.socket.rxRingFull} fill-empty ${now.socket.rxFillRingEmptyDescs}`
    + `  | traps ${now.traps}  ${now.nsPerPacket.avg.toFixed(0)} ns/pkt (p99 ${now.nsPerPacket.p99.toFixed(0)})`;
}

export function formatSummary(program: string, t: LiveTotals): string {
  const ports = [...new Set(t.ports.map((p) => `${p.ifname}#${p.queue}`))].join(', ');
  const pps = t.seconds > 0 ? Math.round(t.packets / t.seconds) : 0;
  return [
    `${program} on ${ports}: ${t.packets} packets in ${t.seconds.toFixed(1)} s (${pps.toLocaleString('en-US')} pkt/s)`,
    `  drop ${t.verdicts.drop}  pass ${t.verdicts.pass}  tx ${t.verdicts.tx}  redirect ${t.verdicts.redirect}  aborted ${t.verdicts.aborted}`,
    `  traps ${t.traps}  fuel exhaustions ${t.fuelExhaustions}  invalid verdicts ${t.invalidVerdicts}${t.quarantined ? '  QUARANTINED' : ''}`,
    `  socket: rx dropped ${t.socket.rxDropped}, rx ring full ${t.socket.rxRingFull}, fill ring empty ${t.socket.rxFillRingEmptyDescs}, invalid descs ${t.socket.rxInvalidDescs}/${t.socket.txInvalidDescs}`,
    `  tx: ${t.applied.tx + t.applied.redirectOut} queued, ${t.applied.txCompleted} completed, ${t.applied.txRingFull} dropped on a full TX ring; ${t.applied.kicks} kicks (${t.applied.kicksBusy} busy)`,
    `  frames: ${t.frames.total} total, ${t.frames.held} held by user space after stop`,
    `  worker CPU: ${t.thread.userSeconds.toFixed(2)} s user, ${t.thread.sysSeconds.toFixed(2)} s system (${t.thread.usPerFrame.toFixed(2)} us per frame received)`,
    `  handler: ${t.nsPerPacket.avg.toFixed(0)} ns/packet (p99 ${t.nsPerPacket.p99.toFixed(0)})`,
  ].join('\n');
}
