// The human-readable summary `wasmxdp run` prints.

import type { ProgramStatsSnapshot } from '../../host/stats.js';

export interface RunReport {
  program: string;
  input: string;
  packets: number;
  verdicts: Record<'aborted' | 'drop' | 'pass' | 'tx' | 'redirect', number>;
  oversize: number;
  traps: number;
  trapsByKind: Record<string, number>;
  invalidVerdicts: number;
  nsPerPacket: number;
  output?: string;
  stats: ProgramStatsSnapshot;
}

export function formatVerdictTable(r: RunReport): string {
  const rows: string[] = [];
  rows.push(`${r.program} on ${r.input}: ${r.packets} packets`);
  rows.push('');
  rows.push('  verdict        packets    share');
  for (const k of ['drop', 'pass', 'tx', 'redirect', 'aborted'] as const) {
    const n = r.verdicts[k];
    const share = r.packets ? ((100 * n) / r.packets).toFixed(1) + '%' : '-';
    rows.push(`  ${k.padEnd(10)} ${String(n).padStart(11)} ${share.padStart(8)}`);
  }
  rows.push('');
  const trapKinds = Object.entries(r.trapsByKind).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ');
  rows.push(`  traps: ${r.traps}${trapKinds ? ` (${trapKinds})` : ''}    invalid verdicts: ${r.invalidVerdicts}${r.oversize ? `    oversize frames (not run): ${r.oversize}` : ''}`);
  rows.push(`  handler time: ${r.nsPerPacket.toFixed(0)} ns/packet`);
  if (r.output) rows.push(`  wrote ${r.output}`);
  return rows.join('\n');
}
