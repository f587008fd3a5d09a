// The main-thread side of a live run: one worker per queue (each with its own
// sandbox memory and UMEM), their latest figures, and an orderly stop.

import { Worker } from 'node:worker_threads';
import { WasmxdpError, ErrorCode } from '../../host/errors.js';
import type { ProgramBytes } from '../program/load-program.js';
import type { ProgramOptions } from '../program/create-sandbox.js';
import { checkInterface, rxQueueCount } from './interfaces.js';
import { CONTROL_WORDS, CTRL_STOP, LivePortSpec, WorkerInit, WorkerMessage, WorkerStats } from './worker-protocol.js';

export interface LiveOptions {
  ifaces: string[];
  /** A queue index, or 'all': one worker per rx queue of the first interface. */
  queue: number | 'all';
  mode: 'skb' | 'drv';
  force?: boolean;
  frameSize?: 2048 | 4096;
  statsIntervalMs?: number;
  program: ProgramOptions;
}

interface WorkerHandle {
  worker: Worker;
  control: Int32Array;
  queue: number;
  latest: WorkerStats | null;
  exited: Promise<void>;
}

const STOP_TIMEOUT_MS = 5000;

export class LivePipeline {
  private handles: WorkerHandle[] = [];
  private onStats: (queue: number, s: WorkerStats) => void = () => {};
  private failure: WasmxdpError | null = null;

  private constructor(private readonly program: ProgramBytes, private readonly opts: LiveOptions) {}

  /** Starts the workers and resolves once every port is attached and receiving. */
  static async start(program: ProgramBytes, opts: LiveOptions, onStats?: (queue: number, s: WorkerStats) => void): Promise<LivePipeline> {
    if (opts.ifaces.length === 0) throw new WasmxdpError('E_USAGE', 'give at least one interface');
    opts.ifaces.forEach(checkInterface);
    const p = new LivePipeline(program, opts);
    if (onStats) p.onStats = onStats;
    const queues = opts.queue === 'all' ? [...Array(rxQueueCount(opts.ifaces[0])).keys()] : [opts.queue];
    try {
      // Workers attach one after another: the first attaches the XDP program.
      for (const q of queues) await p.spawn(q);
    } catch (e) {
      await p.stop();
      throw e;
    }
    return p;
  }

  get queues(): number[] { return this.handles.map((h) => h.queue); }

  /** Latest figures of every worker. */
  latest(): (WorkerStats | null)[] { return this.handles.map((h) => h.latest); }

  /** Set when a worker failed after start. */
  get error(): WasmxdpError | null { return this.failure; }

  private spawn(queue: number): Promise<void> {
    const control = new SharedArrayBuffer(4 * CONTROL_WORDS);
    const ports: LivePortSpec[] = this.opts.ifaces.map((ifname) => ({ ifname, queue, mode: this.opts.mode, force: this.opts.force }));
    const init: WorkerInit = {
      programName: this.program.name,
      programBytes: this.program.bytes,
      programOptions: this.opts.program,
      ports,
      frameSize: this.opts.frameSize ?? 2048,
      control,
      statsIntervalMs: this.opts.statsIntervalMs ?? 1000,
    };
    const worker = new Worker(new URL('./port-worker.js', import.meta.url), { workerData: init });
    let exitResolve!: () => void;
    const handle: WorkerHandle = { worker, control: new Int32Array(control), queue, latest: null, exited: new Promise((r) => { exitResolve = r; }) };
    this.handles.push(handle);
    return new Promise((resolve, reject) => {
      let ready = false;
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'ready') { ready = true; resolve(); }
        else if (m.type === 'error') {
          const err = new WasmxdpError(m.code as ErrorCode, m.message);
          if (!ready) reject(err); else this.failure ??= err;
        } else if (m.type === 'stats') {
          handle.latest = m;
          this.onStats(queue, m);
        }
      });
      worker.on('error', (e) => {
        const err = new WasmxdpError('E_SOCKET', `queue ${queue} worker failed: ${e.message}`);
        if (!ready) reject(err); else this.failure ??= err;
      });
      worker.on('exit', () => {
        exitResolve();
        if (!ready) reject(this.failure ?? new WasmxdpError('E_SOCKET', `queue ${queue} worker exited before it was ready`));
      });
    });
  }

  /** Asks every worker to stop, waits for their final figures and detach. */
  async stop(): Promise<(WorkerStats | null)[]> {
    for (const h of this.handles) Atomics.store(h.control, CTRL_STOP, 1);
    await Promise.all(this.handles.map((h) => Promise.race([
      h.exited,
      new Promise<void>((r) => setTimeout(r, STOP_TIMEOUT_MS).unref()),
    ])));
    for (const h of this.handles) await h.worker.terminate();
    return this.latest();
  }
}
