import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MEMORY_BASE, memoryPages } from '../../host/abi.js';
import { WasmxdpError } from '../../host/errors.js';
import { validateModule } from '../../host/validate.js';
import { asGuest, wat, watText } from './fixtures.js';

const test = suite('host/validate');
const PAGES = memoryPages(16);

interface Parts { imports?: string; memory?: string; abi?: string; batch?: string; extra?: string }
/** A minimal guest with one part replaced. */
function guest(p: Parts = {}): Uint8Array {
  return watText(`(module
    ${p.imports ?? ''}
    ${p.memory ?? '(import "env" "memory" (memory 513))'}
    ${p.abi ?? '(global (export "wx_abi_version") i32 (i32.const 1))'}
    ${p.batch ?? '(func (export "wx_batch") (param i32) (result i32) (local.get 0))'}
    ${p.extra ?? ''})`);
}

function refused(bytes: Uint8Array, code: string, pattern: RegExp, limits: { memoryPages?: number; maxModuleBytes?: number } = {}): void {
  try {
    validateModule(bytes, { memoryPages: PAGES, ...limits });
  } catch (e) {
    assert.instance(e, WasmxdpError);
    assert.is((e as WasmxdpError).code, code, (e as Error).message);
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable(`accepted a module that must be refused with ${code}`);
}

test('accepts the reference guest and reports what it read', () => {
  const info = validateModule(wat('pass'), { memoryPages: PAGES });
  assert.equal(info.exports.map((e) => e.name).sort(), ['wx_abi_version', 'wx_batch']);
  assert.is(info.imports[0].module, 'env');
});

test('accepts handlers compiled with the SDK, at the smallest and largest heap', async () => {
  const bytes = await asGuest('grow');
  validateModule(bytes, { memoryPages: memoryPages(1) });
  validateModule(bytes, { memoryPages: memoryPages(1024) });
});

test('invalid wasm is refused with V8\'s compile error', () => {
  refused(Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0x63), 'E_INVALID_WASM', /not a valid WebAssembly module: WebAssembly\.Module\(\): .+/);
  refused(new TextEncoder().encode('#!/bin/sh\necho hi\n'), 'E_INVALID_WASM', /magic|expected/i);
});

test('modules over the size limit are refused before parsing', () => {
  const bytes = guest({ extra: `(data (i32.const ${MEMORY_BASE}) "${'x'.repeat(2000)}")` });
  refused(bytes, 'E_MODULE_TOO_LARGE', /over the limit of 1024 bytes/, { maxModuleBytes: 1024 });
  validateModule(bytes, { memoryPages: PAGES });
});

test('WASI fd_write is refused, naming the import', () => {
  refused(wat('wasi-import'), 'E_IMPORT_REFUSED', /import wasi_snapshot_preview1\.fd_write \(func\) is not allowed \(WASI is not available/);
});

test('imports outside env.memory, env.abort and wx.* are refused', () => {
  refused(guest({ imports: '(import "env" "seed" (func (result i32)))' }), 'E_IMPORT_REFUSED', /import env\.seed \(func\) is not allowed/);
  refused(guest({ imports: '(import "env" "base" (global i32))' }), 'E_IMPORT_REFUSED', /import env\.base \(global\) is not allowed/);
  refused(guest({ imports: '(import "js" "table" (table 1 funcref))' }), 'E_IMPORT_REFUSED', /import js\.table is a table; a handler may not import tables \(functions in them would run outside the CPU budget\)/);
});

test('unknown wx functions are refused, listing the known ones', () => {
  refused(guest({ imports: '(import "wx" "exec" (func (param i32)))' }), 'E_IMPORT_REFUSED', /wx\.exec is not a host function of ABI v1 \(known: wx\.log/);
});

test('host functions with the wrong signature are refused', () => {
  refused(guest({ imports: '(import "wx" "log" (func (param i32)))' }), 'E_IMPORT_REFUSED', /wx\.log is imported with signature \(i32\) -> void, the host provides \(i32, i32, i32\) -> void/);
  refused(guest({ imports: '(import "env" "abort" (func (param i32 i32) (result i32)))' }), 'E_IMPORT_REFUSED', /env\.abort is imported with signature \(i32, i32\) -> i32/);
  validateModule(guest({ imports: '(import "wx" "log" (func (param i32 i32 i32))) (import "env" "abort" (func (param i32 i32 i32 i32)))' }), { memoryPages: PAGES });
});

test('a missing or mistyped wx_batch is refused', () => {
  refused(wat('missing-export'), 'E_EXPORT_MISSING', /does not export wx_batch/);
  refused(guest({ batch: '(func (export "wx_batch") (param i32 i32) (result i32) (local.get 0))' }), 'E_EXPORT_MISSING', /wx_batch has signature \(i32, i32\) -> i32, it must be \(i32\) -> i32/);
  refused(guest({ batch: '(global (export "wx_batch") i32 (i32.const 0))' }), 'E_EXPORT_MISSING', /wx_batch is exported as a global/);
});

test('wx_abi_version must be an immutable constant i32 global holding 1', () => {
  refused(wat('wrong-abi'), 'E_ABI_VERSION', /speaks ABI version 2, this host speaks ABI 1/);
  refused(guest({ abi: '' }), 'E_EXPORT_MISSING', /does not export the global wx_abi_version/);
  refused(guest({ abi: '(global (export "wx_abi_version") (mut i32) (i32.const 1))' }), 'E_EXPORT_MISSING', /mutable i32 global, it must be an immutable i32/);
  refused(guest({ abi: '(global (export "wx_abi_version") i64 (i64.const 1))' }), 'E_EXPORT_MISSING', /is a i64 global/);
  refused(guest({ abi: '(func (export "wx_abi_version") (result i32) (i32.const 1))' }), 'E_EXPORT_MISSING', /exported as a func/);
});

test('a module with its own memory, or none, is refused', () => {
  refused(wat('own-memory'), 'E_MEMORY_LAYOUT', /defines its own memory; it must import the host's memory as env\.memory/);
  refused(guest({ memory: '' }), 'E_MEMORY_LAYOUT', /does not import env\.memory/);
  refused(guest({ memory: '(import "env" "memory" (func))' }), 'E_IMPORT_REFUSED', /env\.memory must be a memory import/);
});

test('memory import limits must fit the host memory', () => {
  refused(guest({ memory: '(import "env" "memory" (memory 600))' }), 'E_MEMORY_LAYOUT', /needs at least 600 pages but the host memory has 529/);
  refused(guest({ memory: '(import "env" "memory" (memory 513 520))' }), 'E_MEMORY_LAYOUT', /allows at most 520 pages but the host memory has 529/);
  refused(guest({ memory: '(import "env" "memory" (memory 513 2000 shared))' }), 'E_MEMORY_LAYOUT', /declared shared but the host memory is not shared/);
  validateModule(guest({ memory: '(import "env" "memory" (memory 529 529))' }), { memoryPages: PAGES });
});

test('active data segments must land in guest data, inside the memory', () => {
  refused(wat('data-control-block'), 'E_MEMORY_LAYOUT', /data segment 0 \(8 bytes at 0x100\) lands in the control block, below MEMORY_BASE/);
  refused(guest({ extra: '(data (i32.const 0x20000) "x")' }), 'E_MEMORY_LAYOUT', /lands in the frame area/);
  refused(guest({ extra: `(data (i32.const ${MEMORY_BASE - 1}) "xy")` }), 'E_MEMORY_LAYOUT', /lands in the maps region/);
  refused(guest({ extra: `(data (i32.const ${PAGES * 65536 - 1}) "xy")` }), 'E_MEMORY_LAYOUT', /ends at 0x2110001, beyond the memory/);
  refused(guest({ extra: '(data (i32.const -16) "x")' }), 'E_MEMORY_LAYOUT', /at 0xfffffff0\) ends at .*beyond the memory/);
  validateModule(guest({ extra: `(data (i32.const ${MEMORY_BASE}) "ok") (data "passive segments are fine")` }), { memoryPages: PAGES });
});

test('data offsets that are not constants are refused (here: via a refused global import)', () => {
  refused(guest({ imports: '(import "env" "__memory_base" (global i32))', extra: '(data (global.get 0) "x")' }), 'E_IMPORT_REFUSED', /env\.__memory_base \(global\)/);
});

test('exports under the host\'s reserved prefix are refused', () => {
  refused(guest({ extra: '(global (export "__wx_fuel") (mut i32) (i32.const 0))' }), 'E_INVALID_WASM', /__wx_fuel uses the prefix __wx, reserved/);
});

test.run();
