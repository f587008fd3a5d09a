// Traffic for live tests: raw frames sent and captured inside a lab namespace
// with native/build/tools/wx-pkt (AF_PACKET), and a bounded receive/verdict
// pump over an XskPortSet. Every loop is bounded in count and time.
import { setImmediate as tick } from 'node:timers/promises';
import type { ChildProcess } from 'node:child_process';
import type { Batch } from '../../host/batch.js';
import type { XskPortSet } from '../../native/index.js';
import type { NetLab } from './netns.js';
import { WX_PKT } from './live.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function collect(child: ChildProcess): Promise<{ code: number | null; out: string; err: string }> {
  let out = '', err = '';
  child.stdout?.on('data', (d) => { out += d; });
  child.stderr?.on('data', (d) => { err += d; });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })));
}

/** Sends `count` frames (cycling through `frames`) from ifname in ns; resolves with the number sent. */
export function sendFrames(lab: NetLab, ns: string, ifname: string, frames: Uint8Array[], count: number,
  opts: { seqOffset?: number; gapUs?: number } = {}): Promise<number> {
  const child = lab.spawn(ns, WX_PKT, ['send', ifname, String(count), String(opts.seqOffset ?? -1), String(opts.gapUs ?? 0), ...frames.map(hex)]);
  return collect(child).then(({ code, out, err }) => {
    if (code !== 0) throw new Error(`wx-pkt send failed (${code}): ${err}`);
    return Number(out.trim());
  });
}

export interface Capture { ready: Promise<void>; frames: Promise<Uint8Array[]> }

/** Captures up to `max` incoming frames on ifname in ns for at most timeoutMs. */
export function capture(lab: NetLab, ns: string, ifname: string, max: number, timeoutMs: number, etherType?: number): Capture {
  const args = ['recv', ifname, String(max), String(timeoutMs)];
  if (etherType !== undefined) args.push(etherType.toString(16));
  const child = lab.spawn(ns, WX_PKT, args);
  const ready = new Promise<void>((resolve, reject) => {
    child.stderr?.on('data', (d) => { if (String(d).includes('ready')) resolve(); });
    child.on('close', () => reject(new Error('wx-pkt recv exited before it was ready')));
  });
  ready.catch(() => {});
  const frames = collect(child).then(({ code, out, err }) => {
    if (code !== 0) throw new Error(`wx-pkt recv failed (${code}): ${err}`);
    return out.split('\n').filter(Boolean).map((l) => new Uint8Array(Buffer.from(l, 'hex')));
  });
  return { ready, frames };
}

/** Verdict writer: fills batch.action/target/outAddr/outLen for entry i. Default: DROP. */
export type Verdict = (batch: Batch, i: number) => void;

export const drop: Verdict = (b, i) => { b.action[i] = 1; b.outAddr[i] = b.addr[i]; b.outLen[i] = b.len[i]; };

export interface PumpResult { received: number; bursts: number }

/**
 * Receives and applies verdicts until `until()` holds or timeoutMs passes,
 * yielding to the event loop between bursts (child processes keep running).
 * onFrame sees every frame before its verdict.
 */
export async function pump(set: XskPortSet, batch: Batch, opts: {
  until: (received: number) => boolean; timeoutMs: number; verdict?: Verdict;
  onFrame?: (batch: Batch, i: number) => void; pollMs?: number; maxBurst?: number;
  /** Apply each burst's verdicts through the next receive() call (as the burst loop does), the last with receive(0, 0, n). */
  fused?: boolean;
}): Promise<PumpResult> {
  const verdict = opts.verdict ?? drop;
  const deadline = Date.now() + opts.timeoutMs;
  let received = 0, bursts = 0, judged = 0;
  while (!opts.until(received) && Date.now() < deadline) {
    const n = set.receive(opts.maxBurst ?? batch.addr.length, opts.pollMs ?? 5, judged);
    judged = 0;
    if (n > 0) {
      bursts++;
      for (let i = 0; i < n; i++) { opts.onFrame?.(batch, i); verdict(batch, i); }
      if (opts.fused) judged = n; else set.apply(n);
      received += n;
    }
    await tick();
  }
  if (judged) set.receive(0, 0, judged);
  return { received, bursts };
}
