// Figures for the sandbox hardening of issue 14, printed with the command that
// produced them (docs/sandbox.md quotes them):
//   1. the host-call-through-a-table attack (test/host/guests/table-host-call.wat):
//      CPU ns per packet and fuel traps per packet;
//   2. metering time of the examples and of modules at the shape limits, in
//      place and through the isolated worker;
//   3. metered / unmetered cost of the examples (the wrapper change touches
//      only host calls; this checks the examples did not get slower).
// CPU time (process.cpuUsage) rather than wall time: the machine is shared.
// Usage: npx tsc -p tsconfig.json && node dist/test/bench/sandbox-costs.js [rounds]
import path from 'node:path';
import { compileHandlerCached, resolveHandlerSource } from '../../host/compile.js';
import { meter } from '../../host/fuel.js';
import { loadModuleIsolated, stopMetering } from '../../host/isolated-load.js';
import { loadModule } from '../../host/load.js';
import { DEFAULT_MODULE_LIMITS } from '../../host/module-limits.js';
import { Sandbox } from '../../host/sandbox.js';
import { ROOT } from '../helpers/cli.js';
import { shapedModule } from '../helpers/wasm-builder.js';
import { runBatch, tagged, wat } from '../host/fixtures.js';
import { mixFrames } from './frames.js';
import { Workload, wasmSandbox } from './wasm-cost.js';

const rounds = Number(process.argv[2] ?? 5);
const EXAMPLES = ['udp-reflector', 'firewall', 'dns-guard', 'rate-limit'];
const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

function attack(): void {
  const frames = Array.from({ length: 64 }, (_, i) => tagged(1, i));
  const sb = new Sandbox(loadModule(wat('table-host-call')), { log: () => {}, quarantine: false });
  runBatch(sb, frames);
  const before = sb.stats.snapshot();
  const c0 = process.cpuUsage();
  for (let i = 0; i < rounds; i++) runBatch(sb, frames);
  const ns = (cpuMs(process.cpuUsage(c0)) * 1e6) / (rounds * 64);
  const s = sb.stats.snapshot();
  const pkts = s.packets - before.packets;
  console.log(`table attack (4000 x wx.map_declare via call_indirect per packet, batches of 64, fuelPerPacket 100000):`);
  console.log(`  ${Math.round(ns)} CPU ns/packet, fuel traps ${s.fuelExhaustions - before.fuelExhaustions} in ${pkts} packets, PASS answered ${s.verdicts.pass - before.verdicts.pass}`);
}

async function metering(): Promise<void> {
  const t = (f: () => unknown) => { const t0 = performance.now(); f(); return performance.now() - t0; };
  meter(wat('pass')); // binaryen warm
  console.log('metering time (median of 3, wall ms, in place / isolated worker incl. transfer and async compile):');
  const l = DEFAULT_MODULE_LIMITS;
  const cases: [string, Uint8Array][] = [];
  for (const ex of EXAMPLES) cases.push([ex, await compileHandlerCached(resolveHandlerSource(path.join(ROOT, 'examples', ex)))]);
  cases.push([`${l.maxFunctions - 1} functions`, shapedModule({ functions: l.maxFunctions - 1 })]);
  cases.push([`9 x ${l.maxLocalsPerFunction} locals`, shapedModule({ functions: 9, locals: l.maxLocalsPerFunction })]);
  cases.push([`nesting ${l.maxNestingDepth}`, shapedModule({ functions: 1, depth: l.maxNestingDepth })]);
  cases.push([`3 bodies of ${l.maxBodyBytes} B`, shapedModule({ functions: 3, bodyPadding: l.maxBodyBytes - 10 })]);
  await loadModuleIsolated(wat('pass'));
  for (const [name, bytes] of cases) {
    const inPlace = median([0, 1, 2].map(() => t(() => meter(bytes))));
    const iso: number[] = [];
    for (let i = 0; i < 3; i++) { const t0 = performance.now(); await loadModuleIsolated(bytes); iso.push(performance.now() - t0); }
    console.log(`  ${name.padEnd(26)} ${String(bytes.length).padStart(8)} B  ${inPlace.toFixed(0).padStart(6)} ms / ${median(iso).toFixed(0).padStart(6)} ms`);
  }
  const refuse = (bytes: Uint8Array) => { const t0 = performance.now(); try { loadModule(bytes); } catch { /* refused */ } return performance.now() - t0; };
  for (const [name, shape] of [['2000 x 50000 locals', { functions: 2000, locals: 50_000 }], ['20000 nested blocks', { functions: 1, depth: 20_000 }], ['500000 functions', { functions: 500_000 }]] as const) {
    console.log(`  refused: ${name.padEnd(22)} in ${refuse(shapedModule(shape)).toFixed(0)} ms`);
  }
  await stopMetering();
}

async function overhead(): Promise<void> {
  console.log(`fuel overhead on the examples (CPU ns/packet, median of ${rounds} runs of 100k packets, batches of 256):`);
  const frames = mixFrames();
  for (const ex of EXAMPLES) {
    const file = path.join(ROOT, 'examples', ex);
    const plain = new Workload(await wasmSandbox(file, false), frames, 256);
    const metered = new Workload(await wasmSandbox(file, true), frames, 256);
    const run = (w: Workload) => { const c0 = process.cpuUsage(); const n = 100_000; w.run(n); return (cpuMs(process.cpuUsage(c0)) * 1e6) / n; };
    run(plain); run(metered);
    const p: number[] = [], m: number[] = [];
    for (let i = 0; i < rounds; i++) { p.push(run(plain)); m.push(run(metered)); }
    console.log(`  ${ex.padEnd(14)} unmetered ${median(p).toFixed(0)}  metered ${median(m).toFixed(0)}  ratio ${(median(m) / median(p)).toFixed(2)}x`);
  }
}

attack();
await metering();
await overhead();
