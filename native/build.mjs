#!/usr/bin/env node
// Builds the live AF_XDP backend: the N-API addon (node-gyp), the XDP object
// (clang -target bpf) and the C reference tool. Called by `npm install`
// (scripts/install.mjs); runnable on its own: `node native/build.mjs`.
// Missing system packages are not an error: the pcap/in-memory ports work
// without this backend, so we say what is missing and exit 0.
// WASMXDP_REQUIRE_NATIVE=1 turns any failure into exit 1 (CI).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
// The contract header shared with the addon and the C guest SDK (npm run gen:abi).
const ABI_INCLUDE = path.resolve(here, '../abi/include');
const strict = process.env.WASMXDP_REQUIRE_NATIVE === '1';
const PACKAGES = 'libxdp-dev libbpf-dev clang llvm';

function unavailable(reason) {
  console.log(`wasmxdp: live AF_XDP backend unavailable: ${reason}`);
  console.log(`wasmxdp: install the Debian packages ${PACKAGES} (with build-essential and python3 for node-gyp; apt-get install ${PACKAGES} build-essential python3) and run: node native/build.mjs`);
  console.log('wasmxdp: capture-file and in-memory ports work without it.');
  process.exit(strict ? 1 : 0);
}

function which(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...opts });
  if (r.status !== 0) {
    process.stderr.write(r.stdout ?? '');
    process.stderr.write(r.stderr ?? '');
    unavailable(`${path.basename(cmd)} ${args.slice(0, 2).join(' ')} failed (exit ${r.status ?? r.signal})`);
  }
  return r.stdout;
}

const missing = [];
if (!fs.existsSync('/usr/include/xdp/xsk.h')) missing.push('libxdp-dev (xdp/xsk.h)');
if (!fs.existsSync('/usr/include/bpf/libbpf.h')) missing.push('libbpf-dev (bpf/libbpf.h)');
if (!which('clang')) missing.push('clang');
if (!which('cc') && !which('gcc')) missing.push('a C compiler (build-essential)');
if (!which('c++') && !which('g++')) missing.push('a C++ compiler (build-essential)');
if (!which('make')) missing.push('make (build-essential)');
if (!which('python3')) missing.push('python3 (node-gyp needs it)');
if (missing.length) unavailable(`missing ${missing.join(', ')}`);

// node-gyp wipes native/build, so the addon goes first.
// Resolved like any dependency: in an installed wasmxdp it sits in the
// project's node_modules, not in ours.
let nodeGyp;
try { nodeGyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js'); } catch { unavailable('node-gyp is not installed (npm install)'); }
const gypArgs = [nodeGyp, 'rebuild'];
// Use the headers of the running node when present; there is no network to fetch them.
const nodedir = path.resolve(path.dirname(process.execPath), '..');
if (fs.existsSync(path.join(nodedir, 'include/node/node_api.h'))) gypArgs.push(`--nodedir=${nodedir}`);
run(process.execPath, gypArgs, { cwd: here });
console.log('wasmxdp: built native/build/Release/wasmxdp.node');

const multiarch = spawnSync('gcc', ['-dumpmachine'], { encoding: 'utf8' }).stdout?.trim() || 'x86_64-linux-gnu';
fs.mkdirSync(path.join(here, 'build/bpf'), { recursive: true });
for (const src of fs.readdirSync(path.join(here, 'bpf')).filter((f) => f.endsWith('.c'))) {
  const out = path.join(here, 'build/bpf', src.replace(/\.c$/, '.o'));
  run('clang', ['-O2', '-g', '-target', 'bpf', `-I/usr/include/${multiarch}`, `-I${ABI_INCLUDE}`, '-c', path.join(here, 'bpf', src), '-o', out]);
  console.log(`wasmxdp: built ${path.relative(path.resolve(here, '..'), out)}`);
}

fs.mkdirSync(path.join(here, 'build/tools'), { recursive: true });
for (const src of fs.readdirSync(path.join(here, 'tools')).filter((f) => f.endsWith('.c'))) {
  const out = path.join(here, 'build/tools', src.replace(/\.c$/, ''));
  run('cc', ['-O2', '-Wall', '-o', out, path.join(here, 'tools', src), '-lxdp', '-lbpf']);
  console.log(`wasmxdp: built ${path.relative(path.resolve(here, '..'), out)}`);
}
