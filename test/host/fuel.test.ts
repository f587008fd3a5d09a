import binaryen from 'binaryen';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { memoryPages } from '../../host/abi.js';
import { WasmxdpError } from '../../host/errors.js';
import { HOST_CALL_COST, meter } from '../../host/fuel.js';
import { loadModule } from '../../host/load.js';
import { Sandbox } from '../../host/sandbox.js';
import { actions, runBatch, tagged, wat, watText } from './fixtures.js';

const test = suite('host/fuel');

// Exercises metering directly, without the sandbox: a plain module whose
// exports we call with a fuel value we choose.
const WORK = watText(`(module
  (memory 2)
  (func $leaf (result i32) (i32.const 7))
  (func (export "count") (param $n i32) (result i32)
    (local $i i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (local.get $i))
  (func (export "calls") (param $n i32) (result i32)
    (local $s i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $s (i32.add (local.get $s) (call $leaf)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next)))
    (local.get $s))
  (func (export "fill") (param $len i32) (memory.fill (i32.const 0) (i32.const 1) (local.get $len)))
  (func (export "spin") (loop $l (br $l)))
  (func $down (export "down") (param $d i32) (result i32) (call $down (i32.add (local.get $d) (i32.const 1)))))`);

function metered(startFuel?: number) {
  const inst = new WebAssembly.Instance(new WebAssembly.Module(meter(WORK, { startFuel }) as Uint8Array<ArrayBuffer>));
  const ex = inst.exports as Record<string, any>;
  const fuel = ex.__wx_fuel as WebAssembly.Global;
  /** Fuel a call used. */
  const used = (name: string, ...args: number[]): number => {
    fuel.value = 1_000_000_000;
    ex[name](...args);
    return 1_000_000_000 - (fuel.value as number);
  };
  return { ex, fuel, used };
}

test('the metered module exports its counter, initialised to the start budget', () => {
  const { fuel } = metered(1234);
  assert.is(fuel.value, 1234);
});

test('loops are charged per iteration, the same amount each time', () => {
  const { used } = metered();
  const c0 = used('count', 0), c1 = used('count', 1000), c2 = used('count', 2000);
  assert.ok(c0 > 0, 'function entry is charged');
  assert.ok(c1 - c0 >= 1000, `1000 iterations cost ${c1 - c0}`);
  assert.is(c2 - c1, c1 - c0);
});

test('calls are charged at the callee\'s entry', () => {
  const { used } = metered();
  const perIter = (used('calls', 200) - used('calls', 100)) / 100;
  const loopOnly = (used('count', 200) - used('count', 100)) / 100;
  assert.ok(perIter > loopOnly, `a loop calling a function (${perIter}/iteration) costs more than an empty one (${loopOnly})`);
});

// A leaf (no loop, no call) of 2 * 16 + 1 expressions below its body block.
const LEAF_BODY = 'i32.add (local.get $x) (i32.const 1)';
const LEAVES = watText(`(module
  (table 1 funcref)
  (elem (i32.const 0) $leaf)
  (type $t (func (param i32) (result i32)))
  (func $leaf (export "leaf") (param $x i32) (result i32)
    ${Array.from({ length: 16 }, () => `(local.set $x (${LEAF_BODY}))`).join(' ')}
    (local.get $x))
  (func (export "direct") (param $n i32) (result i32)
    (local $s i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $s (call $leaf (local.get $s)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next)))
    (local.get $s))
  (func (export "indirect") (param $n i32) (result i32)
    (local $s i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $s (call_indirect (type $t) (local.get $s) (i32.const 0)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next)))
    (local.get $s)))`);

test('a leaf called directly is charged its whole body per call, in the caller\'s charge', () => {
  const ex = new WebAssembly.Instance(new WebAssembly.Module(meter(LEAVES) as Uint8Array<ArrayBuffer>)).exports as Record<string, any>;
  const used = (name: string, n: number) => { ex.__wx_fuel.value = 1_000_000_000; const r = ex[name](n); return { r, fuel: 1_000_000_000 - ex.__wx_fuel.value }; };
  const perCall = (name: string) => (used(name, 200).fuel - used(name, 100).fuel) / 100;
  const leafAlone = used('leaf', 0).fuel;
  assert.ok(leafAlone >= 16 * 4, `the leaf, called from the host, charges its body (${leafAlone})`);
  assert.ok(perCall('direct') >= leafAlone, `a direct call in a loop costs ${perCall('direct')}/iteration, the leaf alone ${leafAlone}`);
  assert.ok(perCall('indirect') >= leafAlone, `a call through the table costs ${perCall('indirect')}/iteration`);
  assert.is(used('direct', 50).r, 50 * 16, 'the copy computes what the leaf does');
  assert.is(used('indirect', 50).r, 50 * 16);
});

test('leaf calls in a loop still run out of fuel: at most fuel / (leaf cost) of them', () => {
  const ex = new WebAssembly.Instance(new WebAssembly.Module(meter(LEAVES) as Uint8Array<ArrayBuffer>)).exports as Record<string, any>;
  ex.__wx_fuel.value = 100_000;
  assert.throws(() => ex.direct(1_000_000), (e: Error) => e instanceof WebAssembly.RuntimeError && /unreachable/.test(e.message));
  assert.ok(ex.__wx_fuel.value < 0);
});

test('memory.fill is charged by its size', () => {
  const { used } = metered();
  const small = used('fill', 16), big = used('fill', 65536);
  assert.is(big - small, (65536 >> 4) - 1);
});

test('each host function call is charged HOST_CALL_COST', () => {
  let calls = 0;
  const bytes = watText(`(module
    (import "wx" "log" (func $log (param i32 i32 i32)))
    (func (export "logs") (param $n i32)
      (block $done (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (call $log (i32.const 0) (i32.const 0) (local.get $n))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))))`);
  const ex = new WebAssembly.Instance(new WebAssembly.Module(meter(bytes) as Uint8Array<ArrayBuffer>), { wx: { log: () => { calls++; } } }).exports as Record<string, any>;
  const used = (n: number) => { ex.__wx_fuel.value = 1_000_000_000; ex.logs(n); return 1_000_000_000 - ex.__wx_fuel.value; };
  const per = (used(20) - used(10)) / 10;
  assert.is(calls, 30, 'the host function is still called, with its arguments');
  assert.ok(per >= HOST_CALL_COST && per < HOST_CALL_COST + 50, `a loop iteration calling the host costs ${per}`);
});

test('exhaustion traps with unreachable and leaves the counter negative', () => {
  const { ex, fuel } = metered();
  fuel.value = 10_000;
  assert.throws(() => ex.spin(), (e: Error) => e instanceof WebAssembly.RuntimeError && /unreachable/.test(e.message));
  assert.ok((fuel.value as number) < 0);
});

test('runaway recursion runs out of fuel before the stack when the budget is small', () => {
  const { ex, fuel } = metered();
  fuel.value = 5_000;
  assert.throws(() => ex.down(0), (e: Error) => e instanceof WebAssembly.RuntimeError);
  assert.ok((fuel.value as number) < 0);
});

test('an endless start function fails deploy instead of hanging it', () => {
  const loaded = loadModule(wat('start-loop'), { startFuel: 1_000_000 });
  assert.throws(() => new Sandbox(loaded, { log: () => {} }), (e: Error) =>
    e instanceof WasmxdpError && e.code === 'E_INSTANTIATE' && /start budget/.test(e.message));
});

test('metered and unmetered modules give the same verdicts', () => {
  const frames = [tagged(1), tagged(2), tagged(3)];
  const a = new Sandbox(loadModule(wat('pass')), { log: () => {} });
  const b = new Sandbox(loadModule(wat('pass'), { metering: false }), { log: () => {} });
  assert.ok(a.metered);
  assert.not.ok(b.metered);
  assert.equal(actions(runBatch(a, frames)), actions(runBatch(b, frames)));
});

test('a handler that spins is stopped by the per-batch budget and classified as fuel', () => {
  const sb = new Sandbox(loadModule(wat('poison')), { fuelPerPacket: 1000, log: () => {}, maxRerunsPerBatch: 0, failVerdict: 'drop' });
  const b = runBatch(sb, [tagged(1), tagged(0xee), tagged(2)]);
  assert.equal(actions(b), [2, 0, 1]);
  const s = sb.stats.snapshot();
  assert.is(s.fuelExhaustions, 1);
  assert.is(s.trapsByKind.fuel, 1);
  assert.is(s.trapsByKind.unreachable, 0);
  assert.match(s.lastTrap ?? '', /fuel exhausted: the batch of 3 packet\(s\) used its CPU budget of 3000 units/);
});

test('a guest naming its own global __wx_fuel (name section) does not get or break the counter', () => {
  binaryen.setDebugInfo(true);
  let bytes: Uint8Array;
  try {
    bytes = watText(`(module
      (global $__wx_fuel (mut i32) (i32.const 5))
      (func (export "bump") (result i32)
        (global.set $__wx_fuel (i32.add (global.get $__wx_fuel) (i32.const 1000000)))
        (global.get $__wx_fuel)))`);
  } finally {
    binaryen.setDebugInfo(false);
  }
  const ex = new WebAssembly.Instance(new WebAssembly.Module(meter(bytes, { startFuel: 50 }) as Uint8Array<ArrayBuffer>)).exports as Record<string, any>;
  assert.is(ex.bump(), 1000005);
  assert.ok((ex.__wx_fuel.value as number) < 50, 'the host counter was charged, not raised by the guest');
});

test('fuelPerPacket and startFuel are checked', () => {
  const loaded = loadModule(wat('pass'));
  assert.throws(() => new Sandbox(loaded, { fuelPerPacket: 0 }), /fuelPerPacket must be an integer from 1/);
  assert.throws(() => new Sandbox(loaded, { fuelPerPacket: 2 ** 30 }), /fuelPerPacket must be an integer from 1/);
  assert.throws(() => loadModule(wat('pass'), { startFuel: -1 }), /startFuel must be an integer/);
  assert.is(memoryPages(16), loaded.heapPages + 513);
});

// Every way a module can reach a host function other than a direct call: an
// element segment (call_indirect), ref.func stored with table.set, a funcref
// global, an export of the import itself.
const INDIRECT = watText(`(module
  (import "wx" "log" (func $log (param i32 i32 i32)))
  (type $log_t (func (param i32 i32 i32)))
  (table $t 3 funcref)
  (elem (i32.const 0) $log)
  (global $g funcref (ref.func $log))
  (export "log_export" (func $log))
  (func $loop (param $slot i32) (param $n i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $n)))
      (call_indirect (type $log_t) (i32.const 0) (i32.const 0) (local.get $n) (local.get $slot))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next))))
  (func (export "via_elem") (param $n i32) (call $loop (i32.const 0) (local.get $n)))
  (func (export "via_ref_func") (param $n i32)
    (table.set $t (i32.const 1) (ref.func $log))
    (call $loop (i32.const 1) (local.get $n)))
  (func (export "via_global") (param $n i32)
    (table.set $t (i32.const 2) (global.get $g))
    (call $loop (i32.const 2) (local.get $n))))`, binaryen.Features.ReferenceTypes);

function indirect() {
  const calls = { n: 0 };
  const ex = new WebAssembly.Instance(new WebAssembly.Module(meter(INDIRECT) as Uint8Array<ArrayBuffer>), { wx: { log: () => { calls.n++; } } }).exports as Record<string, any>;
  const used = (name: string, n: number) => { ex.__wx_fuel.value = 1_000_000_000; ex[name](n); return 1_000_000_000 - ex.__wx_fuel.value; };
  return { ex, calls, used };
}

for (const path of ['via_elem', 'via_ref_func', 'via_global']) {
  test(`a host function called through a table (${path}) is charged HOST_CALL_COST per call`, () => {
    const { calls, used } = indirect();
    const per = (used(path, 20) - used(path, 10)) / 10;
    assert.is(calls.n, 30, 'the host function is still called');
    assert.ok(per >= HOST_CALL_COST && per < HOST_CALL_COST + 50, `an iteration calling the host through the table costs ${per}`);
  });
}

test('an export of a host function import is the charging wrapper', () => {
  const { ex, calls } = indirect();
  ex.__wx_fuel.value = 1_000_000;
  ex.log_export(0, 0, 0);
  assert.is(calls.n, 1);
  assert.is(ex.__wx_fuel.value, 1_000_000 - HOST_CALL_COST);
});

test('host calls through a table stop when the fuel runs out: at most fuel / HOST_CALL_COST of them', () => {
  const { ex, calls } = indirect();
  ex.__wx_fuel.value = 10 * HOST_CALL_COST + 500;
  assert.throws(() => ex.via_elem(100_000), (e: Error) => e instanceof WebAssembly.RuntimeError && /unreachable/.test(e.message));
  assert.ok(calls.n <= 10, `${calls.n} host calls on a budget of 10.5 calls`);
  assert.ok((ex.__wx_fuel.value as number) < 0);
});

test.run();
