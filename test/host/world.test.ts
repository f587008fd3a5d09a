// The guest ABI's WIT world in modules (host/world.ts): embedded by wasmxdp
// build, read back as the host's own world, and a module whose embedded world
// this host cannot serve is refused at load naming the difference. A module
// without an embedded world (plain asc or clang output) is still accepted.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compileHandlerCached, PROJECT_ROOT } from '../../host/compile.js';
import { isWasmxdpError } from '../../host/errors.js';
import { loadModule } from '../../host/load.js';
import { WIT_FILE, embedWorld, embeddedWorld, formatWorld, hostWorld } from '../../host/world.js';
import { stampProvenance } from '../../pipeline/program/provenance.js';

const test = suite('host/world');
const HANDLER = path.join(PROJECT_ROOT, 'examples/udp-reflector/handler.ts');
const WIT = fs.readFileSync(WIT_FILE, 'utf8');
let plain: Uint8Array;

test.before(async () => { plain = await compileHandlerCached(HANDLER); });

function refusal(bytes: Uint8Array): string {
  try { loadModule(bytes); } catch (e) {
    assert.ok(isWasmxdpError(e), String(e));
    assert.is(e.code, 'E_WORLD_MISMATCH', e.message);
    return e.message;
  }
  assert.unreachable('the module was accepted');
  return '';
}

test('wasmxdp build embeds the host\'s world; it reads back equal and loads', async () => {
  const built = await stampProvenance(plain, HANDLER);
  const w = embeddedWorld(built);
  assert.ok(w);
  assert.is(w!.name, 'wasmxdp:guest/handler@1.0.0');
  assert.is(formatWorld(w!), formatWorld(hostWorld()));
  assert.equal([...w!.imports.get('wasmxdp:guest/host@1.0.0')!.keys()], ['log', 'map-declare']);
  assert.equal([...w!.exports.keys()], ['wx-batch']);
  assert.ok(loadModule(built).module instanceof WebAssembly.Module);
});

test('a module without an embedded world (plain asc output) is accepted', () => {
  assert.is(embeddedWorld(plain), null);
  assert.ok(loadModule(plain).module instanceof WebAssembly.Module);
});

test('another major version of the world is refused, naming both', () => {
  const msg = refusal(embedWorld(plain, WIT.replace('package wasmxdp:guest@1.0.0;', 'package wasmxdp:guest@2.0.0;')));
  assert.match(msg, /targets world wasmxdp:guest\/handler@2\.0\.0, this host implements wasmxdp:guest\/handler@1\.0\.0/);
});

test('a host function this host does not provide is refused, naming it', () => {
  const msg = refusal(embedWorld(plain, WIT.replace('interface host {', 'interface host {\n  clock: func() -> u64;')));
  assert.match(msg, /imports wasmxdp:guest\/host@1\.0\.0\.clock, which this host does not provide/);
});

test('a host function with other types is refused, naming both signatures', () => {
  const msg = refusal(embedWorld(plain, WIT.replace('log: func(level: s32, ptr: u32, len: u32);', 'log: func(level: s32, ptr: u32, len: u64);')));
  assert.match(msg, /imports wasmxdp:guest\/host@1\.0\.0\.log as func\(level: s32, ptr: u32, len: u64\), this host provides func\(level: s32, ptr: u32, len: u32\)/);
});

test('a world without the batch export is refused; an extra export is fine', () => {
  const msg = refusal(embedWorld(plain, WIT.replace(/ {2}export wx-batch[^\n]*\n/, '  export other: func();\n')));
  assert.match(msg, /does not export wx-batch \(func\(n: s32\) -> s32\)/);
  const extra = embedWorld(plain, WIT.replace(/( {2}export wx-batch[^\n]*\n)/, '$1  export stats: func() -> u32;\n'));
  assert.ok(loadModule(extra).module instanceof WebAssembly.Module);
});

test('an interface the host does not have is refused, naming it', () => {
  const wit = WIT.replace('world handler {', 'interface fs {\n  open: func(p: u32) -> s32;\n}\n\nworld handler {\n  import fs;');
  const msg = refusal(embedWorld(plain, wit));
  assert.match(msg, /imports interface wasmxdp:guest\/fs@1\.0\.0, which this host does not provide/);
});

test.run();
