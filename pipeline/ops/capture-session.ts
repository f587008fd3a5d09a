// Live captures the daemon runs for `wasmxdp capture`: one per port at a
// time, a ring per queue, drained by the client's capture.read requests. A
// session nobody reads for IDLE_MS is stopped, so a client that vanished
// leaves no capture running.

import { WasmxdpError } from '../../host/errors.js';
import { Action, ACTION_NAMES } from '../../host/abi.js';
import { CaptureRing } from '../capture/capture-ring.js';

export const VERDICT_NAMES = ACTION_NAMES;
const RING_BYTES = 4 * 1024 * 1024;
const IDLE_MS = 10_000;
const MAX_READ = 2000;

export interface CapturePort {
  name: string;
  owner: string;
  queues: number[];
  setCapture(rings: Map<number, SharedArrayBuffer> | null, verdictMask: number, snaplen: number): Promise<unknown>;
}

interface Session { id: number; port: CapturePort; owner: string; rings: Map<number, CaptureRing>; lastRead: number; timer: NodeJS.Timeout }

export class CaptureSessions {
  private readonly sessions = new Map<number, Session>();
  private nextId = 1;

  async start(port: CapturePort, tenant: string, verdicts: unknown, snaplen: unknown): Promise<unknown> {
    if (verdicts !== undefined && (!Array.isArray(verdicts) || verdicts.some((v) => typeof v !== 'string'))) throw new WasmxdpError('E_USAGE', 'capture.start: args.verdicts must be a list of verdict names');
    if ([...this.sessions.values()].some((s) => s.port === port)) throw new WasmxdpError('E_USAGE', `a capture is already running on port ${port.name}; one at a time`);
    let mask = 0;
    for (const v of (verdicts as string[] | undefined) ?? VERDICT_NAMES) {
      const i = (VERDICT_NAMES as readonly string[]).indexOf(v);
      if (i < 0) throw new WasmxdpError('E_USAGE', `capture: unknown verdict '${v}'; verdicts are ${VERDICT_NAMES.join(', ')}`);
      mask |= 1 << i;
    }
    const snap = snaplen ?? 65535;
    if (typeof snap !== 'number' || !Number.isInteger(snap) || snap < 1 || snap > 65535) throw new WasmxdpError('E_USAGE', `capture: snaplen must be 1-65535, got ${snaplen}`);
    const rings = new Map(port.queues.map((q) => [q, CaptureRing.create(RING_BYTES)]));
    await port.setCapture(new Map([...rings].map(([q, r]) => [q, r.sab])), mask, snap);
    const id = this.nextId++;
    const s: Session = { id, port, owner: tenant, rings, lastRead: Date.now(), timer: setInterval(() => { if (Date.now() - s.lastRead > IDLE_MS) void this.stop(id, tenant); }, 1000) };
    s.timer.unref();
    this.sessions.set(id, s);
    return { id, port: port.name, queues: port.queues, verdicts: VERDICT_NAMES.filter((_, i) => (mask >> i) & 1), snaplen: snap };
  }

  private session(id: unknown, tenant: string): Session {
    const s = typeof id === 'number' ? this.sessions.get(id) : undefined;
    if (!s || s.owner !== tenant) throw new WasmxdpError('E_NOT_FOUND', `no capture session ${String(id)} (stopped after ${IDLE_MS / 1000} s without a read?)`);
    return s;
  }

  read(id: unknown, tenant: string): unknown {
    const s = this.session(id, tenant);
    s.lastRead = Date.now();
    const frames = [];
    for (const [queue, ring] of s.rings) {
      for (const f of ring.drain(MAX_READ - frames.length)) frames.push({ queue, ...f, verdictName: VERDICT_NAMES[f.verdict] ?? String(f.verdict), redirect: f.verdict === Action.REDIRECT });
    }
    frames.sort((a, b) => a.tsMs - b.tsMs);
    return { frames, ...this.counts(s) };
  }

  private counts(s: Session): { captured: number; dropped: number } {
    let captured = 0, dropped = 0;
    for (const r of s.rings.values()) { captured += r.captured; dropped += r.dropped; }
    return { captured, dropped };
  }

  async stop(id: unknown, tenant: string): Promise<unknown> {
    const s = this.session(id, tenant);
    this.sessions.delete(s.id);
    clearInterval(s.timer);
    await s.port.setCapture(null, 0, 0).catch(() => {});
    return { id: s.id, ...this.counts(s) };
  }

  async stopAll(): Promise<void> {
    for (const s of [...this.sessions.values()]) await this.stop(s.id, s.owner);
  }
}
