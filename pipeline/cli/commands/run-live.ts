// `wasmxdp run <handler> --iface ...`: attach, print figures once a second,
// stop on Ctrl-C, SIGTERM or --duration, detach, print the summary.

import { WasmxdpError } from '../../../host/errors.js';
import { choiceText, isChoice, OPTIONS, type XdpMode } from '../../../host/options.js';
import { num, Parsed, str } from '../args.js';
import { programOptions } from './run.js';
import { loadProgramBytes } from '../../program/load-program.js';
import { formatSecond, formatSummary, LiveTotals, sumFigures } from '../../live/live-figures.js';
import { LivePipeline } from '../../live/live-pipeline.js';

function parseQueue(p: Parsed): number | 'all' {
  const q = str(p, 'queue');
  if (q === undefined) return 0;
  if (q === 'all') return 'all';
  return num(p, 'queue', OPTIONS.queue.min, OPTIONS.queue.max)!;
}

function parseMode(p: Parsed): XdpMode {
  const m = str(p, 'mode') ?? OPTIONS.xdpMode.default;
  if (!isChoice(OPTIONS.xdpMode, m)) throw new WasmxdpError('E_USAGE', `--mode must be ${choiceText(OPTIONS.xdpMode)}, got '${m}'`);
  return m;
}

export async function runLive(p: Parsed, print: (s: string) => void): Promise<number> {
  if (str(p, 'out') || str(p, 'only')) throw new WasmxdpError('E_USAGE', '--out and --only go with --pcap, not --iface');
  const ifaces = str(p, 'iface')!.split(',').map((s) => s.trim()).filter(Boolean);
  const duration = num(p, 'duration', 0.1, 7 * 24 * 3600);
  const json = p.values.json === true;
  const program = await loadProgramBytes(p.positionals[0]);
  const figuresOut = json ? (s: string) => process.stderr.write(s + '\n') : print;

  let prev: LiveTotals | null = null;
  let pipeline: LivePipeline | null = null;
  // Workers report once a second each; the first worker's report paces the line.
  const onStats = (queue: number) => {
    if (!pipeline || queue !== pipeline.queues[0]) return;
    const now = sumFigures(pipeline.latest());
    figuresOut(formatSecond(now, prev));
    prev = now;
  };

  pipeline = await LivePipeline.start(program, {
    ifaces, queue: parseQueue(p), mode: parseMode(p), force: p.values.force === true, program: programOptions(p),
  }, onStats);
  const attached = `attached ${program.name} to ${ifaces.join(', ')} (queues ${pipeline.queues.join(', ')}, ${parseMode(p)} mode); Ctrl-C stops`;

  await new Promise<void>((resolve) => {
    // The watch keeps the event loop alive: once a failed worker has exited,
    // nothing else may (a bare return would exit with Node's "unsettled" 13).
    const watch = setInterval(() => { if (pipeline!.error) done(); }, 100);
    const timer = duration !== undefined ? setTimeout(() => done(), duration * 1000) : null;
    function done(): void {
      clearInterval(watch);
      if (timer) clearTimeout(timer);
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    }
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    // Only now: whoever waits for this line may stop the run at once.
    figuresOut(attached);
  });
  const final = await pipeline.stop();
  const totals = sumFigures(final);
  const failure = pipeline.error;
  print(json ? JSON.stringify({ program: program.name, ifaces, ...totals, error: failure?.message ?? null }) : formatSummary(program.name, totals));
  if (failure) throw failure;
  return 0;
}
