// `wasmxdp init` and the packed package, end to end as a handler author meets
// them, in scratch folders outside this repository: the scaffold's
// `npm install && npm test && npm start` work against this clone (the default)
// and against the `npm pack` tarball, whose API imports and type-checks from
// TypeScript and runs a handler offline. npm talks to the registry for the
// scaffold's own dependencies (uvu, assemblyscript, wasmxdp's dependencies).
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BUNDLED_CAPTURE, ROOT, wasmxdp } from '../../helpers/cli.js';

const test = suite('wasmxdp init and the packed package');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-init-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');
const NPM_TIMEOUT_MS = 8 * 60_000;

function sh(cmd: string, args: string[], cwd: string, timeout = NPM_TIMEOUT_MS): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout, env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' } });
}
function ok(r: SpawnSyncReturns<string>, what: string): string {
  assert.is(r.status, 0, `${what} failed (${r.error?.message ?? r.signal ?? r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}
const verdicts = (stdout: string) => JSON.parse(stdout).verdicts as Record<string, number>;

test('init refuses a folder with files in it, and says what it created', () => {
  const busy = path.join(tmp, 'busy');
  fs.mkdirSync(busy);
  fs.writeFileSync(path.join(busy, 'x'), '');
  const r = wasmxdp(['init', busy]);
  assert.is(r.status, 1);
  assert.match(r.stderr, /exists and is not an empty folder/);
  const fresh = wasmxdp(['init', path.join(tmp, 'fresh')]);
  assert.is(fresh.status, 0, fresh.stderr);
  for (const f of ['package.json', 'asconfig.json', 'tsconfig.json', 'handler.ts', 'test/handler.test.js', 'README.md']) {
    assert.ok(fs.existsSync(path.join(tmp, 'fresh', f)), f);
  }
  assert.is(JSON.parse(fs.readFileSync(path.join(tmp, 'fresh/package.json'), 'utf8')).dependencies.wasmxdp, `file:${ROOT}`);
});

test('the scaffold against this clone: npm install && npm test && npm start, npm run build with asc, editor type checks', () => {
  const dir = path.join(tmp, 'my-handler');
  ok(sh(process.execPath, [path.join(ROOT, 'bin/wasmxdp.js'), 'init', dir], tmp), 'init');
  ok(sh('npm', ['install', '--prefer-offline'], dir), 'npm install');
  assert.match(ok(sh('npm', ['test'], dir), 'npm test'), /Passed:\s+2/);
  const start = ok(sh('npm', ['start'], dir), 'npm start');
  assert.match(start, /drop\s+[1-9]\d*\s/, 'telnet in the bundled capture is dropped');
  ok(sh('npm', ['run', 'build'], dir), 'npm run build');
  const fromAsc = ok(sh(process.execPath, [path.join(ROOT, 'bin/wasmxdp.js'), 'run', 'build/handler.wasm', '--pcap', BUNDLED_CAPTURE, '--json'], dir), 'run build/handler.wasm');
  const fromSource = ok(sh(process.execPath, [path.join(ROOT, 'bin/wasmxdp.js'), 'run', 'handler.ts', '--pcap', BUNDLED_CAPTURE, '--json'], dir), 'run handler.ts');
  assert.equal(verdicts(fromAsc), verdicts(fromSource));
  ok(sh(process.execPath, [TSC, '-p', '.'], dir), 'tsc on the handler');
  fs.appendFileSync(path.join(dir, 'handler.ts'), '\nexport function oops(pkt: Packet): string { return pkt.len; }\n');
  const bad = sh(process.execPath, [TSC, '-p', '.'], dir);
  assert.is.not(bad.status, 0);
  assert.match(bad.stdout, /handler\.ts\(\d+,\d+\): error TS2322/);
});

test('npm pack: dist/ and types inside, no tests, CI script or benchmark data; installed from the tarball it imports with types and runs offline', () => {
  const packed = JSON.parse(ok(sh('npm', ['pack', '--json', '--pack-destination', tmp], ROOT), 'npm pack').replace(/^[^[]*/s, ''))[0];
  const files: string[] = packed.files.map((f: { path: string }) => f.path);
  for (const f of ['dist/pipeline/index.js', 'dist/pipeline/index.d.ts', 'dist/pipeline/testing/index.d.ts', 'asconfig.json', 'asc-transform.js', 'guest-sdk/index.ts', 'examples/captures/mix.pcapng']) {
    assert.ok(files.includes(f), `${f} in the tarball`);
  }
  assert.equal(files.filter((f) => /^(test|dist\/test|\.ci)\//.test(f) || f === 'docs/benchmarks.json' || f.startsWith('native/build/')), []);
  const tarball = path.join(tmp, packed.filename);

  const dir = path.join(tmp, 'from-tarball');
  ok(sh(process.execPath, [path.join(ROOT, 'bin/wasmxdp.js'), 'init', dir, '--wasmxdp', tarball], tmp), 'init --wasmxdp <tarball>');
  ok(sh('npm', ['install', '--prefer-offline'], dir), 'npm install');
  assert.ok(!fs.lstatSync(path.join(dir, 'node_modules/wasmxdp')).isSymbolicLink(), 'installed, not linked');
  // Its install step used the shipped dist/ (no TypeScript in this project) and compiled the examples.
  assert.ok(!fs.existsSync(path.join(dir, 'node_modules/typescript')), 'typescript is not installed');
  assert.ok(fs.existsSync(path.join(dir, 'node_modules/wasmxdp/examples/firewall/build/firewall.wasm')), 'examples compiled at install');
  assert.match(ok(sh('npm', ['test'], dir), 'npm test'), /Passed:\s+2/);
  const start = ok(sh('npm', ['start'], dir), 'npm start');
  assert.match(start, /mix\.pcapng: \d+ packets/);

  // The embedding API, from TypeScript, resolved through the package's exports.
  fs.writeFileSync(path.join(dir, 'embed.ts'), `
import { ACTION_NAMES, Action, OfflineRunner, Sandbox, WasmxdpError, compileHandler, loadModule, openCapture, type OfflineVerdict } from 'wasmxdp';
import { eth, ipv4, runHandler, tcp } from 'wasmxdp/testing';

const bytes: Uint8Array = await compileHandler('handler.ts');
const sandbox = new Sandbox(loadModule(bytes), { log: () => {} });
const counts: Record<string, number> = {};
const runner = new OfflineRunner(sandbox, (v: OfflineVerdict) => { const n = ACTION_NAMES[v.action]; counts[n] = (counts[n] ?? 0) + 1; });
const summary = runner.run([...openCapture('node_modules/wasmxdp/examples/captures/mix.pcapng')].map((p) => ({ data: p.data })));
const unit = await runHandler('handler.ts', [eth({}, ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, tcp({ sport: 1000, dport: 23, flags: 'S' })))]);
let refused = '';
try { loadModule(new Uint8Array(8)); } catch (e) { if (e instanceof WasmxdpError) refused = e.code; }
console.log(JSON.stringify({ counts, packets: summary.packets, DROP: Action.DROP, unit: unit.verdicts, refused }));
`);
  const tsArgs = ['--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--strict', '--skipLibCheck',
    '--typeRoots', path.join(ROOT, 'node_modules/@types'), '--types', 'node'];
  ok(sh(process.execPath, [TSC, ...tsArgs, 'embed.ts'], dir), 'tsc embed.ts');
  const out = JSON.parse(ok(sh(process.execPath, ['embed.js'], dir), 'node embed.js'));
  const cli = verdicts(ok(sh(process.execPath, [path.join(ROOT, 'bin/wasmxdp.js'), 'run', 'handler.ts', '--pcap', BUNDLED_CAPTURE, '--json'], dir), 'run'));
  assert.equal(out.counts, Object.fromEntries(Object.entries(cli).filter(([, n]) => n > 0)));
  assert.is(out.DROP, 1);
  assert.equal(out.unit, ['drop']);
  assert.is(out.refused, 'E_INVALID_WASM');

  // The types are real: a wrong call does not type-check.
  fs.writeFileSync(path.join(dir, 'wrong.ts'), `import { loadModule } from 'wasmxdp';\nloadModule('handler.ts');\n`);
  const wrong = sh(process.execPath, [TSC, ...tsArgs, '--noEmit', 'wrong.ts'], dir);
  assert.is.not(wrong.status, 0);
  assert.match(wrong.stdout, /wrong\.ts\(2,12\): error TS2345/);
});

test.run();
