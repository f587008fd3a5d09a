#!/usr/bin/env node
// The CLI runs the compiled TypeScript in dist/ (built by `npm install`).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'dist', 'pipeline', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  console.error(`wasmxdp: ${path.relative(process.cwd(), entry) || entry} is missing: run 'npm install' (or 'npm run build') in ${root}`);
  process.exit(1);
}
const { main } = await import(pathToFileURL(entry).href);
process.exitCode = await main(process.argv.slice(2));
