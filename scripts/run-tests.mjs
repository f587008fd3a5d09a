#!/usr/bin/env node
// Runs every uvu suite (dist/test/**/*.test.js, built from test/) in its own
// process, one after another (live suites share the machine's network
// namespaces and must not overlap), and prints one closing line:
//   N passed, N failed, N skipped
// Usage: npm test [-- <filter substring>...]
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const filters = process.argv.slice(2);
const FILE_TIMEOUT_MS = Number(process.env.WASMXDP_TEST_TIMEOUT_MS ?? 15 * 60 * 1000);

const build = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit' });
if (build.status !== 0) {
  console.log('0 passed, 1 failed (TypeScript build failed)');
  process.exit(1);
}

function walk(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'bench' ? [] : walk(p);
    return e.name.endsWith('.test.js') ? [p] : [];
  });
}

const files = walk(path.join(root, 'dist/test')).sort()
  .filter((f) => fs.existsSync(path.join(root, path.relative(path.join(root, 'dist'), f).replace(/\.js$/, '.ts'))))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));

function runFile(file) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--enable-source-maps', file], { cwd: root, env: { ...process.env, FORCE_COLOR: '0' } });
    let out = '';
    child.stdout.on('data', (d) => { out += d; process.stdout.write(d); });
    child.stderr.on('data', (d) => { out += d; process.stderr.write(d); });
    const timer = setTimeout(() => { out += '\n(timed out)\n'; child.kill('SIGKILL'); }, FILE_TIMEOUT_MS);
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, out }); });
  });
}

let passed = 0, failed = 0, skipped = 0;
const failures = [];
for (const file of files) {
  const rel = path.relative(path.join(root, 'dist'), file);
  console.log(`\n# ${rel}`);
  const { code, signal, out } = await runFile(file);
  const num = (label) => { const m = out.match(new RegExp(`^\\s*${label}:\\s+(\\d+)`, 'm')); return m ? Number(m[1]) : null; };
  const total = num('Total'), pass = num('Passed'), skip = num('Skipped') ?? 0;
  if (total === null || pass === null) {
    failed++; failures.push(`${rel} (no uvu summary; exit ${code ?? signal})`);
    continue;
  }
  // uvu's Total counts skipped tests too.
  const fail = Math.max(0, total - pass - skip);
  passed += pass; skipped += skip; failed += fail;
  if (fail > 0) failures.push(`${rel} (${fail} failed)`);
  else if (code !== 0) { failed++; failures.push(`${rel} (exit ${code ?? signal} after its tests)`); }
}

if (failures.length) console.log('\nFailed:\n' + failures.map((f) => '  ' + f).join('\n'));
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || files.length === 0 ? 1 : 0);
