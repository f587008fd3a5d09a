// host/compile.ts and the top-level asconfig.json: the config is the one
// source of asc flags, `npx asc <handler> --config asconfig.json` builds the
// same module `wasmxdp build` does, and a config that disagrees with the ABI
// is refused before asc runs.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MEMORY_BASE } from '../../host/abi.js';
import { ASCONFIG, checkAsconfig, compileHandler, PROJECT_ROOT } from '../../host/compile.js';
import { WasmxdpError } from '../../host/errors.js';
import { readFrames, runHandler } from '../../pipeline/testing/index.js';

const test = suite('host/compile');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-compile-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const ASC = path.join(PROJECT_ROOT, 'node_modules/assemblyscript/bin/asc.js');
const CAPTURE = path.join(PROJECT_ROOT, 'examples/captures/mix.pcapng');

function npxAsc(args: string[], cwd = PROJECT_ROOT) {
  return spawnSync(process.execPath, [ASC, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
}

test('asconfig.json carries the ABI memory layout and the transform; compile.ts has no flags of its own', () => {
  const cfg = JSON.parse(fs.readFileSync(ASCONFIG, 'utf8'));
  assert.is(cfg.options.memoryBase, MEMORY_BASE);
  assert.is(cfg.options.runtime, 'stub');
  assert.equal(cfg.options.transform, ['./asc-transform.js']);
  assert.ok(cfg.targets.release && cfg.targets.debug);
  checkAsconfig();
  const src = fs.readFileSync(path.join(PROJECT_ROOT, 'host/compile.ts'), 'utf8');
  for (const flag of ['--importMemory', '--memoryBase', '--runtime', '--initialMemory', '--maximumMemory']) {
    assert.not.ok(src.includes(`'${flag}'`), `compile.ts passes ${flag} itself`);
  }
});

test('a config that disagrees with host/abi.ts is refused, naming the option', () => {
  const cfg = JSON.parse(fs.readFileSync(ASCONFIG, 'utf8'));
  cfg.options.memoryBase = 65536;
  const file = path.join(tmp, 'asconfig.json');
  fs.writeFileSync(file, JSON.stringify(cfg));
  assert.throws(() => checkAsconfig(file), (e: unknown) => e instanceof WasmxdpError && e.code === 'E_COMPILE' && /memoryBase is 65536, the ABI needs 33619968/.test(e.message));
});

test('npx asc <handler> --config asconfig.json --target release: the module compileHandler builds, same verdicts', async () => {
  for (const name of ['firewall', 'udp-reflector']) {
    const dir = path.join(PROJECT_ROOT, 'examples', name);
    // From the repository root with the relative config path, as the README says.
    const fromRoot = path.join(tmp, `${name}-root.wasm`);
    const r = npxAsc([`examples/${name}/handler.ts`, '--config', 'asconfig.json', '--target', 'release', '-o', fromRoot]);
    assert.is(r.status, 0, r.stderr);
    // From the handler's folder: asc then names the sources (in assert
    // messages) as compileHandler does, so the bytes must be the same.
    const fromDir = path.join(tmp, `${name}-dir.wasm`);
    const d = npxAsc(['handler.ts', '--config', '../../asconfig.json', '-o', fromDir], dir);
    assert.is(d.status, 0, d.stderr);
    const viaHost = await compileHandler(dir);
    assert.ok(Buffer.from(fs.readFileSync(fromDir)).equals(Buffer.from(viaHost)), `${name}: asc and compileHandler outputs differ`);
    const frames = readFrames(CAPTURE);
    const a = await runHandler(new Uint8Array(fs.readFileSync(fromRoot)), frames);
    const b = await runHandler(dir, frames);
    assert.equal(a.verdicts, b.verdicts);
    assert.equal(a.frames, b.frames);
    assert.ok(new Set(a.verdicts).size > 1, `${name}: more than one verdict on the bundled capture`);
  }
});

test('a file without handle: one message giving the signature, from asc and from compileHandler', async () => {
  const file = path.join(tmp, 'nohandle.ts');
  fs.writeFileSync(file, 'import { Packet, Verdict, pass } from "wasmxdp";\nexport function handler(pkt: Packet): Verdict { return pass(); }\n');
  const r = npxAsc([file, '--config', ASCONFIG, '--noEmit']);
  assert.is.not(r.status, 0);
  assert.match(r.stderr, 'export function handle(pkt: Packet): Verdict');
  try {
    await compileHandler(file);
    assert.unreachable('compiled a file without handle');
  } catch (e) {
    assert.instance(e, WasmxdpError);
    const msg = (e as Error).message;
    assert.match(msg, 'nohandle.ts must export the packet handler');
    assert.match(msg, 'export function handle(pkt: Packet): Verdict');
    assert.ok(msg.split('\n').length <= 3, msg);
    assert.not.match(msg, '__wx_entry');
  }
});

test('the debug target builds too, and type errors still name the file and line', async () => {
  const dbg = await compileHandler(path.join(PROJECT_ROOT, 'examples/firewall'), { target: 'debug' });
  assert.ok(WebAssembly.validate(dbg as Uint8Array<ArrayBuffer>));
  const bad = path.join(tmp, 'bad.ts');
  fs.writeFileSync(bad, 'import { Packet, Verdict, pass } from "wasmxdp";\nexport function handle(pkt: Packet): Verdict {\n  const x: string = 1;\n  return pass();\n}\n');
  try { await compileHandler(bad); assert.unreachable(); } catch (e) {
    assert.match((e as Error).message, /bad\.ts\(3,/);
  }
});

test('handlers type-check with tsc through guest-sdk/tsconfig.json (what editors use)', () => {
  const tsc = path.join(PROJECT_ROOT, 'node_modules/typescript/bin/tsc');
  const ok = spawnSync(process.execPath, [tsc, '-p', 'examples/tsconfig.json'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  assert.is(ok.status, 0, ok.stdout);
  const dir = path.join(tmp, 'tc');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ extends: path.join(PROJECT_ROOT, 'guest-sdk/tsconfig.json'), include: ['./*.ts'] }));
  fs.writeFileSync(path.join(dir, 'h.ts'), 'import { Packet, Verdict, pass } from "wasmxdp";\nexport function handle(pkt: Packet): Verdict {\n  const u = pkt.udp();\n  const port: string = u!.dstPort;\n  return pass();\n}\n');
  const bad = spawnSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' });
  assert.is.not(bad.status, 0);
  assert.match(bad.stdout, /h\.ts\(4,9\): error TS2322/);
});

test.run();
