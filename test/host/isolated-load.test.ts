// loadModuleIsolated: validation and metering in a worker thread with a time
// and a memory budget. The calling thread keeps running while a module that
// is expensive to meter is metered, a module over a budget is refused naming
// the budget, and the next module is served by a fresh worker.
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compileHandlerCached, resolveHandlerSource } from '../../host/compile.js';
import { WasmxdpError } from '../../host/errors.js';
import { loadModuleIsolated, stopMetering } from '../../host/isolated-load.js';
import { Sandbox } from '../../host/sandbox.js';
import { ROOT } from '../helpers/cli.js';
import { shapedModule } from '../helpers/wasm-builder.js';
import { actions, runBatch, tagged, wat } from './fixtures.js';

const test = suite('host/isolated-load');

// Within every shape limit, but about a million blocks for binaryen: seconds to meter.
const HEAVY = shapedModule({ functions: 9000, depth: 100 });

async function refusal(p: Promise<unknown>): Promise<WasmxdpError> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, WasmxdpError);
    return e as WasmxdpError;
  }
  throw new Error('the module was accepted');
}

test.after(() => stopMetering());

test('a module loaded in the worker is metered and runs like one loaded in place', async () => {
  const loaded = await loadModuleIsolated(wat('pass'));
  assert.ok(loaded.metered);
  const sb = new Sandbox(loaded, { log: () => {} });
  assert.ok(sb.metered);
  assert.equal(actions(runBatch(sb, [tagged(1), tagged(2)])), [2, 2]);
  const fw = await loadModuleIsolated(await compileHandlerCached(resolveHandlerSource(path.join(ROOT, 'examples/firewall'))));
  assert.ok(fw.info.exports.some((e) => e.name === 'wx_batch'));
});

test('refusals keep their code and message', async () => {
  const e1 = await refusal(loadModuleIsolated(wat('wasi-import')));
  assert.is(e1.code, 'E_IMPORT_REFUSED');
  assert.match(e1.message, /wasi_snapshot_preview1\.fd_write/);
  const e2 = await refusal(loadModuleIsolated(shapedModule({ functions: 1, depth: 20_000 })));
  assert.is(e2.code, 'E_MODULE_LIMIT');
  assert.match(e2.message, /maxNestingDepth/);
});

test('the calling thread keeps running while a heavy module is metered', async () => {
  let ticks = 0;
  const timer = setInterval(() => { ticks++; }, 10);
  const t0 = performance.now();
  try {
    await loadModuleIsolated(HEAVY);
  } finally {
    clearInterval(timer);
  }
  const ms = performance.now() - t0;
  // Metered in place, the thread would see no tick at all until the end.
  assert.ok(ticks >= Math.min(20, ms / 40), `${ticks} ticks of 10 ms while metering took ${Math.round(ms)} ms`);
});

test('over the time budget: refused naming meterTimeoutMs; the next module is metered by a fresh worker', async () => {
  const e = await refusal(loadModuleIsolated(HEAVY, {}, { meterTimeoutMs: 100 }));
  assert.is(e.code, 'E_METER_BUDGET');
  assert.match(e.message, /took longer than the time budget meterTimeoutMs = 100/);
  assert.ok((await loadModuleIsolated(wat('pass'))).metered);
});

test('over the memory budget: refused naming meterMemoryMb', async () => {
  const e = await refusal(loadModuleIsolated(HEAVY, {}, { meterMemoryMb: 40 }));
  assert.is(e.code, 'E_METER_BUDGET');
  assert.match(e.message, /meterMemoryMb = 40/);
  assert.ok((await loadModuleIsolated(wat('pass'))).metered);
});

test('stopMetering ends a job in progress at once', async () => {
  const p = refusal(loadModuleIsolated(HEAVY));
  await new Promise((r) => setTimeout(r, 50));
  const t0 = performance.now();
  await stopMetering();
  const e = await p;
  assert.is(e.code, 'E_METER_BUDGET');
  assert.match(e.message, /shutting down/);
  assert.ok(performance.now() - t0 < 5000, 'terminated, not waited for');
});

test.run();
