// A fleet for tests and the benchmark: a real etcd (TestEtcd) and N
// `wasmxdp serve --fleet` daemons, node i on its own veth whose peer end is
// in a namespace of its own, all made by a NetLab and removed afterwards.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compileHandlerCached } from '../../host/compile.js';
import { BIN, ROOT, type CliResult } from './cli.js';
import { TestDaemon } from './daemon.js';
import { TestEtcd } from './etcd.js';
import { NetLab, type Veth } from './netns.js';

export interface FleetNode { name: string; dir: string; veth: Veth; peerNs: string; daemon: TestDaemon }

export interface FleetRigOptions {
  nodes: number;
  /** Test guests (test/pipeline/guests/<name>.ts) to compile; the first is the config's program. */
  guests: string[];
  health?: { packets: number; ms: number };
  /** Lease TTL of the nodes, seconds. */
  ttl?: number;
}

export class FleetRig {
  readonly nodes: FleetNode[] = [];
  readonly wasm: Record<string, string> = {};
  private constructor(readonly tmp: string, readonly lab: NetLab, readonly etcd: TestEtcd, private readonly opts: FleetRigOptions) {}

  static async start(opts: FleetRigOptions): Promise<FleetRig> {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-fleet-'));
    const lab = new NetLab();
    let etcd: TestEtcd | null = null;
    try {
      etcd = await TestEtcd.start();
      const rig = new FleetRig(tmp, lab, etcd, opts);
      for (const g of opts.guests) {
        rig.wasm[g] = path.join(tmp, `${g}.wasm`);
        fs.writeFileSync(rig.wasm[g], await compileHandlerCached(path.join(ROOT, 'test/pipeline/guests', `${g}.ts`)));
      }
      for (let i = 0; i < opts.nodes; i++) {
        const peerNs = lab.addNetns();
        const veth = lab.addVeth({ peerNs });
        const dir = path.join(tmp, `edge-${i}`);
        fs.mkdirSync(dir);
        rig.nodes.push({ name: `edge-${i}`, dir, veth, peerNs, daemon: null as unknown as TestDaemon });
      }
      try {
        // A few at a time: each start compiles nothing but loads and validates its module.
        for (let i = 0; i < rig.nodes.length; i += 4) await Promise.all(rig.nodes.slice(i, i + 4).map((n) => rig.startNode(n)));
      } catch (e) {
        await rig.destroy();
        throw e;
      }
      return rig;
    } catch (e) {
      lab.destroy();
      await etcd?.destroy();
      fs.rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
  }

  config(n: FleetNode): unknown {
    return { ports: [{ name: 'edge', iface: n.veth.name, queue: 0, mode: 'skb', program: { path: this.wasm[this.opts.guests[0]], health: this.opts.health ?? { packets: 0, ms: 300 } } }], readTimeoutMs: 2000 };
  }

  /** Starts (or starts again) node n's daemon on its config. */
  async startNode(n: FleetNode): Promise<void> {
    n.daemon = await TestDaemon.start(n.dir, this.config(n), 30_000, ['--fleet', this.etcd.url, '--node', n.name, '--fleet-ttl', String(this.opts.ttl ?? 2)]);
  }

  async kill(n: FleetNode): Promise<void> {
    n.daemon.client.close();
    n.daemon.child.kill('SIGKILL');
    await n.daemon.exited;
  }

  /** `wasmxdp fleet ...` against this rig's etcd, run asynchronously (several may run at once). */
  fleet(args: string[], timeoutMs = 120_000): Promise<CliResult> {
    const child = spawn(process.execPath, [BIN, 'fleet', ...args, '--fleet', this.etcd.url], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    return new Promise((resolve) => child.on('close', (code) => { clearTimeout(timer); resolve({ status: code ?? -1, stdout, stderr }); }));
  }

  async destroy(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.daemon?.stop()));
    this.lab.destroy();
    const logs = this.nodes.map((n) => `# ${n.name} log:\n${(n.daemon?.log() ?? '').split('\n').slice(-15).join('\n').replace(/^/gm, '#   ')}`).join('\n');
    if (process.env.WASMXDP_FLEET_LOGS) process.stdout.write(`${logs}\n# etcd log:\n${this.etcd.log().replace(/^/gm, '#   ')}\n`);
    await this.etcd.destroy();
    fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}
