// A `wasmxdp serve` child process for live tests: started on a config the
// test wrote, with its own socket in a temporary directory, its output in a
// log file (never a pipe that could fill while a test blocks), and stopped
// with SIGTERM (SIGKILL after a bound) even when the test failed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ControlClient } from '../../pipeline/control/client.js';
import { BIN, ROOT, type CliResult } from './cli.js';

export class TestDaemon {
  readonly socket: string;
  readonly logFile: string;
  readonly exited: Promise<number | null>;
  private constructor(readonly child: ChildProcess, readonly dir: string, readonly client: ControlClient) {
    this.socket = path.join(dir, 'wx.sock');
    this.logFile = path.join(dir, 'daemon.log');
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null) resolve(child.exitCode);
      else child.on('exit', (code) => resolve(code));
    });
  }

  /**
   * Writes dir/pipeline.json, starts the daemon (with extra serve options,
   * under a wrapper command such as setpriv when given) and connects (bounded wait).
   */
  static async start(dir: string, config: unknown, timeoutMs = 30_000, serveArgs: string[] = [], wrap: string[] = []): Promise<TestDaemon> {
    const cfg = path.join(dir, 'pipeline.json');
    fs.writeFileSync(cfg, JSON.stringify(config));
    const socket = path.join(dir, 'wx.sock');
    const log = fs.openSync(path.join(dir, 'daemon.log'), 'w');
    const argv = [process.execPath, BIN, 'serve', '--config', cfg, '--socket', socket, ...serveArgs];
    const cmd = [...wrap, ...argv];
    const child = spawn(cmd[0], cmd.slice(1), { cwd: ROOT, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the daemon exited (${child.exitCode}): ${fs.readFileSync(path.join(dir, 'daemon.log'), 'utf8')}`);
      const client = await ControlClient.connect(socket).catch(() => null);
      if (client) return new TestDaemon(child, dir, client);
      if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error('the daemon did not listen in time'); }
      await sleep(100);
    }
  }

  /** Runs the wasmxdp CLI against this daemon's socket. */
  cli(args: string[]): CliResult {
    const r = spawnSync(process.execPath, [BIN, ...args, '--socket', this.socket], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  /** SIGTERM, then SIGKILL if it has not exited within timeoutMs; resolves with the exit code. */
  async stop(timeoutMs = 15_000): Promise<number | null | 'killed'> {
    this.client.close();
    if (this.child.exitCode !== null) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const code = await Promise.race([this.exited, sleep(timeoutMs).then(() => 'timeout' as const)]);
    if (code !== 'timeout') return code;
    this.child.kill('SIGKILL');
    await this.exited;
    return 'killed';
  }

  log(): string {
    return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8') : '';
  }
}

/**
 * A live suite's teardown: stops the daemon, removes the test's namespaces and
 * veths, prints the daemon's log (as comments) and removes the directory.
 */
export async function teardownDaemon(daemon: TestDaemon | null, lab: { destroy(): void } | undefined, dir: string): Promise<void> {
  await daemon?.stop();
  lab?.destroy();
  if (daemon) process.stdout.write(`# daemon log:\n${daemon.log().replace(/^/gm, '#   ')}\n`);
  fs.rmSync(dir, { recursive: true, force: true });
}
