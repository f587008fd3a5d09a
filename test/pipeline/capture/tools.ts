// Runs the real capture tools (tcpdump, tshark, editcap) for cross-checks and
// gives each test its own scratch directory.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** tshark -T fields output: one array of field values per packet. */
export function tsharkFields(file: string, fields: string[], extra: string[] = []): string[][] {
  const out = run('tshark', ['-r', file, '-T', 'fields', ...fields.flatMap((f) => ['-e', f]), ...extra]);
  return out.split('\n').filter((l) => l.length > 0).map((l) => l.split('\t'));
}

/** Packet count as tcpdump sees it: one summary line per packet (hex dumps of unknown payloads are indented). */
export function tcpdumpCount(file: string): number {
  return run('tcpdump', ['-nn', '-r', file]).split('\n').filter((l) => l.length > 0 && !/^\s/.test(l)).length;
}

export function scratchDir(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `wasmxdp-${name}-`));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../..');
export const mixPcapng = path.join(repoRoot, 'examples/captures/mix.pcapng');
export const mixPcap = path.join(repoRoot, 'examples/captures/mix.pcap');

/**
 * True when `cmd` runs. When it does not, prints one line saying what to
 * install and returns false, unless WASMXDP_REQUIRE_TOOLS or
 * WASMXDP_REQUIRE_LIVE is set (CI): then the missing tool is a failure.
 */
export function haveTool(cmd: string, debianPackage: string): boolean {
  const r = spawnSync(cmd, ['--version'], { encoding: 'utf8' });
  if (!r.error) return true;
  const hint = `${cmd} is not installed: install it (Debian/Ubuntu: apt-get install ${debianPackage}) to run this check`;
  if (process.env.WASMXDP_REQUIRE_TOOLS || process.env.WASMXDP_REQUIRE_LIVE) throw new Error(`${hint} (required: WASMXDP_REQUIRE_TOOLS/WASMXDP_REQUIRE_LIVE is set)`);
  console.log(`skip: ${hint}`);
  return false;
}
