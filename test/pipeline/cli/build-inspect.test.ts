import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { needing } from '../../helpers/tools.js';
import { writeClassicPcap } from '../../../pipeline/capture/index.js';
import { tsharkFields, wasmxdp } from '../../helpers/cli.js';
import { eth, ipv4, udp } from '../../helpers/packets.js';

const test = suite('wasmxdp build / inspect');
const withTshark = needing(test, 'tshark');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-build-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const GUESTS = 'test/pipeline/guests';

test('build writes a module that inspect describes: ABI 1, the wx_batch export, provenance', () => {
  const out = path.join(tmp, 'dns.wasm');
  const b = wasmxdp(['build', 'examples/dns-guard', '-o', out, '--json']);
  assert.is(b.status, 0, b.stderr);
  assert.equal(JSON.parse(b.stdout), { output: out, bytes: fs.statSync(out).size });
  const i = wasmxdp(['inspect', out, '--json']);
  assert.is(i.status, 0, i.stderr);
  const info = JSON.parse(i.stdout);
  assert.is(info.abiVersion, 1);
  assert.ok(info.exports.includes('wx_batch: func'));
  assert.ok(info.imports.some((s: string) => s.startsWith('env.memory: memory')));
  assert.is(info.provenance['processed-by'].wasmxdp, JSON.parse(fs.readFileSync('package.json', 'utf8')).version);
  assert.is(info.provenance.sdk.source, 'handler.ts');
  assert.match(info.provenance.sdk['source-sha256'], /^[0-9a-f]{64}$/);
  const text = wasmxdp(['inspect', out]);
  assert.match(text.stdout, /ABI version: 1/);
});

// The C example needs clang and wasm-ld (lld) to build.
needing(test, 'clang', 'wasm-ld')('inspect prints the WIT world and ABI version of every built example, AssemblyScript and C', () => {
  const examples = fs.readdirSync('examples').filter((n) => ['handler.ts', 'handler.c'].some((f) => fs.existsSync(path.join('examples', n, f))));
  assert.ok(examples.includes('udp-reflector-c'));
  for (const name of examples) {
    const out = path.join(tmp, `${name}.wasm`);
    const b = wasmxdp(['build', `examples/${name}`, '-o', out]);
    assert.is(b.status, 0, b.stderr);
    const info = JSON.parse(wasmxdp(['inspect', out, '--json']).stdout);
    assert.is(info.abiVersion, 1, name);
    assert.is(info.world.name, 'wasmxdp:guest/handler@1.0.0', name);
    assert.equal(info.world.exports, { 'wx-batch': 'func(n: s32) -> s32' }, name);
    assert.ok(info.compatible, `${name}: ${info.differences}`);
    const text = wasmxdp(['inspect', out]).stdout;
    assert.match(text, /WIT world \(this host serves it\):\n  world wasmxdp:guest\/handler@1\.0\.0 \{\n    import wasmxdp:guest\/host@1\.0\.0: interface \{/);
    assert.match(text, /map-declare: func\(name-ptr: u32/);
  }
});

test('a built .wasm runs like its source', () => {
  const out = path.join(tmp, 'fw.wasm');
  assert.is(wasmxdp(['build', 'examples/firewall', '-o', out]).status, 0);
  const cap = 'examples/captures/mix.pcapng';
  const fromWasm = JSON.parse(wasmxdp(['run', out, '--pcap', cap, '--json']).stdout);
  const fromSource = JSON.parse(wasmxdp(['run', 'examples/firewall', '--pcap', cap, '--json']).stdout);
  assert.equal(fromWasm.verdicts, fromSource.verdicts);
});

test('a compile error is reported with the file and line', () => {
  const bad = path.join(tmp, 'bad.ts');
  fs.writeFileSync(bad, 'import { Packet, Verdict } from "wasmxdp";\nexport function handle(pkt: Packet): Verdict { return nope; }\n');
  const r = wasmxdp(['build', bad, '-o', path.join(tmp, 'bad.wasm')]);
  assert.is(r.status, 1);
  assert.match(r.stderr, /cannot compile/);
  assert.match(r.stderr, /nope/);
});

test('a file without handle: build says which function to export, in a few lines', () => {
  const src = path.join(tmp, 'nohandle.ts');
  fs.writeFileSync(src, 'import { Packet, Verdict, pass } from "wasmxdp";\nexport function handler(pkt: Packet): Verdict { return pass(); }\n');
  const r = wasmxdp(['build', src, '-o', path.join(tmp, 'nohandle.wasm')]);
  assert.is(r.status, 1);
  assert.match(r.stderr, 'export function handle(pkt: Packet): Verdict');
  assert.ok(r.stderr.trim().split('\n').length <= 3, r.stderr);
  assert.not.match(r.stderr, /__wx_entry|ERROR TS/);
});

test('inspect of a handler source says to build it first', () => {
  const r = wasmxdp(['inspect', 'examples/firewall/handler.ts']);
  assert.is(r.status, 1);
  assert.match(r.stderr, /^wasmxdp inspect: examples\/firewall\/handler\.ts is not a valid WebAssembly module: it is a handler's source: build it first \(wasmxdp build examples\/firewall\/handler\.ts\)/);
  assert.is(r.stderr.trim().split('\n').length, 1);
});

test('exit status: 2 for a wrong command line, 1 for an input that cannot be read (handler, module or capture alike)', () => {
  const usage: string[][] = [['run'], ['build'], ['inspect'], ['init'], ['run', 'a', 'b'], ['build', 'x.ts', '--bogus'], ['frobnicate']];
  for (const args of usage) {
    const r = wasmxdp(args);
    assert.is(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.not.match(r.stderr, /wasmxdp \w+: wasmxdp/, `doubled prefix: ${r.stderr}`);
  }
  assert.is(wasmxdp(['run']).stderr.trim(), "wasmxdp run: missing argument (see 'wasmxdp run --help')");
  const missing: string[][] = [
    ['run', path.join(tmp, 'missing.ts'), '--pcap', 'examples/captures/mix.pcapng'],
    ['run', path.join(tmp, 'missing.wasm'), '--pcap', 'examples/captures/mix.pcapng'],
    ['run', 'examples/firewall', '--pcap', path.join(tmp, 'missing.pcap')],
    ['build', path.join(tmp, 'missing.ts')],
    ['inspect', path.join(tmp, 'missing.wasm')],
  ];
  for (const args of missing) {
    const r = wasmxdp(args);
    assert.is(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /missing\.(ts|wasm|pcap)/);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});

test('a module importing WASI fd_write is refused, naming the import', () => {
  const out = path.join(tmp, 'wasi.wasm');
  assert.is(wasmxdp(['build', `${GUESTS}/wasi-import.ts`, '-o', out]).status, 0);
  const r = wasmxdp(['run', out, '--pcap', 'examples/captures/mix.pcapng']);
  assert.is(r.status, 1);
  assert.match(r.stderr, /wasi_snapshot_preview1\.fd_write/);
  assert.is(r.stderr.trim().split('\n').length, 1);
});

withTshark('a handler that traps on one packet: that packet is ABORTED, the run completes', () => {
  const frames = [1, 2, 3, 4, 5].map((i) => eth({}, ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, udp({ sport: 1000 + i, dport: 9 }, 'x'))));
  frames[2] = Uint8Array.from([0xee, ...frames[2].subarray(1)]);
  const cap = path.join(tmp, 'trap.pcap');
  writeClassicPcap(cap, frames.map((data) => ({ data })));
  const out = path.join(tmp, 'trap.pcapng');
  const r = wasmxdp(['run', `${GUESTS}/trap-on-marker.ts`, '--pcap', cap, '--out', out, '--json']);
  assert.is(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.is(s.packets, 5);
  assert.is(s.verdicts.aborted, 1);
  assert.is(s.verdicts.pass, 4);
  assert.is(s.trapsByKind.unreachable, 1);
  assert.equal(tsharkFields(out, ['frame.comment']).map((f) => f[0]), [
    'wasmxdp verdict=pass', 'wasmxdp verdict=pass', 'wasmxdp verdict=aborted', 'wasmxdp verdict=pass', 'wasmxdp verdict=pass',
  ]);
});

test('--help on every command, and the top-level help lists them', () => {
  for (const cmd of ['build', 'run', 'inspect']) {
    const r = wasmxdp([cmd, '--help']);
    assert.is(r.status, 0);
    assert.match(r.stdout, new RegExp(`Usage:\\s+wasmxdp ${cmd}`));
  }
  const top = wasmxdp(['--help']);
  assert.match(top.stdout, /build/); assert.match(top.stdout, /inspect/);
  const unknown = wasmxdp(['frobnicate']);
  assert.is(unknown.status, 2);
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);
});

test.run();
