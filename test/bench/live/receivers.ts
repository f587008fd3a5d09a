// The receivers the live benchmark compares, each started on the lab's
// receiving end and stopped after the flood: an in-kernel XDP_DROP program,
// the plain-C AF_XDP loop (native/build/tools/xsk-drop), wasmxdp with a
// handler (the CLI, as a user runs it) and a Node dgram socket.
import { spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../host/compile.js';
import { NATIVE_DIR } from '../../../native/index.js';
import { BUILD } from '../ebpf.js';
import { BenchLab, RX_ADDR, cpuSeconds, exited, onReceiverCore, waitFor } from './lab.js';

export type Mode = 'skb' | 'drv';

export interface Stopped { received: number; cpuSeconds: number; summary?: LiveSummary }
/** pid: the receiving process (null: the kernel). */
export interface Running { pid: number | null; stop(): Promise<Stopped> }
/** The parts of `wasmxdp run --json`'s summary the benchmark reads (pipeline/live/live-figures.ts). */
export interface LiveSummary { packets: number; socket: Record<string, number>; applied: Record<string, number> }
export type Receiver = (l: BenchLab, mode: Mode, maxSeconds: number) => Promise<Running>;

export const XSK_DROP = path.join(NATIVE_DIR, 'build/tools/xsk-drop');
const WASMXDP = path.join(PROJECT_ROOT, 'bin/wasmxdp.js');
const DGRAM = path.join(PROJECT_ROOT, 'dist/test/bench/live/dgram-recv.js');

function collect(child: ChildProcess): { out: () => string } {
  let out = '';
  child.stdout?.on('data', (d) => { out += d; });
  return { out: () => out };
}

function sh(args: string[]): string {
  const r = spawnSync(args[0], args.slice(1), { encoding: 'utf8', timeout: 15000 });
  if (r.status !== 0) throw new Error(`${args.join(' ')}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

/** Attaches test/bench/bpf/xdp-drop.c to `dev` in `ns` with ip(8); returns its counter and the detach. */
export function attachXdpDrop(ns: string, dev: string, mode: Mode): { count: () => number; detach: () => void } {
  const flag = mode === 'skb' ? 'xdpgeneric' : 'xdpdrv';
  sh(['ip', '-n', ns, 'link', 'set', 'dev', dev, flag, 'obj', path.join(BUILD, 'xdp-drop.o'), 'sec', 'xdp']);
  const count = (): number => {
    const link = JSON.parse(sh(['ip', '-n', ns, '-j', 'link', 'show', 'dev', dev]))[0];
    const progId = link.xdp?.prog?.id ?? link.xdp?.progs?.[0]?.id;
    const prog = JSON.parse(sh(['bpftool', '-j', 'prog', 'show', 'id', String(progId)]));
    const v = JSON.parse(sh(['bpftool', '-j', 'map', 'lookup', 'id', String(prog.map_ids[0]), 'key', '0', '0', '0', '0']));
    if (typeof v.value === 'number') return v.value;
    if (typeof v.formatted?.value === 'number') return v.formatted.value;
    return Number(Buffer.from((v.value as string[]).map((x) => parseInt(x, 16))).readBigUInt64LE());
  };
  return { count, detach: () => { sh(['ip', '-n', ns, 'link', 'set', 'dev', dev, flag, 'off']); } };
}

/** In-kernel XDP_DROP (test/bench/bpf/xdp-drop.c) attached with ip(8); counts in an array map. */
export const kernelDrop: Receiver = async (l, mode) => {
  const prog = attachXdpDrop(l.rx, l.veth.name, mode);
  const before = prog.count();
  return {
    pid: null,
    async stop() {
      const received = prog.count() - before;
      prog.detach();
      return { received, cpuSeconds: 0 };
    },
  };
};

/** native/build/tools/xsk-drop, dropping or reflecting (MACs swapped). */
export function cAfXdp(reflect: boolean): Receiver {
  return async (l, mode, maxSeconds) => {
    const args = [l.veth.name, '--seconds', String(maxSeconds)];
    if (mode === 'drv') args.push('--drv');
    if (reflect) args.push('--reflect');
    // The previous receiver's AF_XDP socket is released by the kernel a
    // moment after its process exits; until then binding queue 0 gives EBUSY.
    let child!: ReturnType<typeof l.lab.spawn>, out!: ReturnType<typeof collect>;
    for (let attempt = 1; ; attempt++) {
      child = l.lab.spawn(l.rx, ...onReceiverCore(XSK_DROP, args));
      out = collect(child);
      try {
        // It prints "rx <total> pps <rate>" every second, the first once set up.
        await waitFor(child, /^rx \d+/m, 10000);
        break;
      } catch (e) {
        if (attempt >= 20 || !/resource busy/.test((e as Error).message)) throw e;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    const cpu0 = cpuSeconds(child.pid);
    return {
      pid: child.pid!,
      async stop() {
        // One more line after the drain, so the total includes everything.
        const lines = () => out.out().split('\n').filter((s) => s.startsWith('rx '));
        const n0 = lines().length;
        for (let i = 0; i < 30 && lines().length <= n0; i++) await new Promise((r) => setTimeout(r, 100));
        const last = lines().at(-1) ?? 'rx 0';
        const cpu = cpuSeconds(child.pid) - cpu0;
        child.kill('SIGKILL');
        await exited(child);
        return { received: Number(last.split(' ')[1]), cpuSeconds: cpu };
      },
    };
  };
}

/** `wasmxdp run <handler> --iface a --json`, one worker on queue 0 (or one per queue: 'all'), on the receiver's core unless !pin. */
export function wasmxdp(handler: string, metering: boolean, queue: number | 'all' = 0, pin = true): Receiver {
  return async (l, mode, maxSeconds) => {
    const args = [WASMXDP, 'run', path.join(PROJECT_ROOT, handler), '--iface', l.veth.name, '--mode', mode,
      '--duration', String(maxSeconds), '--json', '--queue', String(queue)];
    if (!metering) args.push('--unmetered');
    const child = l.lab.spawn(l.rx, ...(pin ? onReceiverCore(process.execPath, args) : [process.execPath, args] as [string, string[]]));
    const out = collect(child);
    await waitFor(child, 'attached', 60000);
    const cpu0 = cpuSeconds(child.pid);
    return {
      pid: child.pid!,
      async stop() {
        const cpu = cpuSeconds(child.pid) - cpu0;
        child.kill('SIGTERM');
        const code = await Promise.race([exited(child), new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15000))]);
        if (code === 'timeout') { child.kill('SIGKILL'); throw new Error(`wasmxdp ${handler} did not stop`); }
        const line = out.out().trim().split('\n').filter((s) => s.startsWith('{')).at(-1);
        if (!line) throw new Error(`wasmxdp ${handler} printed no summary (exit ${code}): ${out.out().slice(-300)}`);
        const s = JSON.parse(line);
        if (s.error) throw new Error(`wasmxdp ${handler}: ${s.error}`);
        return { received: s.packets, cpuSeconds: cpu, summary: s };
      },
    };
  };
}

/** A Node dgram socket bound to the receiver's address, port 9. */
export const nodeDgram: Receiver = async (l, _mode, maxSeconds) => {
  const child = l.lab.spawn(l.rx, ...onReceiverCore(process.execPath, [DGRAM, RX_ADDR, '9', '700', String(maxSeconds * 1000)]));
  const out = collect(child);
  await waitFor(child, 'ready', 15000);
  const cpu0 = cpuSeconds(child.pid);
  let cpu = 0;
  const poll = setInterval(() => { const c = cpuSeconds(child.pid); if (c) cpu = c - cpu0; }, 50);
  return {
    pid: child.pid!,
    async stop() {
      const code = await Promise.race([exited(child), new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), (maxSeconds + 5) * 1000))]);
      clearInterval(poll);
      if (code === 'timeout') child.kill('SIGKILL');
      return { received: Number(out.out().trim()) || 0, cpuSeconds: cpu };
    },
  };
};

/** wasmxdp with a PASS-only guest in front of a Node dgram socket: every frame reinjected into the stack (AF_PACKET + tc mirred, one sendmmsg per burst); received = what the socket got. */
export const wasmxdpPassToDgram: Receiver = async (l, mode, maxSeconds) => {
  const sock = await nodeDgram(l, mode, maxSeconds);
  const pass = await wasmxdp('test/bench/guests/pass.ts', false)(l, mode, maxSeconds);
  return {
    pid: pass.pid,
    async stop() {
      const p = await pass.stop();
      const d = await sock.stop();
      return { received: d.received, cpuSeconds: p.cpuSeconds, summary: p.summary };
    },
  };
};
