// Instructions per packet of the handler path, counted by valgrind's callgrind:
// repeatable on a loaded machine where ns/packet is not. Each case runs twice
// under callgrind, with P and 3P packets after the same warm-up; the
// difference in instructions over 2P is the steady-state cost per packet
// (start-up, compile and warm-up cancel).
//
//   node dist/test/bench/callgrind.js [--packets 50000] [handler ...]
//
// handlers: pass, firewall, udp-reflector (default: all three). The wasm rows
// run through Sandbox.run like part-handlers (metered and not); the JS row is
// the plain-JS twin. Modules are validated and metered once outside valgrind
// (binaryen under valgrind takes minutes), then compiled from those bytes.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT, compileHandlerCached, resolveHandlerSource } from '../../host/compile.js';
import { prepareModule } from '../../host/load.js';
import { Sandbox } from '../../host/sandbox.js';
import { mixFrames } from './frames.js';
import { JsWorkload } from './js-cost.js';
import { firewall, table } from './js/firewall.js';
import { JsHandler, PASS } from './js/packet.js';
import { udpReflector } from './js/udp-reflector.js';
import { readRules } from './fw-rules.js';
import { Workload } from './wasm-cost.js';

const HANDLERS: Record<string, { wasm: string; js: JsHandler }> = {
  pass: { wasm: 'test/bench/guests/pass.ts', js: () => PASS },
  firewall: { wasm: 'examples/firewall', js: firewall },
  'udp-reflector': { wasm: 'examples/udp-reflector', js: udpReflector },
};
const KINDS = ['unmetered', 'metered', 'js'] as const;
type Kind = typeof KINDS[number];
const BATCH = 64;
const WARMUP = 50_000;
// Deterministic V8: compiles and GC on the main thread (the same work lands in
// the same run every time), wasm compiled by TurboFan up front (the steady
// state, not Liftoff's first tier).
const NODE_FLAGS = ['--predictable', '--no-liftoff'];

/** Child: one case, `packets` timed packets after the warm-up. */
function child(handler: string, kind: Kind, packets: number, dir: string): void {
  const frames = mixFrames();
  const code = (k: 'unmetered' | 'metered') => new Uint8Array(fs.readFileSync(path.join(dir, `${handler}.${k}.wasm`)));
  const sb = (k: 'unmetered' | 'metered') => new Sandbox(new WebAssembly.Module(code(k)), { log: () => {}, quarantine: false, portCount: 1 });
  let run: (n: number) => void;
  if (kind === 'js') {
    if (handler === 'firewall') {
      // The JS twin walks the rules the wasm module installs.
      const rules = readRules(sb('unmetered'));
      table.rules.set(rules.records);
      table.count = rules.count;
    }
    const js = new JsWorkload(HANDLERS[handler].js, frames, BATCH);
    run = (n) => js.run(n);
  } else {
    const w = new Workload(sb(kind), frames, BATCH);
    run = (n) => w.run(n);
  }
  run(WARMUP);
  if (packets > 0) run(packets);
}

function instructions(args: string[], out: string): number {
  const r = spawnSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, process.execPath, ...NODE_FLAGS, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`valgrind failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const m = /^(?:summary|totals): (\d+)/m.exec(fs.readFileSync(out, 'utf8'));
  fs.rmSync(out, { force: true });
  if (!m) throw new Error(`no instruction total in callgrind's output`);
  return Number(m[1]);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { packets: { type: 'string' }, child: { type: 'string' }, dir: { type: 'string' } } });
  if (values.child) {
    const [handler, kind, packets] = values.child.split(':');
    child(handler, kind as Kind, Number(packets), values.dir!);
    return;
  }
  const packets = Number(values.packets ?? 50_000);
  const names = positionals.length ? positionals : Object.keys(HANDLERS);
  for (const n of names) if (!HANDLERS[n]) throw new Error(`unknown handler '${n}' (${Object.keys(HANDLERS).join(', ')})`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxbench-callgrind-'));
  try {
    for (const n of names) {
      const bytes = await compileHandlerCached(resolveHandlerSource(path.join(PROJECT_ROOT, HANDLERS[n].wasm)));
      fs.writeFileSync(path.join(dir, `${n}.unmetered.wasm`), prepareModule(bytes, { metering: false }).code);
      fs.writeFileSync(path.join(dir, `${n}.metered.wasm`), prepareModule(bytes, { metering: true }).code);
    }
    const self = fileURLToPath(import.meta.url);
    console.log(`instructions per packet (callgrind), batches of ${BATCH}, runs of ${packets} and ${3 * packets} packets after ${WARMUP} of warm-up\n`);
    console.log('| handler | wasm unmetered | wasm metered | plain JS | metered/JS |');
    console.log('|---|---|---|---|---|');
    for (const n of names) {
      const per: Record<string, number> = {};
      for (const k of KINDS) {
        const at = (p: number) => instructions([self, '--child', `${n}:${k}:${p}`, '--dir', dir], path.join(dir, `cg.${n}.${k}.${p}.out`));
        per[k] = (at(3 * packets) - at(packets)) / (2 * packets);
      }
      console.log(`| ${n} | ${per.unmetered.toFixed(0)} | ${per.metered.toFixed(0)} | ${per.js.toFixed(0)} | ${(per.metered / per.js).toFixed(2)}x |`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
