// What `wasmxdp top` shows, computed from two `stats` answers a second apart:
// packets per second by verdict, traps, fuel exhaustions and socket drops per
// port and per queue, and the daemon's CPU. Rendering is a full-screen table
// on a terminal, plain lines (one per port per refresh) when piped.

import fs from 'node:fs';
import { actionCountsOf, type ActionCounts } from '../../host/abi.js';

export interface StatsPort {
  port: string;
  owner: string;
  version: number;
  packets: number;
  verdicts: ActionCounts;
  traps: number;
  fuelExhaustions: number;
  quarantined: boolean;
  socket: { rxDropped: number; rxRingFull: number; rxFillRingEmptyDescs: number };
  queues: { queue: number; packets: number; version?: number }[];
}

export interface TopRow {
  port: string;
  queue: number | null;
  version: number;
  pps: number;
  verdictPps: ActionCounts;
  traps: number;
  fuel: number;
  drops: number;
  /** Drops (socket: rx dropped, ring full) per second. */
  dropPps: number;
  quarantined: boolean;
}

const VERDICTS = ['drop', 'pass', 'tx', 'redirect', 'aborted'] as const;

const socketDrops = (p: StatsPort) => p.socket.rxDropped + p.socket.rxRingFull;

/** Rates over `dt` seconds; a counter that went down (worker restarted) counts from zero. */
export function topRows(prev: StatsPort[] | null, now: StatsPort[], dt: number): TopRow[] {
  const rate = (a: number, b: number | undefined) => Math.max(0, (b === undefined || a < b ? a : a - b)) / dt;
  const rows: TopRow[] = [];
  for (const p of now) {
    const before = prev?.find((x) => x.port === p.port);
    rows.push({
      port: p.port, queue: null, version: p.version,
      pps: before ? rate(p.packets, before.packets) : 0,
      verdictPps: Object.fromEntries(VERDICTS.map((v) => [v, before ? rate(p.verdicts[v], before.verdicts[v]) : 0])) as TopRow['verdictPps'],
      traps: p.traps, fuel: p.fuelExhaustions, drops: socketDrops(p),
      dropPps: before ? rate(socketDrops(p), socketDrops(before)) : 0,
      quarantined: p.quarantined,
    });
    if (p.queues.length > 1) {
      for (const q of p.queues) {
        const bq = before?.queues.find((x) => x.queue === q.queue);
        rows.push({
          port: p.port, queue: q.queue, version: q.version ?? p.version, pps: bq ? rate(q.packets, bq.packets) : 0,
          verdictPps: actionCountsOf(NaN), traps: NaN, fuel: NaN, drops: NaN, dropPps: NaN, quarantined: false,
        });
      }
    }
  }
  return rows;
}

const n = (x: number) => (Number.isNaN(x) ? '-' : Math.round(x).toLocaleString('en-US'));

export interface Header { time: Date; pid: number | null; cpuPercent: number | null; intervalS: number }

const COLUMNS: [string, number, (r: TopRow) => string][] = [
  ['PORT', 14, (r) => (r.queue === null ? r.port : `  queue ${r.queue}`)],
  ['VER', 4, (r) => `v${r.version}`],
  ['PKT/S', 11, (r) => n(r.pps)],
  ['DROP/S', 11, (r) => n(r.verdictPps.drop)],
  ['PASS/S', 10, (r) => n(r.verdictPps.pass)],
  ['TX/S', 10, (r) => n(r.verdictPps.tx)],
  ['REDIR/S', 10, (r) => n(r.verdictPps.redirect)],
  ['ABORT/S', 8, (r) => n(r.verdictPps.aborted)],
  ['TRAPS', 7, (r) => n(r.traps)],
  ['FUEL', 6, (r) => n(r.fuel)],
  ['SOCK DROPS', 11, (r) => (Number.isNaN(r.drops) ? '-' : `${n(r.drops)}${r.dropPps ? ` +${n(r.dropPps)}/s` : ''}`)],
  ['', 0, (r) => (r.quarantined ? 'QUARANTINED' : '')],
];

const cpu = (h: Header) => (h.cpuPercent === null ? '-' : `${h.cpuPercent.toFixed(0)}%`);

/** The terminal screen: cursor home, clear, a header and the table. */
export function renderScreen(h: Header, rows: TopRow[]): string {
  const head = `wasmxdp top  ${h.time.toISOString().slice(11, 19)}  daemon pid ${h.pid ?? '-'}  cpu ${cpu(h)}  every ${h.intervalS}s  (q or Ctrl-C quits)`;
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(COLUMNS[i][1]) : c.padStart(COLUMNS[i][1]))).join(' ').trimEnd();
  return `\x1b[H\x1b[2J${head}\n\n${line(COLUMNS.map((c) => c[0]))}\n${rows.map((r) => line(COLUMNS.map((c) => c[2](r)))).join('\n')}\n`;
}

/** Piped: one line per port (and queue) per refresh, no escape codes, grep- and awk-friendly. */
export function renderLines(h: Header, rows: TopRow[]): string {
  const t = h.time.toISOString();
  return rows.map((r) => [
    t, `port=${r.port}`, ...(r.queue === null ? [] : [`queue=${r.queue}`]), `version=${r.version}`, `pps=${n(r.pps).replace(/,/g, '')}`,
    ...(r.queue === null ? [
      ...VERDICTS.map((v) => `${v}=${n(r.verdictPps[v]).replace(/,/g, '')}`),
      `traps=${r.traps}`, `fuel=${r.fuel}`, `sock_drops=${r.drops}`, `cpu=${cpu(h)}`, ...(r.quarantined ? ['quarantined'] : []),
    ] : []),
  ].join(' ')).join('\n') + '\n';
}

/** utime + stime of a process, in seconds; null when /proc does not show it (another pid namespace). */
export function processCpuSeconds(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat(5), counted after the comm field: index 11 and 12.
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return null;
  }
}
