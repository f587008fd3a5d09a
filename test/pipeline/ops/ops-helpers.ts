// What the operations suites share: a test frame, waiting with a bound, the
// metrics address a daemon logged, and a serve on veths in a lab namespace.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compileHandlerCached } from '../../../host/compile.js';
import { BIN, ROOT } from '../../helpers/cli.js';
import { TestDaemon } from '../../helpers/daemon.js';
import { NetLab, type Veth } from '../../helpers/netns.js';
import { experimentalFrame } from '../../helpers/packets.js';
import { waitFor } from '../../helpers/wait.js';

export { waitFor };

/** A raw frame to the veth's own MAC with a local-experimental EtherType: nothing else looks at it. */
export const rawFrame = (veth: Veth): Uint8Array => experimentalFrame(veth.mac, veth.peerMac);



/** The URL of the daemon's /metrics, from its log line (the config asked for port 0). */
export function metricsUrl(daemon: TestDaemon): Promise<string> {
  return waitFor('the metrics log line', () => /metrics on (http:\/\/\S+\/metrics)/.exec(daemon.log())?.[1]);
}

/** A `wasmxdp serve` on veths in a lab namespace, with its programs compiled into a temporary directory. */
export interface ServeLab { tmp: string; lab: NetLab; veths: Veth[]; peerNs: string; daemon: TestDaemon; wasm: Record<string, string> }

/**
 * Compiles the test guests named, makes `veths` veth pairs (peers in one
 * namespace) and starts serve on config(wasm, veths) with extra serve options.
 */
export async function startServeLab(guests: string[], config: (wasm: Record<string, string>, veths: Veth[]) => unknown, opts: { veths?: number; serveArgs?: string[] } = {}): Promise<ServeLab> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-ops-'));
  const wasm: Record<string, string> = {};
  for (const g of guests) {
    wasm[g] = path.join(tmp, `${g}.wasm`);
    fs.writeFileSync(wasm[g], await compileHandlerCached(path.join(ROOT, 'test/pipeline/guests', `${g}.ts`)));
  }
  const lab = new NetLab();
  const peerNs = lab.addNetns();
  const veths = Array.from({ length: opts.veths ?? 1 }, () => lab.addVeth({ peerNs }));
  const daemon = await TestDaemon.start(tmp, config(wasm, veths), 30_000, opts.serveArgs ?? []);
  return { tmp, lab, veths, peerNs, daemon, wasm };
}

/** Stops the daemon, removes the lab and the directory; prints the daemon's log (as test comments). */
export async function stopServeLab(s: ServeLab | null): Promise<void> {
  if (!s) return;
  await s.daemon.stop();
  s.lab.destroy();
  process.stdout.write(`# daemon log:\n${s.daemon.log().replace(/^/gm, '#   ')}\n`);
  fs.rmSync(s.tmp, { recursive: true, force: true });
}

/** Starts `wasmxdp capture --port edge` against the daemon's socket; `ready` once it said it is writing. */
export function startCapture(socket: string, args: string[]): { ready: Promise<void>; done: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn(process.execPath, [BIN, 'capture', '--port', 'edge', '--socket', socket, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let ready!: () => void;
  const readyP = new Promise<void>((r) => { ready = r; });
  child.stderr.on('data', (d) => { stderr += d; if (stderr.includes('writing')) ready(); });
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('close', (code) => { ready(); resolve({ code, stderr }); }));
  setTimeout(() => child.kill('SIGKILL'), 60_000).unref();
  return { ready: readyP, done };
}
