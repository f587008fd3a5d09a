import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Action, COUNTERS_OFFSET, H_PORT_COUNT, MEMORY_BASE, PAGE_SIZE, memoryPages } from '../../host/abi.js';
import { Batch } from '../../host/batch.js';
import { WasmxdpError } from '../../host/errors.js';
import { loadModule } from '../../host/load.js';
import { MAP_DECLARE_AFTER_START, Sandbox, SandboxOptions } from '../../host/sandbox.js';
import { actions, runBatch, tagged, wat, watText } from './fixtures.js';

const test = suite('host/sandbox');
const quiet = { log: () => {} };

function poison(opts: SandboxOptions = {}): Sandbox {
  return new Sandbox(loadModule(wat('poison')), { ...quiet, quarantine: false, ...opts });
}

test('after a trap the remaining packets are re-run on a fresh instance; only the trapping packet is ABORTED', () => {
  const sb = poison();
  const b = runBatch(sb, [tagged(1), tagged(0xdd), tagged(2), tagged(0xdc), tagged(3)]);
  assert.equal(actions(b), [Action.PASS, Action.ABORTED, Action.PASS, Action.ABORTED, Action.PASS]);
  const s = sb.stats.snapshot();
  assert.is(s.traps, 2);
  assert.is(s.trapsByKind.unreachable, 1);
  assert.is(s.trapsByKind.out_of_bounds, 1);
  assert.is(s.reruns, 2);
  assert.is(s.instantiations, 3);
  assert.is(s.failVerdicts, 0);
  assert.equal(s.verdicts, { aborted: 2, drop: 0, pass: 3, tx: 0, redirect: 0 });
});

test('re-run answers keep the host\'s descriptors: output addresses are each packet\'s own', () => {
  const sb = poison();
  const frames = [tagged(1), tagged(0xdd), tagged(2, 7)];
  const b = runBatch(sb, frames);
  assert.is(b.outAddr[2], b.addr[2]);
  assert.is(b.outLen[2], frames[2].length);
});

test('without re-runs the packets after the trapping one get the fail verdict', () => {
  for (const [fv, action] of [['drop', Action.DROP], ['pass', Action.PASS], ['aborted', Action.ABORTED]] as const) {
    const sb = poison({ maxRerunsPerBatch: 0, failVerdict: fv });
    const b = runBatch(sb, [tagged(1), tagged(0xdd), tagged(2), tagged(3)]);
    assert.equal(actions(b), [Action.PASS, Action.ABORTED, action, action], fv);
    assert.is(sb.stats.snapshot().failVerdicts, 2);
  }
});

test('re-runs per batch are bounded, then the fail verdict applies', () => {
  const sb = poison({ maxRerunsPerBatch: 1, failVerdict: 'drop' });
  const b = runBatch(sb, [tagged(0xdd), tagged(1), tagged(0xdd), tagged(2), tagged(0xdd), tagged(3)]);
  assert.equal(actions(b), [Action.ABORTED, Action.PASS, Action.ABORTED, Action.DROP, Action.DROP, Action.DROP]);
  assert.is(sb.stats.snapshot().reruns, 1);
});

test('the next batch runs normally after a trapping one', () => {
  const sb = poison({ maxRerunsPerBatch: 0, failVerdict: 'drop' });
  runBatch(sb, [tagged(0xdd), tagged(1)]);
  assert.equal(actions(runBatch(sb, [tagged(1), tagged(2)])), [Action.PASS, Action.PASS]);
});

test('lying verdicts are ABORTED and counted; honest edge cases pass', () => {
  const sb = new Sandbox(loadModule(wat('garbage')), { ...quiet, portCount: 2 });
  const tags = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const frames = tags.map((t) => tagged(t));
  const b = runBatch(sb, frames);
  assert.equal(actions(b), [
    Action.PASS, // 0 honest
    Action.ABORTED, // 1 unknown action
    Action.ABORTED, // 2 redirect to port 99 of 2
    Action.ABORTED, // 3 points into the control block
    Action.ABORTED, // 4 len 0xffffffff
    Action.ABORTED, // 5 addr+len wraps
    Action.ABORTED, // 6 target bits on PASS
    Action.TX, // 7 all headroom: valid
    Action.ABORTED, // 8 one byte before the frame
    Action.PASS, // 9 empty at the frame end: valid
    Action.ABORTED, // 10 another packet's frame via a forged descriptor
  ]);
  assert.is(sb.stats.snapshot().invalidVerdicts, 8);
  assert.is(b.outAddr[7], b.addr[7] - b.headroom[7]);
  assert.is(b.outLen[7], frames[7].length + b.headroom[7]);
  assert.is(b.outLen[9], 0);
  // ABORTED answers carry the host's own descriptor, never the guest's numbers.
  for (const i of [1, 2, 3, 4, 5, 6, 8, 10]) {
    assert.is(b.outAddr[i], b.addr[i], `packet ${i} addr`);
    assert.is(b.outLen[i], frames[i].length, `packet ${i} len`);
    assert.is(b.target[i], 0);
  }
});

test('the header the guest scribbled over is restored before the next batch', () => {
  const sb = new Sandbox(loadModule(wat('garbage')), { ...quiet, portCount: 2 });
  const b1 = runBatch(sb, [tagged(0), tagged(10), tagged(11)]);
  assert.is(b1.action[2], Action.ABORTED, 'in the same batch the guest read its own garbage');
  assert.is(new DataView(sb.memory.buffer).getUint32(H_PORT_COUNT, true), 0xffffffff);
  const b2 = runBatch(sb, [tagged(11)]);
  assert.is(b2.action[0], Action.REDIRECT);
  assert.is(b2.target[0], 1);
});

test('a guest that fills the verdict array with garbage and traps gets every packet ABORTED', () => {
  const sb = new Sandbox(loadModule(wat('garbage')), { ...quiet, failVerdict: 'pass' });
  const b = runBatch(sb, [tagged(0), tagged(0), tagged(12), tagged(0)]);
  assert.equal(actions(b), [Action.ABORTED, Action.ABORTED, Action.ABORTED, Action.ABORTED]);
  assert.is(sb.stats.snapshot().trapsByKind.unreachable, 1);
});

test('a guest zeroing the descriptor array mid-batch only loses the packets after it; the next batch is whole', () => {
  const sb = new Sandbox(loadModule(wat('garbage')), quiet);
  const b = runBatch(sb, [tagged(0), tagged(13), tagged(0), tagged(0)]);
  assert.equal(actions(b), [Action.PASS, Action.PASS, Action.ABORTED, Action.ABORTED]);
  assert.is(sb.stats.snapshot().invalidVerdicts, 2);
  assert.equal(actions(runBatch(sb, [tagged(0), tagged(0)])), [Action.PASS, Action.PASS]);
});

test('a module loaded for another heap size is refused with a clear message', () => {
  assert.throws(() => new Sandbox(loadModule(wat('pass'), { heapPages: 8 }), { heapPages: 16 }),
    (e: Error) => e instanceof WasmxdpError && e.code === 'E_CONFIG' && /loaded for heapPages 8 but the sandbox has 16/.test(e.message));
});

test('the wx host functions are provided: a guest declaring a map at start-up instantiates', () => {
  const bytes = watText(`(module
    (import "wx" "map_declare" (func $declare (param i32 i32 i32 i32 i32 i32) (result i32)))
    (import "wx" "log" (func $log (param i32 i32 i32)))
    (import "env" "memory" (memory 513))
    (global (export "wx_abi_version") i32 (i32.const 1))
    (data (i32.const ${MEMORY_BASE}) "flows")
    (func $start (drop (call $declare (i32.const ${MEMORY_BASE}) (i32.const 5) (i32.const 0) (i32.const 4) (i32.const 8) (i32.const 64))))
    (start $start)
    (func (export "wx_batch") (param i32) (result i32) (local.get 0)))`);
  const sb = new Sandbox(loadModule(bytes), quiet);
  assert.is(sb.stats.snapshot().instantiations, 1);
});

test('wx.map_declare works while the module starts and fails with -EPERM (-1) afterwards', () => {
  const bytes = watText(`(module
    (import "wx" "map_declare" (func $declare (param i32 i32 i32 i32 i32 i32) (result i32)))
    (import "env" "memory" (memory 513))
    (global (export "wx_abi_version") i32 (i32.const 1))
    (data (i32.const ${MEMORY_BASE}) "flows")
    (func $declare_flows (result i32) (call $declare (i32.const ${MEMORY_BASE}) (i32.const 5) (i32.const 1) (i32.const 4) (i32.const 8) (i32.const 64)))
    (func $start (i64.store (i32.const ${COUNTERS_OFFSET}) (i64.extend_i32_s (call $declare_flows))))
    (start $start)
    (func (export "wx_batch") (param i32) (result i32)
      (i64.store (i32.const ${COUNTERS_OFFSET + 8}) (i64.extend_i32_s (call $declare_flows)))
      (local.get 0)))`);
  const sb = new Sandbox(loadModule(bytes), quiet);
  assert.ok(sb.counter(0) > 0 && sb.counter(0) < MEMORY_BASE, `at start-up the descriptor address: ${sb.counter(0)}`);
  runBatch(sb, [tagged(1)]);
  assert.is(sb.counter(1), 2 ** 53 - 1, 'after start-up: -1 (read as a u64, capped)');
  assert.is(new DataView(sb.memory.buffer).getInt32(COUNTERS_OFFSET + 8, true), MAP_DECLARE_AFTER_START);
});

test('guest counters are read as untrusted numbers', () => {
  const sb = new Sandbox(loadModule(wat('pass')), quiet);
  const dv = new DataView(sb.memory.buffer);
  dv.setBigUint64(COUNTERS_OFFSET + 8, 0xffffffffffffffffn, true);
  dv.setBigUint64(COUNTERS_OFFSET + 16, 12345678901n, true);
  assert.is(sb.counter(1), Number.MAX_SAFE_INTEGER);
  assert.is(sb.counter(2), 12345678901);
  assert.throws(() => sb.counter(1024), RangeError);
  assert.throws(() => sb.counter(-1), RangeError);
});

test('stats snapshot is plain JSON with host-measured timings', () => {
  const sb = new Sandbox(loadModule(wat('pass')), quiet);
  for (let i = 0; i < 5; i++) runBatch(sb, [tagged(1), tagged(2)]);
  const s = sb.stats.snapshot();
  assert.equal(JSON.parse(JSON.stringify(s)), s);
  assert.is(s.packets, 10);
  assert.is(s.batches, 5);
  assert.ok(s.nsPerPacket.avg > 0 && Number.isFinite(s.nsPerPacket.avg));
  assert.ok(s.nsPerPacket.p99 > 0 && Number.isFinite(s.nsPerPacket.p99));
  assert.is(s.status, 'running');
});

test('heap quota: memory is fixed at MEMORY_BASE + heapPages, within the operator limit', () => {
  const sb = new Sandbox(loadModule(wat('pass'), { heapPages: 4 }), quiet);
  assert.is(sb.memory.buffer.byteLength, memoryPages(4) * PAGE_SIZE);
  assert.throws(() => sb.memory.grow(1), RangeError);
  assert.throws(() => new Sandbox(loadModule(wat('pass')), { heapPages: 64, maxHeapPages: 32 }),
    (e: Error) => e instanceof WasmxdpError && e.code === 'E_CONFIG' && /from 1 to 32 \(operator limit\)/.test(e.message));
  assert.throws(() => loadModule(wat('pass'), { heapPages: 2048 }), /heapPages must be an integer from 1 to 1024/);
});

test('options are checked', () => {
  const m = loadModule(wat('pass'));
  assert.throws(() => new Sandbox(m, { failVerdict: 'open' as never }), /failVerdict must be one of aborted, drop, pass/);
  assert.throws(() => new Sandbox(m, { maxRerunsPerBatch: -1 }), /maxRerunsPerBatch/);
  assert.throws(() => new Sandbox(m, { portCount: 0 }), /portCount/);
  assert.throws(() => new Sandbox(m, { memory: new WebAssembly.Memory({ initial: 1, maximum: 1 }) }), /needs exactly 529/);
});

test('redeploy swaps the module on the same memory and keeps the old one if the new fails to start', () => {
  const sb = new Sandbox(loadModule(wat('pass')), quiet);
  const b = new Batch();
  assert.throws(() => sb.redeploy(loadModule(wat('start-loop'), { startFuel: 1000 })), /failed to start/);
  assert.equal(actions(runBatch(sb, [tagged(0xdd)], 0n, b)), [Action.PASS]);
  sb.redeploy(loadModule(wat('poison')));
  assert.equal(actions(runBatch(sb, [tagged(0xdd)], 0n, b)), [Action.ABORTED]);
});

test('warm() starts a module on a scratch memory: the running program\'s memory is untouched, and redeploy still reports a failing module', () => {
  const running = new Sandbox(loadModule(wat('pass')), quiet);
  // Data at MEMORY_BASE, a map declared and a counter written by the start function: all would land in a shared memory.
  const next = loadModule(watText(`(module
    (import "wx" "map_declare" (func $declare (param i32 i32 i32 i32 i32 i32) (result i32)))
    (import "env" "memory" (memory 513))
    (global (export "wx_abi_version") i32 (i32.const 1))
    (data (i32.const ${MEMORY_BASE}) "flows")
    (func $start
      (drop (call $declare (i32.const ${MEMORY_BASE}) (i32.const 5) (i32.const 0) (i32.const 4) (i32.const 8) (i32.const 64)))
      (i64.store (i32.const ${COUNTERS_OFFSET}) (i64.const 77)))
    (start $start)
    (func (export "wx_batch") (param i32) (result i32) (local.get 0)))`));
  const before = new Uint8Array(running.memory.buffer).slice();
  running.warm(next);
  running.warm(next);
  assert.ok(Buffer.from(before).equals(new Uint8Array(running.memory.buffer)), 'not one byte of the running memory changed');
  assert.is(running.stats.snapshot().instantiations, 1, 'warming is not an instantiation of the program');
  running.redeploy(next);
  assert.is(running.counter(0), 77, 'the real instance runs its start function on the program\'s memory');
  const failing = loadModule(wat('start-loop'), { startFuel: 1000 });
  running.warm(failing);
  assert.throws(() => running.redeploy(failing), /failed to start/);
});

test('warm() judges one frame with a metered module on the scratch memory only: the running memory, its counters and the guest log stay untouched; an unmetered module is not called', () => {
  const lines: string[] = [];
  const running = new Sandbox(loadModule(wat('pass')), { log: (l) => lines.push(l) });
  runBatch(running, [tagged(7)]);
  // A batch that writes counter 0, logs, and answers DROP.
  const batchWriter = watText(`(module
    (import "wx" "log" (func $log (param i32 i32 i32)))
    (import "env" "memory" (memory 513))
    (global (export "wx_abi_version") i32 (i32.const 1))
    (data (i32.const ${MEMORY_BASE}) "rehearsal")
    (func (export "wx_batch") (param i32) (result i32)
      (i64.store (i32.const ${COUNTERS_OFFSET}) (i64.const 99))
      (call $log (i32.const 2) (i32.const ${MEMORY_BASE}) (i32.const 9))
      (local.get 0)))`);
  const before = new Uint8Array(running.memory.buffer).slice();
  const stats = JSON.stringify(running.stats.snapshot());
  const scratchCounter = () => Number(new DataView((running as unknown as { scratch: { memory: WebAssembly.Memory } }).scratch.memory.buffer).getBigUint64(COUNTERS_OFFSET, true));
  running.warm(loadModule(batchWriter, { metering: false }));
  assert.is(scratchCounter(), 0, 'an unmetered module has no CPU bound: it is instantiated, not called');
  running.warm(loadModule(batchWriter));
  // The rehearsal ran (on the scratch memory, where it is observable only from inside the sandbox).
  assert.is(scratchCounter(), 99, 'the metered module judged a frame on the scratch memory');
  assert.ok(Buffer.from(before).equals(new Uint8Array(running.memory.buffer)), 'not one byte of the running memory changed');
  assert.is(JSON.stringify(running.stats.snapshot()), stats, 'the running program\'s figures are unchanged');
  assert.equal(lines, [], 'the rehearsal logs nothing');
  assert.is(running.counter(0), 0);
});

test('a metered module gets each batch\'s budget with the call (metering\'s entry), and a budget too small still traps as fuel', () => {
  // A start budget of 1 unit: without the refill the first batch would trap.
  const sb = new Sandbox(loadModule(wat('pass'), { startFuel: 1 }), { ...quiet, quarantine: false, fuelPerPacket: 1000 });
  assert.ok(sb.metered);
  for (let i = 0; i < 20; i++) assert.equal(actions(runBatch(sb, [tagged(1), tagged(2)])), [Action.PASS, Action.PASS], `batch ${i}`);
  assert.is(sb.stats.traps, 0);
  sb.fuelPerPacket = 1;
  assert.equal(actions(runBatch(sb, [tagged(1), tagged(2)])), [Action.ABORTED, Action.ABORTED]);
  assert.is(sb.stats.snapshot().trapsByKind.fuel > 0, true, 'the trap is counted as fuel exhaustion');
});

test.run();
