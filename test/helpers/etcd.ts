// A real etcd (Debian etcd-server) for the fleet suites: one member on
// 127.0.0.1 with free ports, a temporary data directory, its output in a log
// file; stopped (SIGKILL after a bound) and removed afterwards. restart()
// stops it and starts it again on the same ports and data.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

export class TestEtcd {
  private child: ChildProcess | null = null;
  readonly url: string;
  private constructor(readonly dir: string, readonly clientPort: number, readonly peerPort: number) {
    this.url = `http://127.0.0.1:${clientPort}`;
  }

  static async start(): Promise<TestEtcd> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-etcd-'));
    const e = new TestEtcd(dir, await freePort(), await freePort());
    await e.launch();
    return e;
  }

  private async launch(): Promise<void> {
    const peer = `http://127.0.0.1:${this.peerPort}`;
    const log = fs.openSync(path.join(this.dir, 'etcd.log'), 'a');
    this.child = spawn('etcd', [
      '--name', 'wx', '--data-dir', path.join(this.dir, 'data'),
      '--listen-client-urls', this.url, '--advertise-client-urls', this.url,
      '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `wx=${peer}`,
      '--log-level', 'warn',
    ], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`etcd exited (${this.child.exitCode}): ${this.log()}`);
      const ok = await fetch(`${this.url}/health`).then((r) => r.ok).catch(() => false);
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`etcd did not become healthy in time: ${this.log()}`);
      await sleep(100);
    }
  }

  /** Stops etcd (SIGTERM, SIGKILL after 5 s). */
  async stop(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((resolve) => c.once('exit', resolve));
    c.kill('SIGTERM');
    if (await Promise.race([exited.then(() => true), sleep(5000).then(() => false)])) return;
    c.kill('SIGKILL');
    await exited;
  }

  async restart(downMs = 0): Promise<void> {
    await this.stop();
    if (downMs) await sleep(downMs);
    await this.launch();
  }

  /** A Prometheus figure from etcd's /metrics (summed over its label sets). */
  async metric(name: string): Promise<number> {
    const text = await (await fetch(`${this.url}/metrics`)).text();
    let sum = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith(name + ' ') || line.startsWith(name + '{')) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return sum;
  }

  log(): string {
    const f = path.join(this.dir, 'etcd.log');
    return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').slice(-4000) : '';
  }

  async destroy(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
