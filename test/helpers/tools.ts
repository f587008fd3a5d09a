// Outside programs some tests cross-check against (tshark reads what we write,
// clang builds a foreign XDP program, ...). None is needed to use wasmxdp, so
// their tests skip where a tool is missing, saying which Debian package to
// install; WASMXDP_REQUIRE_TOOLS=1 (CI) turns that into a failure.
import fs from 'node:fs';
import path from 'node:path';
import { type Test } from 'uvu';
import { gatedTests, unavailableSuite } from './skip.js';
import { suite } from 'uvu';

/** Each tool and the Debian package that provides it. */
export const TOOL_PACKAGES = {
  tshark: 'tshark',
  editcap: 'tshark',
  capinfos: 'tshark',
  tcpdump: 'tcpdump',
  trafgen: 'netsniff-ng',
  bpftool: 'bpftool',
  clang: 'clang',
  'wasm-ld': 'lld',
  etcd: 'etcd-server',
  tc: 'iproute2',
} as const;
export type Tool = keyof typeof TOOL_PACKAGES;

function onPath(cmd: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    try { fs.accessSync(path.join(dir, cmd), fs.constants.X_OK); return true; } catch { /* next */ }
  }
  return false;
}

/** null when every tool is on PATH, else what to install. */
export function toolsMissingReason(tools: readonly Tool[]): string | null {
  const missing = tools.filter((t) => !onPath(t));
  if (missing.length === 0) return null;
  const pkgs = [...new Set(missing.map((t) => TOOL_PACKAGES[t]))];
  return `${missing.join(', ')} not found: install the Debian package${pkgs.length > 1 ? 's' : ''} ${pkgs.join(' ')}`;
}

/** A uvu suite that needs `tools` for every test. */
export function toolSuite<T = Record<string, never>>(name: string, tools: readonly Tool[], context?: T): Test<T> {
  const reason = toolsMissingReason(tools);
  return reason === null ? suite<T>(name, context) : unavailableSuite<T>(name, reason, 'WASMXDP_REQUIRE_TOOLS', context);
}

// Tests skipped in this process (one test file) and the tools they lacked:
// announced in ONE line once the file has registered its tests.
const skipped = { tests: 0, tools: new Set<Tool>() };

function noteSkipped(tools: readonly Tool[]): void {
  if (skipped.tests++ === 0) {
    queueMicrotask(() => console.log(`# skipping ${skipped.tests} test${skipped.tests > 1 ? 's' : ''}: ${toolsMissingReason([...skipped.tools])}`));
  }
  for (const t of tools) if (!onPath(t)) skipped.tools.add(t);
}

/**
 * Registers tests of `test` that need `tools`:
 *   const withTshark = needing(test, 'tshark');
 *   withTshark('tshark reads what we write', () => { ... });
 */
export function needing<T>(test: Test<T>, ...tools: Tool[]): (title: string, fn: Parameters<Test<T>>[1]) => void {
  return gatedTests(test, toolsMissingReason(tools), 'WASMXDP_REQUIRE_TOOLS', () => noteSkipped(tools));
}
