import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadModule } from '../../host/load.js';
import { wat } from './fixtures.js';

const test = suite('host/load');

test('loadModule validates, meters by default and compiles', () => {
  const bytes = wat('pass');
  const m = loadModule(bytes);
  assert.is(m.metered, true);
  assert.is(m.heapPages, 16);
  assert.is(m.size, bytes.length);
  assert.ok(WebAssembly.Module.exports(m.module).some((e) => e.name === '__wx_fuel'));
});

test('metering off leaves the module as it was', () => {
  const m = loadModule(wat('pass'), { metering: false, heapPages: 2 });
  assert.is(m.metered, false);
  assert.is(m.heapPages, 2);
  assert.not.ok(WebAssembly.Module.exports(m.module).some((e) => e.name === '__wx_fuel'));
});

test('refusals come from validation, before metering', () => {
  assert.throws(() => loadModule(wat('wasi-import')), /wasi_snapshot_preview1\.fd_write/);
  assert.throws(() => loadModule(wat('pass'), { heapPages: 0 }), /heapPages must be an integer from 1/);
  assert.throws(() => loadModule(wat('pass'), { heapPages: 40, maxHeapPages: 32 }), /from 1 to 32 \(operator limit\)/);
});

test.run();
