// The live benchmark's network: two namespaces of its own joined by one veth
// pair (NetLab: unique names, deleted even on failure). The receiver end `a`
// sits in `rx`, the sender end `b` in `tx`; frames go only from b to a (and
// back, for reflect). Also the sender (trafgen, bounded in count and time),
// the frame it repeats, and CPU time from /proc: per process, per thread
// (schedstat, nanoseconds) and per core (softirq).
import { ChildProcess, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NATIVE_DIR } from '../../../native/index.js';
import { NetLab, Veth } from '../../helpers/netns.js';
import { eth, ipv4, udp } from '../../helpers/packets.js';

export const RX_ADDR = '10.203.0.1', TX_ADDR = '10.203.0.2';

export interface BenchLab { lab: NetLab; rx: string; tx: string; veth: Veth }

// On two or more cores the receiver runs on core 1 and the sender (with the
// veth's generic-XDP work, done in its softirq) on core 0, so one cannot
// slow the other by sharing a core and the receiver's core's softirq time is
// the receiver's own (its TX work, reflected frames delivered to the peer).
const PINNED = os.cpus().length >= 2;
// trafgen pins its fork n to core n itself (overriding taskset): with one
// fork, the sender is on core 0.
export const RECEIVER_CPU = 1, SENDER_CPU = 0;

/** `cmd args` pinned to the receiver's core (when there are two). */
export function onReceiverCore(cmd: string, args: string[]): [string, string[]] {
  return PINNED ? ['taskset', ['-c', String(RECEIVER_CPU), cmd, ...args]] : [cmd, args];
}

export function createLab(queues = 1): BenchLab {
  const lab = new NetLab();
  const rx = lab.addNetns(), tx = lab.addNetns();
  const veth = lab.addVeth({ ns: rx, peerNs: tx, addr: `${RX_ADDR}/24`, peerAddr: `${TX_ADDR}/24`, queues });
  return { lab, rx, tx, veth };
}

/** A 60-byte IPv4 UDP frame from b to a (64 on the wire with the FCS), valid checksums. */
export function benchFrame(l: BenchLab, dport: number): Uint8Array {
  return eth({ src: l.veth.peerMac, dst: l.veth.mac },
    ipv4({ src: TX_ADDR, dst: RX_ADDR }, udp({ sport: 40000, dport }, new Uint8Array(18))));
}

// benchFrame's UDP source port and checksum.
const SPORT_AT = 34, UDP_CSUM_AT = 40;

/**
 * Sends `count` copies of `frame` from b, at full rate or `pps`; resolves with
 * the seconds it took. flows: a random UDP source port per frame (checksum 0,
 * "none" in IPv4), so the veth's queue hash spreads them over its queues.
 */
export async function flood(l: BenchLab, frame: Uint8Array, count: number, timeoutS: number, pps?: number, flows = false): Promise<number> {
  const cfg = path.join(os.tmpdir(), `wxbench-${process.pid}-${l.lab.id}.cfg`);
  const bytes = [...frame].map((b) => '0x' + b.toString(16).padStart(2, '0'));
  if (flows) {
    bytes[UDP_CSUM_AT] = bytes[UDP_CSUM_AT + 1] = '0x00';
    bytes.splice(SPORT_AT, 2, 'drnd(2)');
  }
  fs.writeFileSync(cfg, `{ ${bytes.join(', ')} }\n`);
  try {
    const t0 = process.hrtime.bigint();
    // --no-sock-mem: leave the socket memory sysctls alone; timeout bounds it in time, -n in count.
    const [cmd, args] = ['timeout', [String(timeoutS), 'trafgen', '--no-sock-mem', '-q', '--cpus', '1',
      '-n', String(count), '-i', cfg, '-o', l.veth.peer, ...(pps ? ['-b', `${pps}pps`] : [])]];
    const child = l.lab.spawn(l.tx, cmd, args);
    let err = '';
    child.stderr?.on('data', (d) => { err += d; });
    const code = await exited(child);
    if (code !== 0) throw new Error(`trafgen exited with ${code}: ${err.trim().slice(-300)}`);
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

/** On-CPU nanoseconds of every thread of a process (schedstat: user + system, ns resolution). */
export function threadCpuNs(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  let tids: string[] = [];
  try { tids = fs.readdirSync(`/proc/${pid}/task`); } catch { return out; }
  for (const t of tids) {
    try { out.set(Number(t), Number(fs.readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0])); } catch { /* exited */ }
  }
  return out;
}

/** The thread that ran most between two threadCpuNs() snapshots: the receiving thread (a worker, the dgram loop, the C loop). */
export function busiestThread(before: Map<number, number>, after: Map<number, number>): { tid: number; ns: number } | null {
  let best: { tid: number; ns: number } | null = null;
  for (const [tid, ns] of after) {
    const d = ns - (before.get(tid) ?? 0);
    if (!best || d > best.ns) best = { tid, ns: d };
  }
  return best;
}

/** One thread's on-CPU nanoseconds so far (NaN once it is gone). */
export function oneThreadNs(pid: number, tid: number): number {
  try { return Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]); } catch { return NaN; }
}

/** Softirq seconds of the receiver's core so far (/proc/stat, USER_HZ ticks); 0 when not pinned. */
export function receiverCoreSoftirqSeconds(): number {
  if (!PINNED) return 0;
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n').find((x) => x.startsWith(`cpu${RECEIVER_CPU} `));
  return line ? Number(line.trim().split(/\s+/)[7]) / 100 : 0;
}

/** Sends `count` copies of `frame` from b as fast as an AF_PACKET socket goes (wx-pkt), pinned to the sender's core. */
export function burst(l: BenchLab, frame: Uint8Array, count: number): void {
  const hex = Buffer.from(frame).toString('hex');
  const tool = path.join(NATIVE_DIR, 'build/tools/wx-pkt');
  const args = ['netns', 'exec', l.tx, ...(PINNED ? ['taskset', '-c', String(SENDER_CPU)] : []), tool, 'send', l.veth.peer, String(count), '-1', '0', hex];
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10000 });
  if (r.status !== 0) throw new Error(`wx-pkt send: ${(r.stderr || '').trim()}`);
}

/** Frames the sender end received (reflected traffic). */
export function txEndRxPackets(l: BenchLab): number {
  const r = spawnSync('ip', ['-n', l.tx, '-s', '-j', 'link', 'show', 'dev', l.veth.peer], { encoding: 'utf8', timeout: 10000 });
  return JSON.parse(r.stdout)[0].stats64.rx.packets;
}
