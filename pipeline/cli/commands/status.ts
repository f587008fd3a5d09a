// `wasmxdp status`: the daemon's ports, the version each runs, its health,
// quarantine state, version history and swap pauses.

import { parseCommand } from '../args.js';
import { formatChainStatus } from '../chain-format.js';
import { ask, CLIENT_HELP, CLIENT_OPTIONS, output } from './daemon-client.js';
import { supervisionLines } from '../../ops/supervision-text.js';
import type { QueueSupervision } from '../../ops/supervisor.js';

export const STATUS_HELP = `Usage: wasmxdp status [--json] [--socket <path>]

Shows what the daemon runs: each port's interfaces and queues, its program
version and health (probation, healthy, failed), quarantine, the version
history, the last automatic rollback and the pauses hot swaps caused.

Options:
${CLIENT_HELP}`;

interface PortStatus {
  name: string; owner: string; ifaces: string[]; queues: number[]; mode: string; error: string | null;
  program: { version: number; name: string; health: string } | null;
  quarantined: boolean; programStatus: string[]; lastRollback: string | null;
  historyDepth?: number;
  deploying?: { what: string; forMs: number } | null;
  versions: { version: number; name: string; state: string; health: string; deployedAt: string; note: string | null; resetMaps: string[]; kept?: boolean }[];
  swapPauses: { swaps: number; pauseUs: { median: number | null; max: number | null }; instantiateUs: { median: number | null; max: number | null } };
  supervision?: QueueSupervision[];
}

export function formatStatus(r: { pid: number; uptimeMs: number; ports: PortStatus[]; memory?: { rssBytes: number; heapUsedBytes: number } }): string {
  const mem = r.memory ? `, rss ${(r.memory.rssBytes / 2 ** 20).toFixed(0)} MiB (heap ${(r.memory.heapUsedBytes / 2 ** 20).toFixed(0)} MiB)` : '';
  const lines = [`daemon pid ${r.pid}, up ${(r.uptimeMs / 1000).toFixed(0)} s, ${r.ports.length} port(s)${mem}`];
  for (const p of r.ports) {
    if ((p as { chain?: boolean }).chain) { lines.push('', formatChainStatus(p as never)); continue; }
    lines.push('', `port ${p.name} (owner ${p.owner}): ${p.ifaces.join(', ')} queues ${p.queues.join(', ')}, ${p.mode} mode${p.error ? `  ERROR: ${p.error}` : ''}`);
    if (p.program) lines.push(`  running v${p.program.version} ${p.program.name}, health ${p.program.health}${p.quarantined ? `, QUARANTINED: ${p.programStatus.join('; ')}` : ''}`);
    if (p.lastRollback) lines.push(`  last automatic rollback: ${p.lastRollback}`);
    lines.push(...supervisionLines(p.supervision ?? []));
    const s = p.swapPauses;
    if (s.swaps) lines.push(`  swaps: ${s.swaps}, data-path pause median ${s.pauseUs.median ?? '-'} us max ${s.pauseUs.max ?? '-'} us, instantiate median ${s.instantiateUs.median} us max ${s.instantiateUs.max} us`);
    if (p.deploying) lines.push(`  in progress: ${p.deploying.what} (for ${p.deploying.forMs} ms)`);
    const kept = p.versions.filter((v) => v.kept).length;
    lines.push(`  versions (${kept} kept for rollback, historyDepth ${p.historyDepth ?? '-'}; '-' marks a released one):`);
    for (const v of p.versions) {
      lines.push(`    v${v.version}${v.kept === false ? '-' : ' '} ${v.name.padEnd(20)} ${v.state.padEnd(11)} ${v.health.padEnd(10)} ${v.deployedAt}${v.resetMaps.length ? `  reset: ${v.resetMaps.join(', ')}` : ''}${v.note ? `  (${v.note})` : ''}`);
    }
  }
  return lines.join('\n');
}

export async function statusCommand(argv: string[], print: (s: string) => void): Promise<number> {
  const p = parseCommand('status', argv, CLIENT_OPTIONS, { min: 0, max: 0 });
  if (p.values.help) { print(STATUS_HELP); return 0; }
  return output(p, print, await ask(p, 'status'), formatStatus);
}
