// `npm run bench`: wasmxdp side by side with eBPF, a C AF_XDP loop and plain
// Node. Prints Markdown tables and writes the results as JSON.
//
//   node dist/test/bench/main.js [--quick|--full|--tiny] [--parts handlers,live,swap,scaling,tenants,fleet]
//                                [--mode skb|drv] [--out <file.json>] [--docs]
//
// --docs also writes docs/benchmarks.md and docs/benchmarks.svg from the run.
// The live and swap parts need root (they make their own namespaces and veth
// pair, and send only there); without it they say why and the rest still runs.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../../host/compile.js';
import { writeDocs } from './docs.js';
import { LoadSampler, describeMachine } from './machine.js';
import { runHandlerPart } from './part-handlers.js';
import { runLivePart } from './part-live.js';
import { runScalingPart } from './part-scaling.js';
import { runSwapPart } from './part-swap.js';
import { runTenantPart } from './part-tenants.js';
import { runFleetPart } from './part-fleet.js';
import { PRESETS, PresetName } from './presets.js';
import { fullReport } from './report.js';
import { RESULTS_VERSION, Results, checkResults } from './results.js';
import { checkTargets } from './targets.js';

const ALL_PARTS = ['handlers', 'live', 'swap', 'scaling', 'tenants', 'fleet'];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' }, full: { type: 'boolean' }, tiny: { type: 'boolean' },
    parts: { type: 'string' }, mode: { type: 'string' }, out: { type: 'string' }, docs: { type: 'boolean' },
  },
});

const preset: PresetName = values.tiny ? 'tiny' : values.quick ? 'quick' : values.full ? 'full' : 'default';
const p = PRESETS[preset];
const parts = values.parts ? values.parts.split(',').map((s) => s.trim()) : ALL_PARTS;
for (const part of parts) if (!ALL_PARTS.includes(part)) { console.error(`unknown part '${part}' (${ALL_PARTS.join(', ')})`); process.exit(2); }
const mode = (values.mode ?? 'skb') as 'skb' | 'drv';
if (mode !== 'skb' && mode !== 'drv') { console.error('--mode is skb or drv'); process.exit(2); }
const out = path.resolve(values.out ?? path.join(PROJECT_ROOT, 'docs/benchmarks.json'));
const log = (s: string) => process.stderr.write(`# ${s}\n`);

const started = Date.now();
const load = new LoadSampler();
const machine = describeMachine();
log(`preset ${preset}, parts ${parts.join(',')}, ${mode} mode; ${machine.cpu}, ${machine.cores} cores`);

const handlers = parts.includes('handlers') ? await runHandlerPart(p.handlers, log) : null;
const live = parts.includes('live') ? await runLivePart({ ...p.live, mode }, log) : null;
const swap = parts.includes('swap') ? await runSwapPart({ ...p.swap, mode }, live?.unavailable ?? null, log) : null;
const scaling = parts.includes('scaling') ? await runScalingPart(p.scaling, log) : null;
const tenants = parts.includes('tenants') ? await runTenantPart(p.tenants, log) : null;
const fleet = parts.includes('fleet') ? runFleetPart(p.fleet, log) : null;

const results: Results = {
  version: RESULTS_VERSION,
  command: `npm run bench --${process.argv.slice(2).length ? ' ' + process.argv.slice(2).join(' ') : ''}`,
  preset, machine, load: load.stop(), seconds: (Date.now() - started) / 1000,
  handlers, live, swap, scaling, tenants, fleet,
  targets: checkTargets(handlers, live, swap),
};
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify(results, null, 1) + '\n');
console.log(fullReport(results));
console.log(`\nresults: ${path.relative(process.cwd(), out)} (${results.seconds.toFixed(0)} s)`);
if (values.docs) console.log(`docs: ${writeDocs(results).map((f) => path.relative(process.cwd(), f)).join(', ')}`);
const problems = checkResults(results, parts);
if (problems.length) { console.error(`incomplete results: ${problems.join('; ')}`); process.exit(1); }
