// `wasmxdp run <handler> --pcap ...`: stream the capture through the handler,
// optionally write every frame with its verdict, print the summary.

import fs from 'node:fs';
import path from 'node:path';
import { ACTION_NAMES, Action } from '../../../host/abi.js';
import { WasmxdpError } from '../../../host/errors.js';
import { openCapture } from '../../capture/index.js';
import { Parsed, str } from '../args.js';
import { programOptions } from './run.js';
import { formatVerdictTable, RunReport } from '../verdict-table.js';
import { createSandbox } from '../../program/create-sandbox.js';
import { loadProgramBytes } from '../../program/load-program.js';
import { handlerState } from '../../offline/handler-state.js';
import { OfflineRunner } from '../../offline/offline-runner.js';
import { Progress, type ProgressStream } from '../../offline/progress.js';
import { VerdictOutput, outputFormat } from '../../offline/verdict-output.js';
import { measureWarm, TimingSample } from '../../offline/warm-timing.js';

function parseOnly(p: Parsed): Set<number> | null {
  const only = str(p, 'only');
  if (only === undefined) return null;
  const set = new Set<number>();
  for (const name of only.split(',').map((s) => s.trim()).filter(Boolean)) {
    const i = (ACTION_NAMES as readonly string[]).indexOf(name);
    if (i < 0) throw new WasmxdpError('E_USAGE', `--only: unknown verdict '${name}'; use any of ${ACTION_NAMES.join(', ')}`);
    set.add(i);
  }
  return set;
}

function regularFileSize(file: string): number | null {
  try {
    const st = fs.statSync(file);
    return st.isFile() ? st.size : null;
  } catch {
    return null;
  }
}

export interface OfflineIo {
  print: (s: string) => void;
  /** Warnings (a cut capture) and the progress line; default process.stderr. */
  stderr?: ProgressStream;
}

export async function runOffline(p: Parsed, pcap: string, io: OfflineIo): Promise<number> {
  const stderr = io.stderr ?? process.stderr;
  const out = str(p, 'out');
  if (out) outputFormat(out);
  if (str(p, 'only') && !out) throw new WasmxdpError('E_USAGE', '--only goes with --out');
  const only = parseOnly(p);
  const program = await loadProgramBytes(p.positionals[0]);
  const sandbox = createSandbox(program, { ...programOptions(p), frameSize: 4096 });
  const capture = openCapture(pcap, { onTruncated: () => {} });
  const output = out ? new VerdictOutput(out, pcap) : null;
  const progress = new Progress(stderr, path.basename(pcap), regularFileSize(pcap));
  const sample = new TimingSample();
  let runner: OfflineRunner;
  try {
    runner = new OfflineRunner(sandbox, (v) => {
      if (!output || (only && !only.has(v.action))) return;
      const name = ACTION_NAMES[v.action] ?? 'aborted';
      const comment = v.action === Action.REDIRECT ? `wasmxdp verdict=${name} port=${v.target}` : `wasmxdp verdict=${name}`;
      output.write(v.data, v.frame.tsNs ?? 0n, comment, v.index);
    }, undefined, (i, frame) => {
      if (output && !only) output.write(frame.data, frame.tsNs ?? 0n, 'wasmxdp skipped=oversize', i);
    });
    let i = 0;
    for (const pkt of capture) {
      const frame = { data: pkt.data, tsNs: pkt.tsNs };
      if (pkt.data.length <= runner.maxPacket) sample.offer(frame);
      runner.push(frame, i++);
      if ((i & 1023) === 0) progress.update(capture.bytesRead, i);
    }
    runner.flush();
  } finally {
    progress.end();
    output?.close();
  }
  const truncation = capture.truncation;
  if (truncation) stderr.write(`wasmxdp run: warning: ${truncation.message}; the packets before it were run\n`);
  const s = runner.result();
  const st = sandbox.stats.snapshot();
  const warm = measureWarm(sandbox, sample.frames);
  const report: RunReport = {
    program: program.name,
    input: path.basename(pcap),
    packets: s.packets,
    verdicts: s.verdicts,
    oversize: s.oversize,
    traps: st.traps,
    trapsByKind: st.trapsByKind,
    invalidVerdicts: st.invalidVerdicts,
    nsPerPacket: warm?.nsPerPacket ?? 0,
    timing: {
      warm,
      runNsPerPacket: st.nsPerPacket.avg,
    },
    truncated: truncation ? { offset: truncation.offset, message: truncation.message } : null,
    handler: handlerState(sandbox),
    output: out,
    outputFormat: output?.format,
    stats: st,
  };
  io.print(p.values.json ? JSON.stringify(report) : formatVerdictTable(report));
  return 0;
}
