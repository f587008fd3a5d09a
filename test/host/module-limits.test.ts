// The shape limits of host/module-limits.ts, checked through loadModule with
// the modules of issue 14: each is refused with E_MODULE_LIMIT naming the
// limit, before binaryen reads it (so without its minute of metering, its
// 500 MB, or its stack overflow).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compileHandlerCached } from '../../host/compile.js';
import { WasmxdpError } from '../../host/errors.js';
import { loadModule } from '../../host/load.js';
import { DEFAULT_MODULE_LIMITS, checkModuleLimits } from '../../host/module-limits.js';
import { readWasm } from '../../host/wasm-reader.js';
import { resolveHandlerSource } from '../../host/compile.js';
import { ROOT } from '../helpers/cli.js';
import { shapedModule } from '../helpers/wasm-builder.js';
import path from 'node:path';

const test = suite('host/module-limits');

function refused(bytes: Uint8Array, limit: string, pattern: RegExp): void {
  try {
    loadModule(bytes);
  } catch (e) {
    assert.instance(e, WasmxdpError);
    assert.is((e as WasmxdpError).code, 'E_MODULE_LIMIT', (e as Error).message);
    assert.ok((e as Error).message.includes(limit), (e as Error).message);
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable('a module over a limit was loaded');
}

test('2000 functions x 50 000 locals: refused by maxLocalsPerFunction', () => {
  refused(shapedModule({ functions: 2000, locals: 50_000 }), 'maxLocalsPerFunction', /function 1 declares locals: 50000, over the limit maxLocalsPerFunction = 10000/);
});

test('locals under the per-function limit but too many in total: refused by maxTotalLocals', () => {
  refused(shapedModule({ functions: 20, locals: 9000 }), 'maxTotalLocals', /declare locals in total: 180003, over the limit maxTotalLocals = 100000/);
});

test('20 000 nested blocks: refused by maxNestingDepth, not a stack overflow', () => {
  refused(shapedModule({ functions: 1, depth: 20_000 }), 'maxNestingDepth', /nests blocks to depth 20000/);
});

test('500 000 functions: refused by maxFunctions', () => {
  refused(shapedModule({ functions: 500_000 }), 'maxFunctions', /the module has functions: 500001/);
});

test('a function body over 1 MiB: refused by maxBodyBytes', () => {
  refused(shapedModule({ functions: 1, bodyPadding: 1_100_000 }), 'maxBodyBytes', /function 1 has a body of bytes: 1100002, over the limit maxBodyBytes = 1048576/);
});

test('modules at the limits are accepted and run', () => {
  const l = DEFAULT_MODULE_LIMITS;
  for (const shape of [{ functions: 9, locals: l.maxLocalsPerFunction }, { functions: 1, depth: l.maxNestingDepth }, { functions: l.maxFunctions - 1 }]) {
    const loaded = loadModule(shapedModule(shape));
    assert.ok(loaded.metered, JSON.stringify(shape));
  }
});

test('limits can be lowered by the operator', () => {
  assert.throws(() => loadModule(shapedModule({ functions: 50 }), { moduleLimits: { maxFunctions: 10 } }), /over the limit maxFunctions = 10;/);
});

test('every example is far inside the limits', async () => {
  for (const ex of ['firewall', 'dns-guard', 'rate-limit', 'udp-reflector']) {
    const info = readWasm(await compileHandlerCached(resolveHandlerSource(path.join(ROOT, 'examples', ex))));
    checkModuleLimits(info, { maxFunctions: 100, maxLocalsPerFunction: 100, maxTotalLocals: 1000, maxNestingDepth: 50, maxBodyBytes: 16 * 1024 });
  }
});

test.run();
