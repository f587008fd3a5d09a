import binaryen from 'binaryen';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { WasmReadError, readWasm } from '../../host/wasm-reader.js';
import { shapedModule } from '../helpers/wasm-builder.js';
import { watText } from './fixtures.js';

const test = suite('host/wasm-reader');

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
/** A module of raw sections: [id, ...payload]. */
function raw(...sections: number[][]): Uint8Array {
  const out = [...HEADER];
  for (const [id, ...body] of sections) out.push(id, ...uleb(body.length), ...body);
  return Uint8Array.from(out);
}
function uleb(n: number): number[] {
  const out: number[] = [];
  do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; out.push(b); } while (n);
  return out;
}

test('reads types, imports, functions, globals, exports, start and data', () => {
  const info = readWasm(watText(`(module
    (import "wx" "log" (func (param i32 i32 i32)))
    (import "env" "memory" (memory 513 600))
    (global $v i32 (i32.const 1))
    (global $m (mut i64) (i64.const 5))
    (export "wx_abi_version" (global $v))
    (func $s)
    (start $s)
    (func (export "wx_batch") (param i32) (result i32) (local.get 0))
    (data (i32.const 0x2010000) "abc")
    (data "passive"))`));
  assert.equal(info.imports.map((i) => `${i.module}.${i.name}:${i.desc.kind}`), ['wx.log:func', 'env.memory:memory']);
  const mem = info.imports[1].desc;
  assert.equal(mem.kind === 'memory' && mem.limits, { initial: 513, maximum: 600, shared: false, is64: false });
  assert.is(info.functions.length, 2);
  assert.equal(info.globals[0], { type: 'i32', mutable: false, init: { kind: 'i32.const', value: 1 } });
  assert.is(info.globals[1].mutable, true);
  assert.is(info.globals[1].init.kind, 'other');
  assert.is(info.start, 1);
  assert.equal(info.data, [{ mode: 'active', memory: 0, offset: { kind: 'i32.const', value: 0x2010000 }, size: 3 }, { mode: 'passive', size: 7 }]);
});

test('signed LEB128 constants: negative and extreme values', () => {
  for (const v of [-1, -64, -65, 63, 64, 0x7fffffff, -0x80000000]) {
    const info = readWasm(watText(`(module (global i32 (i32.const ${v})))`));
    assert.equal(info.globals[0].init, { kind: 'i32.const', value: v }, String(v));
  }
});

test('non-constant initialisers are described, not evaluated', () => {
  // global section: 1 global, i32 immutable, init: global.get 0; end
  const info = readWasm(raw([6, 1, 0x7f, 0x00, 0x23, 0x00, 0x0b]));
  assert.equal(info.globals[0].init, { kind: 'other', text: 'global.get 0' });
});

test('sections that overrun, overlong LEBs and GC types are WasmReadErrors', () => {
  const readError = (e: unknown) => e instanceof WasmReadError;
  assert.throws(() => readWasm(raw([2, 1, 3, 0x65])), readError); // import name runs off the section
  assert.throws(() => readWasm(Uint8Array.from([...HEADER, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01])), readError);
  assert.throws(() => readWasm(raw([1, 1, 0x4e, 0x00])), /GC type groups/);
  assert.throws(() => readWasm(Uint8Array.of(1, 2, 3)), /no \\0asm magic/);
});

test('measures the code: bodies, the biggest body, locals per function and in total, block nesting', () => {
  const c = readWasm(shapedModule({ functions: 3, locals: 7, depth: 5, bodyPadding: 100 })).code;
  assert.is(c.bodies, 4, 'wx_batch and 3 others');
  assert.is(c.maxLocals, 7);
  assert.is(c.maxLocalsAt, 1);
  assert.is(c.totalLocals, 3 + 3 * 7, 'wx_batch has 3');
  assert.is(c.maxDepth, 5);
  assert.is(c.maxDepthAt, 1);
  assert.is(c.maxBodyBytes, 3 + 3 * 5 + 100 + 1);
  assert.is(readWasm(watText('(module (func (local i32 i64) (local f32)))')).code.totalLocals, 3);
});

test('decodes the immediates of SIMD, bulk memory, reference and tail-call instructions without losing the nesting', () => {
  const bin = watText(`(module
    (memory 1) (table 2 funcref) (type $t (func))
    (func $f (param i32)
      (block (block
        (drop (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 (v128.const i64x2 11 12) (v128.load offset=3 (i32.const 0))))
        (drop (i32x4.extract_lane 2 (v128.const i32x4 11 11 11 11)))
        (v128.store64_lane 1 (i32.const 0) (v128.const i64x2 2 3))
        (memory.copy (i32.const 0) (i32.const 11) (i32.const 2))
        (memory.fill (i32.const 0) (i32.const 11) (i32.const 2))
        (drop (ref.is_null (ref.null func)))
        (drop (table.size))
        (br_table 0 1 0 (local.get 0))))
      (return_call_indirect (type $t) (i32.const 11))))`,
    binaryen.Features.SIMD128 | binaryen.Features.ReferenceTypes | binaryen.Features.TailCall);
  assert.is(readWasm(bin).code.maxDepth, 2);
});

test.run();
