// Runs `wasmxdp run ... --iface` as a child process of a live test (in the
// test's own network namespace), waits until it is attached, and collects its
// JSON summary after it is stopped. Bounded in time.
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, ROOT } from './cli.js';

export interface LiveRun {
  child: ChildProcess;
  attached: Promise<void>;
  /** Resolves with the exit code, the parsed JSON summary (if any) and stderr. */
  done: Promise<{ status: number | null; summary: any; stderr: string }>;
  stop(): void;
}

export function startLive(args: string[], maxSeconds = 60): LiveRun {
  const child = spawn(process.execPath, [BIN, 'run', ...args, '--json', '--duration', String(maxSeconds)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stdout!.on('data', (d) => { out += d; });
  const attached = new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d) => { err += d; if (err.includes('attached ')) resolve(); });
    child.on('exit', () => reject(new Error(`wasmxdp exited before attaching: ${err}`)));
  });
  attached.catch(() => {});
  const done = new Promise<{ status: number | null; summary: any; stderr: string }>((resolve) => {
    child.on('exit', (status) => {
      let summary: any = null;
      try { summary = JSON.parse(out.trim().split('\n').pop() ?? ''); } catch { summary = null; }
      resolve({ status, summary, stderr: err });
    });
  });
  return { child, attached, done, stop: () => { if (child.exitCode === null) child.kill('SIGINT'); } };
}
