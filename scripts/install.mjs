#!/usr/bin/env node
// `npm install` / `npm ci` build step: compiles the TypeScript, builds the
// native AF_XDP backend when the machine can (it is optional: offline runs
// need none of it) and compiles the examples. Says plainly what is missing.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = (args, opts = {}) => spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', ...opts });

// A clone builds dist/ here; the published package carries dist/ (built by
// `prepack`) and no tsconfig.json, and needs no TypeScript at install.
if (fs.existsSync(path.join(root, 'tsconfig.json'))) {
  console.log('wasmxdp: building TypeScript (tsc)');
  if (run([path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json']).status !== 0) {
    console.error('wasmxdp: the TypeScript build failed (see above)');
    process.exit(1);
  }
} else if (!fs.existsSync(path.join(root, 'dist/pipeline/index.js'))) {
  console.error('wasmxdp: this package has neither dist/ nor tsconfig.json to build it: reinstall it from npm pack output or a clone');
  process.exit(1);
}

const nativeBuild = path.join(root, 'native', 'build.mjs');
if (fs.existsSync(nativeBuild)) {
  const r = run([nativeBuild]);
  if (r.status !== 0) {
    if (process.env.WASMXDP_REQUIRE_NATIVE === '1') process.exit(1);
    console.warn('wasmxdp: the live AF_XDP backend did not build (see above); offline runs (--pcap) work without it.');
  }
} else {
  console.warn('wasmxdp: native/build.mjs not found: the live AF_XDP backend is not built.');
}

console.log('wasmxdp: compiling the examples');
const { compileHandlerCached } = await import(pathToFileURL(path.join(root, 'dist/host/compile.js')).href);
const { cToolchain } = await import(pathToFileURL(path.join(root, 'dist/host/compile-c.js')).href);
const { stampProvenance } = await import(pathToFileURL(path.join(root, 'dist/pipeline/program/provenance.js')).href);
const examples = path.join(root, 'examples');
let failed = 0;
for (const name of fs.readdirSync(examples).sort()) {
  const src = ['handler.ts', 'handler.c'].map((f) => path.join(examples, name, f)).find((f) => fs.existsSync(f));
  if (!src) continue;
  if (src.endsWith('.c') && !cToolchain().ok) {
    // C examples are optional, like the live backend: say what would build them.
    console.warn(`  examples/${name}: not built: C handlers need ${cToolchain().missing.join(' and ')} (Debian: apt-get install clang lld)`);
    continue;
  }
  try {
    const bin = await stampProvenance(await compileHandlerCached(src), src);
    fs.mkdirSync(path.join(examples, name, 'build'), { recursive: true });
    fs.writeFileSync(path.join(examples, name, 'build', `${name}.wasm`), bin);
    console.log(`  examples/${name}/build/${name}.wasm (${bin.length} bytes)`);
  } catch (e) {
    failed++;
    console.error(`  examples/${name}: ${e.message}`);
  }
}
if (failed) process.exit(1);
console.log('wasmxdp: ready. Try: npm start');
