// The hostile corpus end to end: every guest in test/host/guests/ is either
// refused at deploy with the expected code and message, or contained at run
// time with the expected counter and log line, after which a fresh batch of
// ordinary frames is still answered correctly.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Action } from '../../host/abi.js';
import { WasmxdpError } from '../../host/errors.js';
import { LoadLimits, loadModule } from '../../host/load.js';
import { Sandbox, SandboxOptions } from '../../host/sandbox.js';
import type { TrapKind } from '../../host/trap.js';
import { actions, asGuest, logSink, runBatch, tagged, wat } from './fixtures.js';

const test = suite('host/hostile');

function refusedAtDeploy(bytes: Uint8Array, code: string, pattern: RegExp): void {
  try {
    loadModule(bytes);
  } catch (e) {
    assert.instance(e, WasmxdpError);
    assert.is((e as WasmxdpError).code, code, (e as Error).message);
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable('deployed a module that must be refused');
}

/**
 * Runs [ordinary, poisoned, ordinary] through the guest, then a fresh batch of
 * ordinary frames; checks the trap kind, its log line, and that everything
 * else got PASS.
 */
async function contained(bytes: Uint8Array, poisonTag: number, kind: TrapKind, logPattern: RegExp, limits: LoadLimits = {}, opts: SandboxOptions = {}): Promise<Sandbox> {
  const { lines, log } = logSink();
  const sb = new Sandbox(loadModule(bytes, limits), { log, quarantine: false, ...opts });
  const b = runBatch(sb, [tagged(1), tagged(poisonTag), tagged(2)]);
  assert.equal(actions(b), [Action.PASS, Action.ABORTED, Action.PASS]);
  const s = sb.stats.snapshot();
  assert.is(s.traps, 1);
  assert.is(s.trapsByKind[kind], 1, `expected one ${kind} trap, got ${JSON.stringify(s.trapsByKind)}`);
  assert.ok(lines.some((l) => l.includes(`trap (${kind})`) && logPattern.test(l)), `log lines: ${lines.join(' | ')}`);
  assert.equal(actions(runBatch(sb, [tagged(3), tagged(4), tagged(5)])), [Action.PASS, Action.PASS, Action.PASS]);
  return sb;
}

// ------------------------------------------------------------- refused at deploy

test('WASI fd_write import: refused, naming the import', () => {
  refusedAtDeploy(wat('wasi-import'), 'E_IMPORT_REFUSED', /wasi_snapshot_preview1\.fd_write/);
});

test('missing wx_batch export: refused', () => {
  refusedAtDeploy(wat('missing-export'), 'E_EXPORT_MISSING', /does not export wx_batch/);
});

test('wrong ABI version: refused without instantiation', () => {
  refusedAtDeploy(wat('wrong-abi'), 'E_ABI_VERSION', /ABI version 2/);
});

test('data segment in the control block: refused', () => {
  refusedAtDeploy(wat('data-control-block'), 'E_MEMORY_LAYOUT', /lands in the control block/);
});

test('own memory instead of env.memory: refused', () => {
  refusedAtDeploy(wat('own-memory'), 'E_MEMORY_LAYOUT', /defines its own memory/);
});

test('infinite loop in the start function: deploy fails, it does not hang', () => {
  const loaded = loadModule(wat('start-loop'), { startFuel: 100_000 });
  assert.throws(() => new Sandbox(loaded, { log: () => {} }), (e: Error) =>
    e instanceof WasmxdpError && e.code === 'E_INSTANTIATE' && /start budget/.test(e.message));
});

// ------------------------------------------------------------- contained at run time

test('infinite loop in the handler: fuel trap', async () => {
  await contained(await asGuest('spin'), 0xee, 'fuel', /fuel exhausted/, {}, { fuelPerPacket: 20_000 });
});

test('infinite loop (WAT): fuel trap, same containment', async () => {
  await contained(wat('poison'), 0xee, 'fuel', /fuel exhausted/);
});

test('unbounded recursion: stack overflow (budget large enough to reach it)', async () => {
  await contained(await asGuest('recurse'), 0xda, 'stack_overflow', /Maximum call stack size exceeded/, {}, { fuelPerPacket: 8_000_000 });
});

test('unbounded recursion with the default budget: stopped by fuel or the stack, either contained', async () => {
  const { log } = logSink();
  const sb = new Sandbox(loadModule(await asGuest('recurse')), { log });
  const b = runBatch(sb, [tagged(1), tagged(0xda), tagged(2)]);
  assert.equal(actions(b), [Action.PASS, Action.ABORTED, Action.PASS]);
  const s = sb.stats.snapshot();
  assert.is(s.trapsByKind.fuel + s.trapsByKind.stack_overflow, 1);
});

test('out-of-bounds load: out_of_bounds trap', async () => {
  await contained(await asGuest('oob'), 0xdc, 'out_of_bounds', /memory access out of bounds/);
});

test('divide by zero: divide_by_zero trap', async () => {
  await contained(await asGuest('divzero'), 0xdb, 'divide_by_zero', /divide by zero/);
});

test('unreachable: unreachable trap', async () => {
  await contained(await asGuest('unreachable'), 0xdd, 'unreachable', /unreachable/);
});

test('abort: the guest\'s message, file and line are logged', async () => {
  const sb = await contained(await asGuest('abort'), 0xab, 'abort', /guest aborted: hostile guest: poisoned packet at .*abort\.ts:\d+:\d+/);
  assert.match(sb.stats.snapshot().lastTrap ?? '', /^abort: guest aborted: hostile guest: poisoned packet at .*abort\.ts:\d+/);
});

test('repeated memory.grow: growth is refused, the handler sees it and the memory keeps its size', async () => {
  const sb = new Sandbox(loadModule(await asGuest('grow')), { log: () => {} });
  const size = sb.memory.buffer.byteLength;
  for (let i = 0; i < 4; i++) assert.equal(actions(runBatch(sb, [tagged(1), tagged(2)])), [Action.DROP, Action.DROP]);
  assert.is(sb.memory.buffer.byteLength, size);
  assert.is(sb.stats.snapshot().traps, 0);
});

test('huge allocation: the failed allocation traps cleanly and is contained', async () => {
  const { lines, log } = logSink();
  const sb = new Sandbox(loadModule(await asGuest('huge-alloc')), { log, quarantine: false });
  const b = runBatch(sb, [tagged(1), tagged(0xaa), tagged(2)]);
  assert.equal(actions(b), [Action.PASS, Action.ABORTED, Action.PASS]);
  const s = sb.stats.snapshot();
  assert.is(s.trapsByKind.unreachable + s.trapsByKind.abort, 1, JSON.stringify(s.trapsByKind));
  assert.ok(lines.some((l) => /trap \((unreachable|abort)\)/.test(l)));
  assert.equal(actions(runBatch(sb, [tagged(3)])), [Action.PASS]);
});

test('a leaking handler exhausts its heap quota, traps, and a fresh instance starts with an empty heap', async () => {
  const sb = new Sandbox(loadModule(await asGuest('leak'), { heapPages: 2 }), { log: () => {}, quarantine: false });
  // 2 pages = 128 KiB of heap: 4 KiB per packet lasts for fewer than 32 packets.
  const frames = Array.from({ length: 100 }, (_, i) => tagged(1, i));
  const b = runBatch(sb, frames);
  const a = actions(b);
  const aborted = a.filter((x) => x === Action.ABORTED).length;
  assert.ok(aborted >= 3, `expected several out-of-memory traps in 100 packets, got ${aborted}`);
  assert.is(a.filter((x) => x === Action.PASS).length + aborted, 100, 'every other packet passed on a fresh instance');
  assert.is(sb.stats.snapshot().traps, aborted);
});

test('garbage over descriptors and verdicts, forged targets and lengths: ABORTED per packet, the rest unaffected', () => {
  const sb = new Sandbox(loadModule(wat('garbage')), { log: () => {}, portCount: 2 });
  const b = runBatch(sb, [tagged(0), tagged(2), tagged(0), tagged(4), tagged(0), tagged(10), tagged(0)]);
  assert.equal(actions(b), [Action.PASS, Action.ABORTED, Action.PASS, Action.ABORTED, Action.PASS, Action.ABORTED, Action.PASS]);
  assert.is(sb.stats.snapshot().invalidVerdicts, 3);
  assert.equal(actions(runBatch(sb, [tagged(0), tagged(0)])), [Action.PASS, Action.PASS]);
});

test('a guest trapping on every packet is quarantined and then costs nothing', () => {
  const { lines, log } = logSink();
  const sb = new Sandbox(loadModule(wat('poison')), { log, failVerdict: 'drop', quarantine: { maxTraps: 20, windowMs: 1000 } });
  const poisoned = Array.from({ length: 64 }, () => tagged(0xdd));
  // Each batch re-runs at most 4 times: 5 traps per batch, the 21st in batch 5.
  for (let i = 0; i < 4; i++) runBatch(sb, poisoned, 0n);
  assert.not.ok(sb.quarantined);
  runBatch(sb, poisoned, 0n);
  assert.ok(sb.quarantined);
  assert.match(sb.status(), /^quarantined: 21 traps in \d+m?s \(last: unreachable: RuntimeError: unreachable/);
  assert.ok(lines.some((l) => /quarantined: 21 traps/.test(l)));
  const s = sb.stats.snapshot();
  assert.is(s.traps, 21);
  assert.is(s.verdicts.aborted, 21);
  assert.is(s.verdicts.drop, 5 * 64 - 21);
  runBatch(sb, poisoned, 0n);
  assert.is(sb.stats.snapshot().traps, 21, 'quarantined: the guest is not called');
});

test('wx.map_declare put in a table and called 4000 times per packet through call_indirect: each packet runs out of fuel', () => {
  const { lines, log } = logSink();
  const sb = new Sandbox(loadModule(wat('table-host-call')), { log, quarantine: false, failVerdict: 'drop' });
  const b = runBatch(sb, [tagged(1), tagged(2), tagged(3)]);
  // 100 000 fuel per packet buys at most 100 host calls: no packet gets its
  // 4000, none is answered, each trapping one is ABORTED, re-runs included.
  assert.equal(actions(b), [Action.ABORTED, Action.ABORTED, Action.ABORTED]);
  const s = sb.stats.snapshot();
  assert.is(s.fuelExhaustions, 3);
  assert.is(s.trapsByKind.fuel, 3);
  assert.is(s.verdicts.pass, 0, 'no verdict the guest did not pay for');
  assert.ok(lines.some((l) => /trap \(fuel\): fuel exhausted/.test(l)), lines.join(' | '));
});

test('the same flood on a budget that covers it is answered: the fuel, not the table, decides', () => {
  const sb = new Sandbox(loadModule(wat('table-host-call')), { log: () => {}, quarantine: false, fuelPerPacket: 4_200_000 });
  assert.equal(actions(runBatch(sb, [tagged(1)])), [Action.PASS]);
  assert.is(sb.stats.snapshot().fuelExhaustions, 0);
});

test('a slow program that traps rarely is quarantined by the time its trapping calls take', () => {
  const { lines, log } = logSink();
  // 0xee spins until its (large) budget runs out: each call runs milliseconds,
  // then traps. Batches are 2 s apart in batch time and hold one packet, so
  // neither the trap count nor the trap ratio rule could ever trip.
  const sb = new Sandbox(loadModule(wat('poison')), {
    log, fuelPerPacket: 8_000_000, maxRerunsPerBatch: 0,
    quarantine: { maxTraps: 1000, windowMs: 1000, minPackets: 1_000_000, maxTrapMs: 1 },
  });
  for (let i = 0; i < 20 && !sb.quarantined; i++) runBatch(sb, [tagged(0xee)], BigInt(i) * 2_000_000_000n);
  assert.ok(sb.quarantined, sb.status());
  assert.match(sb.status(), /^quarantined: guest calls that trapped ran \d+m?s within 1s, over maxTrapMs 1 \(last: fuel: fuel exhausted/);
  assert.ok(lines.some((l) => /quarantined: guest calls that trapped/.test(l)));
});

test.run();
