#!/usr/bin/env node
// Checks that imports between the source folders point one way, from the CLI
// down to the sandbox (issue 12): a folder may import only folders of a lower
// layer, never one above it nor a sibling of its own layer. Reads the
// TypeScript sources (relative `import`/`export ... from`, `import()`, and
// `new URL('./x.js', import.meta.url)` worker scripts), so it needs no build.
// Prints every offending import as `file -> file` and exits 1.
// Usage: node scripts/check-layers.mjs [root]   (npm run check:layers)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Top to bottom. Folders in one row are siblings: neither imports the other.
 * `pipeline` is the package entry (pipeline/index.ts), which re-exports the
 * embedding API from every layer.
 */
export const LAYERS = [
  ['pipeline'],
  ['pipeline/cli'],
  ['pipeline/control', 'pipeline/fleet'],
  ['pipeline/ops'],
  ['pipeline/live', 'pipeline/offline', 'pipeline/testing'],
  ['pipeline/chain'],
  ['pipeline/tenants'],
  ['pipeline/capture', 'pipeline/program'],
  ['native'],
  ['host'],
];

const SOURCE_DIRS = ['pipeline', 'native', 'host'];
const SKIP_DIRS = new Set(['node_modules', 'dist', 'build', 'src', 'bpf']);

const IMPORT_PATTERNS = [
  /(?:^|\n)[ \t]*(?:import|export)\b[^;]*?\bfrom\s*'([^']+)'/g,
  /(?:^|\n)[ \t]*import\s*'([^']+)'/g,
  /\bimport\(\s*'([^']+)'\s*\)/g,
  /\bnew URL\(\s*'([^']+)'\s*,\s*import\.meta\.url/g,
];

function tsFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return SKIP_DIRS.has(e.name) ? [] : tsFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** The layer folder a repository-relative path belongs to, or null outside the checked tree. */
export function folderOf(rel) {
  const parts = rel.split('/');
  if (parts[0] === 'pipeline') return parts.length > 2 ? `pipeline/${parts[1]}` : 'pipeline';
  return SOURCE_DIRS.includes(parts[0]) ? parts[0] : null;
}

/** The source without comments and template strings (generated files' text may quote imports). */
function codeOnly(text) {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"\\])\/\/.*$/gm, '$1')
    .replace(/`(?:\\[\s\S]|[^`\\])*`/g, '``');
}

/** Every relative import between source files: { from, to } repository-relative paths. */
export function importsOf(root) {
  const edges = [];
  for (const abs of SOURCE_DIRS.flatMap((d) => tsFiles(path.join(root, d)))) {
    const from = path.relative(root, abs).split(path.sep).join('/');
    const text = codeOnly(fs.readFileSync(abs, 'utf8'));
    for (const re of IMPORT_PATTERNS) {
      for (const m of text.matchAll(re)) {
        if (!m[1].startsWith('.')) continue;
        const to = path.posix.normalize(path.posix.join(path.posix.dirname(from), m[1])).replace(/\.js$/, '.ts');
        edges.push({ from, to });
      }
    }
  }
  return edges;
}

/** Strongly connected folder groups of more than one folder (Tarjan). */
function folderCycles(graph) {
  let index = 0;
  const idx = new Map(), low = new Map(), stack = [], on = new Set(), out = [];
  const visit = (v) => {
    idx.set(v, index); low.set(v, index); index++; stack.push(v); on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const group = [];
      let w;
      do { w = stack.pop(); on.delete(w); group.push(w); } while (w !== v);
      if (group.length > 1) out.push(group.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

/** The shortest folder path from group[0] back to itself inside the group (BFS). */
function shortestLoop(graph, group) {
  const inGroup = new Set(group);
  const start = group[0];
  const prev = new Map();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift();
    for (const w of graph.get(v) ?? []) {
      if (!inGroup.has(w)) continue;
      if (w === start) {
        const via = [];
        for (let x = v; x !== start; x = prev.get(x)) via.unshift(x);
        return [start, ...via, start];
      }
      if (!prev.has(w)) { prev.set(w, v); queue.push(w); }
    }
  }
  return group;
}

/**
 * The imports that break the layering: `order` lists one per import that
 * goes up or sideways (or into a folder no layer names), `cycles` each group
 * of folders that import one another, with the file imports that close it.
 */
export function checkLayers(root, layers = LAYERS) {
  const rank = new Map(layers.flatMap((row, i) => row.map((f) => [f, i])));
  const order = [];
  const graph = new Map();
  const examples = new Map();
  for (const { from, to } of importsOf(root)) {
    const a = folderOf(from), b = folderOf(to);
    if (a === null || b === null || a === b) continue;
    if (!graph.has(a)) graph.set(a, new Set());
    graph.get(a).add(b);
    const key = `${a} ${b}`;
    if (!examples.has(key)) examples.set(key, []);
    examples.get(key).push(`${from} -> ${to}`);
    if (!rank.has(a) || !rank.has(b)) {
      order.push({ from, to, why: `${rank.has(a) ? b : a}/ is in no layer: add it to LAYERS in scripts/check-layers.mjs` });
    } else if (rank.get(b) <= rank.get(a)) {
      const how = rank.get(b) === rank.get(a) ? 'its sibling' : 'a layer above it,';
      order.push({ from, to, why: `${a}/ imports ${how} ${b}/` });
    }
  }
  const cycles = folderCycles(graph).map((group) => {
    const loop = shortestLoop(graph, group);
    return { folders: loop, imports: loop.slice(1).map((b, i) => examples.get(`${loop[i]} ${b}`)[0]) };
  });
  return { order, cycles };
}

export function formatReport({ order, cycles }, layers = LAYERS) {
  const lines = [];
  for (const c of cycles) {
    lines.push(`cycle ${c.folders.map((f) => f + '/').join(' -> ')}:`);
    for (const i of c.imports) lines.push(`  ${i}`);
  }
  for (const o of order) lines.push(`${o.from} -> ${o.to}  (${o.why})`);
  if (lines.length) {
    lines.push('', 'Layers, top to bottom (a folder imports only folders below its row):');
    for (const row of layers) lines.push(`  ${row.join('  ')}`);
  }
  return lines.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
  const result = checkLayers(root);
  const bad = result.order.length + result.cycles.length;
  if (bad === 0) {
    console.log(`layers ok: ${LAYERS.map((row) => row.join(' ')).join(' > ')}`);
  } else {
    console.log(formatReport(result));
    console.log(`\n${result.order.length} import(s) against the layer order, ${result.cycles.length} folder cycle(s)`);
  }
  process.exit(bad === 0 ? 0 : 1);
}
