// The human-readable summary `wasmxdp run --pcap` prints; --json prints the
// same RunReport as JSON, so every figure in the text is in the JSON too.

import type { ProgramStatsSnapshot } from '../../host/stats.js';
import { formatHandlerState, type HandlerState } from '../offline/handler-state.js';
import type { WarmTiming } from '../offline/warm-timing.js';

export interface RunReport {
  program: string;
  input: string;
  packets: number;
  verdicts: Record<'aborted' | 'drop' | 'pass' | 'tx' | 'redirect', number>;
  oversize: number;
  traps: number;
  trapsByKind: Record<string, number>;
  invalidVerdicts: number;
  /** Warm handler time (timing.warm.nsPerPacket); 0 when no frame was run. */
  nsPerPacket: number;
  timing: {
    warm: WarmTiming | null;
    /** Mean over the run itself: includes lazy compilation and JIT warm-up (stats.nsPerPacket.avg). */
    runNsPerPacket: number;
  };
  /** The capture was cut mid-record: where; the packets before it were run. */
  truncated: { offset: number; message: string } | null;
  handler: HandlerState;
  output?: string;
  outputFormat?: 'pcap' | 'pcapng';
  stats: ProgramStatsSnapshot;
}

export function formatVerdictTable(r: RunReport): string {
  const rows: string[] = [];
  rows.push(`${r.program} on ${r.input}: ${r.packets} packets${r.truncated ? ` (capture cut at offset ${r.truncated.offset}: read up to there)` : ''}`);
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
  const w = r.timing.warm;
  rows.push(w
    ? `  handler time: ${r.nsPerPacket.toFixed(0)} ns/packet warm (median of ${w.measuredRounds} replays of the first ${w.samplePackets} frames after JIT warm-up; the run itself, warm-up included: ${r.timing.runNsPerPacket.toFixed(0)})`
    : '  handler time: - (no frame was run)');
  rows.push(...formatHandlerState(r.handler));
  if (r.output) {
    rows.push(r.outputFormat === 'pcap'
      ? `  wrote ${r.output} (classic pcap: frames only; verdicts are written as comments to .pcapng)`
      : `  wrote ${r.output}`);
  }
  return rows.join('\n');
}
