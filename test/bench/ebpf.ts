// The eBPF side: compiles test/bench/bpf/*.c (clang -O2 -target bpf) and the
// BPF_PROG_RUN runner (cc + libbpf) into test/bench/build/, then runs a
// program over frames with the kernel's JIT. Needs root (CAP_BPF,
// CAP_NET_ADMIN); unavailable() says why not.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../host/compile.js';

const SRC = path.join(PROJECT_ROOT, 'test/bench/bpf');
export const BUILD = path.join(PROJECT_ROOT, 'test/bench/build');
const RUNNER = path.join(BUILD, 'prog-run');

function sh(cmd: string, args: string[], timeoutMs = 120_000): { ok: boolean; out: string; err: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 << 20 });
  return { ok: r.status === 0, out: r.stdout ?? '', err: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

function newer(out: string, ...inputs: string[]): boolean {
  if (!fs.existsSync(out)) return false;
  const t = fs.statSync(out).mtimeMs;
  return inputs.every((i) => fs.statSync(i).mtimeMs <= t);
}

let buildError: string | null | undefined;

/** Builds objects and runner once per process; null when built, else why not. */
export function buildEbpf(): string | null {
  if (buildError !== undefined) return buildError;
  buildError = (() => {
    fs.mkdirSync(BUILD, { recursive: true });
    const arch = sh('gcc', ['-print-multiarch']).out.trim() || 'x86_64-linux-gnu';
    const header = path.join(SRC, 'parse.h');
    for (const f of fs.readdirSync(SRC).filter((n) => n.endsWith('.c') && n !== 'prog-run.c')) {
      const out = path.join(BUILD, f.replace(/\.c$/, '.o'));
      if (newer(out, path.join(SRC, f), header)) continue;
      const r = sh('clang', ['-O2', '-g', '-target', 'bpf', `-I/usr/include/${arch}`, '-c', path.join(SRC, f), '-o', out]);
      if (!r.ok) return `clang failed on ${f}: ${r.err.trim().split('\n').slice(-3).join(' ')}`;
    }
    if (!newer(RUNNER, path.join(SRC, 'prog-run.c'))) {
      const r = sh('cc', ['-O2', '-Wall', '-o', RUNNER, path.join(SRC, 'prog-run.c'), '-lbpf']);
      if (!r.ok) return `cc failed on prog-run.c (libbpf-dev installed?): ${r.err.trim().split('\n').slice(-3).join(' ')}`;
    }
    return null;
  })();
  return buildError;
}

export function ebpfUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'BPF_PROG_RUN needs root (CAP_BPF + CAP_NET_ADMIN)';
  return buildEbpf();
}

/** Frames in the runner's input format: u32 little-endian length, bytes. */
export function writeFramesFile(file: string, frames: Uint8Array[]): void {
  const parts: Buffer[] = [];
  for (const f of frames) {
    const h = Buffer.alloc(4);
    h.writeUInt32LE(f.length);
    parts.push(h, Buffer.from(f));
  }
  fs.writeFileSync(file, Buffer.concat(parts));
}

export interface EbpfRun {
  /** ns per frame of each round (BPF_PROG_RUN's own loop included). */
  rounds: number[];
  /** The same loop over a program that only returns XDP_PASS. */
  empty: number[];
  /** Verdict histogram of the last round. */
  verdicts: number[];
}

/**
 * Runs `prog` of `<obj>.o` over the frames file, `runs` runs per frame and
 * round; `table`: bytes for key 0 of map `table.map` first.
 */
export function runEbpf(obj: string, prog: string, framesFile: string, runs: number, rounds: number,
  table?: { map: string; value: Uint8Array }): EbpfRun {
  const args = [path.join(BUILD, `${obj}.o`), prog, framesFile, String(runs), String(rounds)];
  if (table) {
    const vf = `${framesFile}.${table.map}`;
    fs.writeFileSync(vf, table.value);
    args.push(table.map, vf);
  }
  const r = sh(RUNNER, args, 600_000);
  if (table) fs.rmSync(`${framesFile}.${table.map}`, { force: true });
  if (!r.ok) throw new Error(`prog-run ${obj}: ${r.err.trim()}`);
  const run: EbpfRun = { rounds: [], empty: [], verdicts: [] };
  for (const line of r.out.split('\n')) {
    const m = /^round \d+ ns_per_frame ([\d.]+) empty_ns ([\d.]+) verdicts (\d+) (\d+) (\d+) (\d+) (\d+)/.exec(line);
    if (m) {
      run.rounds.push(Number(m[1]));
      run.empty.push(Number(m[2]));
      run.verdicts = m.slice(3, 8).map(Number);
    }
  }
  if (run.rounds.length !== rounds) throw new Error(`prog-run ${obj}: unexpected output: ${r.out}`);
  return run;
}
