// Classifies the errors V8 really throws, produced by real wasm.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { GuestAbort, classifyTrap } from '../../host/trap.js';
import { watText } from './fixtures.js';

const test = suite('host/trap');

const ex = new WebAssembly.Instance(new WebAssembly.Module(watText(`(module
  (memory 1)
  (func (export "unreachable") (unreachable))
  (func (export "oob") (drop (i32.load (i32.const 70000))))
  (func (export "div") (drop (i32.div_s (i32.const 1) (i32.const 0))))
  (func (export "rem") (drop (i32.rem_u (i32.const 1) (i32.const 0))))
  (func (export "overflow") (drop (i32.div_s (i32.const 0x80000000) (i32.const -1))))
  (func (export "conv") (drop (i32.trunc_f32_s (f32.const nan))))
  (type $v (func))
  (table 1 funcref)
  (func (export "indirect") (call_indirect (type $v) (i32.const 5)))
  (func $r (export "recurse") (call $r)))`) as Uint8Array<ArrayBuffer>)).exports as Record<string, () => void>;

function kindOf(name: string): string {
  try { ex[name](); } catch (e) { return classifyTrap(e); }
  return 'no trap';
}

test('V8 trap messages map to kinds', () => {
  assert.is(kindOf('unreachable'), 'unreachable');
  assert.is(kindOf('oob'), 'out_of_bounds');
  assert.is(kindOf('div'), 'divide_by_zero');
  assert.is(kindOf('rem'), 'divide_by_zero');
  assert.is(kindOf('overflow'), 'integer_overflow');
  assert.is(kindOf('conv'), 'invalid_conversion');
  assert.is(kindOf('recurse'), 'stack_overflow');
  assert.is(kindOf('indirect'), 'indirect_call');
});

test('a guest abort carries message, file and line', () => {
  const e = new GuestAbort('bad packet', 'handler.ts', 12, 3);
  assert.is(classifyTrap(e), 'abort');
  assert.is(e.message, 'guest aborted: bad packet at handler.ts:12:3');
  assert.is(classifyTrap(new Error('something else')), 'other');
});

test.run();
