// `wasmxdp stats [--port <name>]`: fresh figures from every worker of the
// daemon's ports: verdicts (in total and per version), socket drops, swaps.

import { parseCommand, str } from '../args.js';
import { formatChainStats } from '../chain-format.js';
import { ask, CLIENT_HELP, CLIENT_OPTIONS, output } from './daemon-client.js';
import { topCommand } from './top.js';

export const STATS_HELP = `Usage: wasmxdp stats [--port <name>] [--json] [--socket <path>]

Asks every worker for its current figures: packets and verdicts (in total and
per program version), traps, socket drops (rx dropped, rx ring full, fill ring
empty), and each hot swap with the pause it caused on the data path.

Options:
  --port <name>        only this port
  --watch              refresh every second: the same view as 'wasmxdp top'
                       (see 'wasmxdp top --help' for --interval and --count)
${CLIENT_HELP}`;

const OPTIONS = { ...CLIENT_OPTIONS, port: { type: 'string' } } as const;

interface PortStats {
  port: string; version: number; packets: number; traps: number; error: string | null;
  verdicts: Record<string, number>;
  socket: { rxDropped: number; rxRingFull: number; rxFillRingEmptyDescs: number };
  versions: { version: number; name: string; packets: number; verdicts: Record<string, number>; traps: number }[];
  swapPauses: { swaps: number; pauseUs: { median: number | null; max: number | null }; instantiateUs: { median: number | null; max: number | null } };
}

function formatStats(r: { ports: PortStats[] }): string {
  const verdicts = (v: Record<string, number>) => Object.entries(v).map(([k, n]) => `${k} ${n}`).join('  ');
  return r.ports.map((p) => (p as { chain?: boolean }).chain ? formatChainStats(p as never) : [
    p.error ? `port ${p.port}: ERROR: ${p.error}; v${p.version}: ${p.packets} packets before it, traps ${p.traps}`
      : `port ${p.port}: v${p.version} running, ${p.packets} packets, traps ${p.traps}`,
    `  verdicts: ${verdicts(p.verdicts)}`,
    `  socket: rx dropped ${p.socket.rxDropped}, rx ring full ${p.socket.rxRingFull}, fill ring empty ${p.socket.rxFillRingEmptyDescs}`,
    ...p.versions.map((v) => `  v${v.version} ${v.name}: ${v.packets} packets (${verdicts(v.verdicts)}), traps ${v.traps}`),
    `  swaps ${p.swapPauses.swaps}: pause median ${p.swapPauses.pauseUs.median ?? '-'} us, max ${p.swapPauses.pauseUs.max ?? '-'} us; instantiate median ${p.swapPauses.instantiateUs.median ?? '-'} us, max ${p.swapPauses.instantiateUs.max ?? '-'} us`,
  ].join('\n')).join('\n\n');
}

export async function statsCommand(argv: string[], print: (s: string) => void): Promise<number> {
  if (argv.includes('--watch')) return topCommand(argv.filter((a) => a !== '--watch'), print);
  const p = parseCommand('stats', argv, OPTIONS, { min: 0, max: 0 });
  if (p.values.help) { print(STATS_HELP); return 0; }
  const port = str(p, 'port');
  return output(p, print, await ask(p, 'stats', port === undefined ? {} : { port }), formatStats);
}
