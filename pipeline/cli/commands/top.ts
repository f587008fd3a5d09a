// `wasmxdp top` (and `stats --watch`): a live view of the daemon's ports,
// refreshed every second from the same figures `stats` shows.

import { setTimeout as sleep } from 'node:timers/promises';
import { ControlClient } from '../../control/client.js';
import { socketPath } from '../../control/protocol.js';
import { num, parseCommand, str } from '../args.js';
import { processCpuSeconds, renderLines, renderScreen, StatsPort, topRows } from '../../ops/top-view.js';

export const TOP_HELP = `Usage: wasmxdp top [--port <name>] [--interval <s>] [--count <n>] [--socket <path>]
       wasmxdp stats --watch [same options]

A live view of the daemon's ports: packets per second by verdict, traps, fuel
exhaustions, socket drops (rx dropped + rx ring full), per port and, for a
port on several queues, per queue; and the daemon's CPU. On a terminal the
screen is redrawn each interval (q or Ctrl-C quits); piped, it prints one
plain line per port per interval (key=value fields).

Options:
  --port <name>        only this port
  --interval <s>       seconds between refreshes (default 1)
  --count <n>          stop after n refreshes (default: until interrupted)
  --socket <path>      the daemon's socket (default $WASMXDP_SOCKET, else /run/wasmxdp.sock)
  -h, --help           this help`;

export const TOP_OPTIONS = { socket: { type: 'string' }, port: { type: 'string' }, interval: { type: 'string' }, count: { type: 'string' } } as const;

export interface TopOut { isTTY?: boolean; write(s: string): unknown }

export async function topCommand(argv: string[], print: (s: string) => void, out: TopOut = process.stdout): Promise<number> {
  const p = parseCommand('top', argv, TOP_OPTIONS, { min: 0, max: 0 });
  if (p.values.help) { print(TOP_HELP); return 0; }
  const intervalS = num(p, 'interval', 0.1, 3600) ?? 1;
  const count = num(p, 'count', 1, 1e9);
  const port = str(p, 'port');
  const client = await ControlClient.connect(socketPath(str(p, 'socket')));
  const tty = out.isTTY === true;
  let quit = false;
  const onSignal = () => { quit = true; };
  process.once('SIGINT', onSignal);
  const stdin = tty && process.stdin.isTTY ? process.stdin : null;
  const onKey = (b: Buffer) => { if (b[0] === 0x71 || b[0] === 0x03) quit = true; };
  if (stdin) { stdin.setRawMode(true); stdin.on('data', onKey); }
  try {
    const { pid } = await client.request('ping') as { pid: number };
    let prev: { ports: StatsPort[]; at: number; cpu: number | null } | null = null;
    for (let i = 0; !quit && (count === undefined || i <= count); i++) {
      const { ports } = await client.request('stats', port === undefined ? {} : { port }) as { ports: StatsPort[] };
      const at = performance.now();
      const cpu = processCpuSeconds(pid);
      if (prev) {
        const dt = (at - prev.at) / 1000;
        const rows = topRows(prev.ports, ports, dt);
        const cpuPercent = cpu !== null && prev.cpu !== null ? ((cpu - prev.cpu) / dt) * 100 : null;
        const h = { time: new Date(), pid, cpuPercent, intervalS };
        out.write(tty ? renderScreen(h, rows) : renderLines(h, rows));
      }
      prev = { ports, at, cpu };
      if (count !== undefined && i === count) break;
      await sleep(intervalS * 1000);
    }
  } finally {
    process.removeListener('SIGINT', onSignal);
    if (stdin) { stdin.removeListener('data', onKey); stdin.setRawMode(false); stdin.pause(); }
    client.close();
  }
  return 0;
}
