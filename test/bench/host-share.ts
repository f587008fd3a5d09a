// The host's share of a handler's cost, repeatable on a busy machine: CPU
// ns/packet of pass, firewall and udp-reflector through Sandbox.run (metered
// and not) beside the plain-JS twin, all in one process, repetitions
// interleaved, after a long warm-up. With --baseline <dist dir> (another
// build of this repository, e.g. main's) its host runs the same guests in the
// same process too, so a change to host/ is measured against what it
// replaces under the same machine state.
//
//   node dist/test/bench/host-share.js [--baseline /path/to/other/dist] [--packets 300000] [--reps 9] [handler ...]
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../../host/compile.js';
import type { Sandbox } from '../../host/sandbox.js';
import { cpuNs } from './cpu-time.js';
import { mixFrames } from './frames.js';
import { readRules } from './fw-rules.js';
import { JsWorkload } from './js-cost.js';
import { firewall, table } from './js/firewall.js';
import { JsHandler, PASS } from './js/packet.js';
import { udpReflector } from './js/udp-reflector.js';
import { summarize } from './stats.js';
import { Workload, wasmSandbox } from './wasm-cost.js';

const HANDLERS: Record<string, { wasm: string; js: JsHandler }> = {
  pass: { wasm: 'test/bench/guests/pass.ts', js: () => PASS },
  firewall: { wasm: 'examples/firewall', js: firewall },
  'udp-reflector': { wasm: 'examples/udp-reflector', js: udpReflector },
};

interface Runner { run(packets: number): number }
type MakeSandbox = (file: string, metering: boolean) => Promise<Sandbox>;

const { values, positionals } = parseArgs({ allowPositionals: true, options: { baseline: { type: 'string' }, packets: { type: 'string' }, reps: { type: 'string' } } });
const packets = Number(values.packets ?? 300_000);
const reps = Number(values.reps ?? 9);
const hosts: [string, MakeSandbox][] = [['', wasmSandbox]];
if (values.baseline) {
  const other = await import(path.resolve(values.baseline, 'test/bench/wasm-cost.js')) as { wasmSandbox: MakeSandbox };
  hosts.push(['baseline ', other.wasmSandbox]);
}
const frames = mixFrames();

function cpuPerPacket(r: Runner): number {
  const t0 = cpuNs();
  r.run(packets);
  return (cpuNs() - t0) / packets;
}

console.log(`CPU ns/packet, median (min-max) of ${reps} repetitions of ${packets} packets; batches of 64; load average ${(await import('node:os')).loadavg()[0].toFixed(2)}\n`);
console.log('| handler | host | wasm unmetered | wasm metered | plain JS | metered/JS |');
console.log('|---|---|---|---|---|---|');
for (const name of positionals.length ? positionals : Object.keys(HANDLERS)) {
  const h = HANDLERS[name];
  if (!h) throw new Error(`unknown handler '${name}' (${Object.keys(HANDLERS).join(', ')})`);
  const file = path.join(PROJECT_ROOT, h.wasm);
  const runners = new Map<string, Runner>();
  for (const [label, make] of hosts) {
    runners.set(`${label}unmetered`, new Workload(await make(file, false), frames, 64));
    runners.set(`${label}metered`, new Workload(await make(file, true), frames, 64));
  }
  if (name === 'firewall') {
    const rules = readRules((runners.get('unmetered') as Workload).sb);
    table.rules.set(rules.records);
    table.count = rules.count;
  }
  runners.set('js', new JsWorkload(h.js, frames, 64));
  for (const r of runners.values()) for (let i = 0; i < 5; i++) r.run(50_000);
  const got = new Map<string, number[]>([...runners.keys()].map((k) => [k, []]));
  for (let i = 0; i < reps; i++) for (const [k, r] of runners) got.get(k)!.push(cpuPerPacket(r));
  const s = (k: string) => summarize(got.get(k)!);
  const f = (k: string) => { const x = s(k); return `${x.median.toFixed(1)} (${x.min.toFixed(1)}-${x.max.toFixed(1)})`; };
  for (const [label] of hosts) {
    console.log(`| ${name} | ${label.trim() || 'this build'} | ${f(`${label}unmetered`)} | ${f(`${label}metered`)} | ${f('js')} | ${(s(`${label}metered`).median / s('js').median).toFixed(2)}x |`);
  }
}
