// The live benchmark's network: two namespaces of its own joined by one veth
// pair (NetLab: unique names, deleted even on failure). The receiver end `a`
// sits in `rx`, the sender end `b` in `tx`; frames go only from b to a (and
// back, for reflect). Also the sender (trafgen, bounded in count and time),
// the frame it repeats, and process CPU time from /proc.
import { ChildProcess, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NetLab, Veth } from '../../helpers/netns.js';
import { eth, ipv4, udp } from '../../helpers/packets.js';

export const RX_ADDR = '10.203.0.1', TX_ADDR = '10.203.0.2';

export interface BenchLab { lab: NetLab; rx: string; tx: string; veth: Veth }

export function createLab(): BenchLab {
  const lab = new NetLab();
  const rx = lab.addNetns(), tx = lab.addNetns();
  const veth = lab.addVeth({ ns: rx, peerNs: tx, addr: `${RX_ADDR}/24`, peerAddr: `${TX_ADDR}/24` });
  return { lab, rx, tx, veth };
}

/** A 60-byte IPv4 UDP frame from b to a (64 on the wire with the FCS), valid checksums. */
export function benchFrame(l: BenchLab, dport: number): Uint8Array {
  return eth({ src: l.veth.peerMac, dst: l.veth.mac },
    ipv4({ src: TX_ADDR, dst: RX_ADDR }, udp({ sport: 40000, dport }, new Uint8Array(18))));
}

/** Sends `count` copies of `frame` from b, at full rate or `pps`; resolves with the seconds it took. */
export async function flood(l: BenchLab, frame: Uint8Array, count: number, timeoutS: number, pps?: number): Promise<number> {
  const cfg = path.join(os.tmpdir(), `wxbench-${process.pid}-${l.lab.id}.cfg`);
  fs.writeFileSync(cfg, `{ ${[...frame].map((b) => '0x' + b.toString(16).padStart(2, '0')).join(', ')} }\n`);
  try {
    const t0 = process.hrtime.bigint();
    // --no-sock-mem: leave the socket memory sysctls alone; timeout bounds it in time, -n in count.
    const child = l.lab.spawn(l.tx, 'timeout', [String(timeoutS), 'trafgen', '--no-sock-mem', '-q', '--cpus', '1',
      '-n', String(count), '-i', cfg, '-o', l.veth.peer, ...(pps ? ['-b', `${pps}pps`] : [])]);
    const code = await exited(child);
    if (code !== 0) throw new Error(`trafgen exited with ${code}`);
    return Number(process.hrtime.bigint() - t0) / 1e9;
  } finally {
    fs.rmSync(cfg, { force: true });
  }
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.on('close', (code, sig) => resolve(code ?? (sig ? 128 : null))));
}

/** Resolves when `text` appears in the child's stderr (or stdout), rejects after timeoutMs. */
export function waitFor(child: ChildProcess, text: string | RegExp, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no "${text}" within ${timeoutMs} ms: ${seen.slice(-400)}`)), timeoutMs);
    const on = (d: Buffer) => {
      seen += d;
      if (typeof text === 'string' ? seen.includes(text) : text.test(seen)) { clearTimeout(timer); resolve(); }
    };
    child.stderr?.on('data', on);
    child.stdout?.on('data', on);
    child.on('close', () => { clearTimeout(timer); reject(new Error(`exited before "${text}": ${seen.slice(-400)}`)); });
  });
}

/** User + system CPU seconds of a process (all its threads) so far; 0 if gone. */
export function cpuSeconds(pid: number | undefined): number {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;  // utime, stime in USER_HZ (100)
  } catch { return 0; }
}

/** Frames the sender end received (reflected traffic). */
export function txEndRxPackets(l: BenchLab): number {
  const r = spawnSync('ip', ['-n', l.tx, '-s', '-j', 'link', 'show', 'dev', l.veth.peer], { encoding: 'utf8', timeout: 10000 });
  return JSON.parse(r.stdout)[0].stats64.rx.packets;
}
