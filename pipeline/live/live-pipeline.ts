// The main-thread side of a live run: one worker per queue (each with its own
// sandbox memory and UMEM), their latest figures, and an orderly stop.

import { MessageChannel, MessagePort, Worker } from 'node:worker_threads';
import { WasmxdpError, ErrorCode } from '../../host/errors.js';
import type { ProgramBytes } from '../program/load-program.js';
import type { ProgramOptions } from '../program/create-sandbox.js';
import { checkInterface, rxQueueCount } from './interfaces.js';
import type { HealthEvent } from './control-messages.js';
import { RequestBody, WorkerRequests } from './worker-requests.js';
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
  /** Requests to the worker (swap, map, figures), polled by it between bursts. */
  requests: MessagePort;
  queue: number;
  latest: WorkerStats | null;
  exited: Promise<void>;
}

const STOP_TIMEOUT_MS = 5000;

export class LivePipeline {
  private handles: WorkerHandle[] = [];
  private onStats: (queue: number, s: WorkerStats) => void = () => {};
  private failure: WasmxdpError | null = null;
  private readonly requests = new WorkerRequests();
  /** A worker's log lines (guest log, trap reports), posted as they happen; the daemon puts them in its log. */
  onWorkerLog: (queue: number, line: string) => void = (_q, l) => { process.stderr.write(`${l}\n`); };
  /** Called when a worker that was running exits (not on stop()): the supervisor (ops/supervisor.ts) restarts it. */
  onWorkerExit: (queue: number, why: string) => void = () => {};
  private stopping = false;
  /** Called when a worker's health check of a swapped-in version ends. */
  onHealth: (queue: number, e: HealthEvent) => void = () => {};

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

  /** Sends a control request to every worker; resolves with their results in queue order. */
  request(body: RequestBody, timeoutMs = 10_000): Promise<unknown[]> {
    return Promise.all(this.handles.map((h) => this.requests.send(h.requests, h.queue, body, timeoutMs)));
  }

  /** Sends a control request to the worker of one queue. */
  requestQueue(queue: number, body: RequestBody, timeoutMs = 10_000): Promise<unknown> {
    const h = this.handles.find((x) => x.queue === queue);
    if (!h) throw new WasmxdpError('E_NOT_FOUND', `no worker for queue ${queue}; queues: ${this.queues.join(', ')}`);
    return this.requests.send(h.requests, h.queue, body, timeoutMs);
  }

  /** Set when a worker failed after start. */
  get error(): WasmxdpError | null { return this.failure; }

  /** Starts a new worker for a queue whose worker exited; resolves once it is attached and receiving. */
  async restart(queue: number): Promise<void> {
    const old = this.handles.find((h) => h.queue === queue);
    if (!old) throw new WasmxdpError('E_NOT_FOUND', `no worker for queue ${queue}`);
    await old.exited;
    if (this.stopping) throw new WasmxdpError('E_SOCKET', 'the port is stopping');
    await this.spawn(queue, old);
    this.failure = null;
  }

  /** Ends a queue's worker at once (a stuck worker, fault tests); onWorkerExit follows. */
  async terminateWorker(queue: number): Promise<void> {
    await this.handles.find((h) => h.queue === queue)?.worker.terminate();
  }

  private spawn(queue: number, replacing?: WorkerHandle): Promise<void> {
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
    const channel = new MessageChannel();
    init.controlPort = channel.port2;
    const worker = new Worker(new URL('./port-worker.js', import.meta.url), { workerData: init, transferList: [channel.port2] });
    let exitResolve!: () => void;
    const handle: WorkerHandle = { worker, control: new Int32Array(control), requests: channel.port1, queue, latest: null, exited: new Promise((r) => { exitResolve = r; }) };
    if (replacing) this.handles[this.handles.indexOf(replacing)] = handle; else this.handles.push(handle);
    return new Promise((resolve, reject) => {
      let ready = false;
      let died: string | null = null;
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'ready') { ready = true; resolve(); }
        else if (m.type === 'error') {
          const err = new WasmxdpError(m.code as ErrorCode, m.message);
          if (!ready) reject(err); else { this.failure ??= err; died = err.message; }
        } else if (m.type === 'stats') {
          handle.latest = m;
          this.onStats(queue, m);
        } else if (m.type === 'reply') this.requests.settle(m);
        else if (m.type === 'health') this.onHealth(queue, m);
        else if (m.type === 'log') this.onWorkerLog(queue, m.line);
      });
      worker.on('error', (e) => {
        const err = new WasmxdpError('E_SOCKET', `queue ${queue} worker failed: ${e.message}`);
        if (!ready) reject(err); else { this.failure ??= err; died = err.message; }
      });
      worker.on('exit', (code) => {
        this.requests.failQueue(queue, 'exited');
        channel.port1.close();
        exitResolve();
        if (ready && !this.stopping) this.onWorkerExit(queue, died ?? `queue ${queue} worker exited (code ${code})`);
        if (!ready) reject(this.failure ?? new WasmxdpError('E_SOCKET', `queue ${queue} worker exited before it was ready`));
      });
    });
  }

  /** Asks every worker to stop, waits for their final figures and detach. */
  async stop(): Promise<(WorkerStats | null)[]> {
    this.stopping = true;
    for (const h of this.handles) Atomics.store(h.control, CTRL_STOP, 1);
    await Promise.all(this.handles.map((h) => Promise.race([
      h.exited,
      new Promise<void>((r) => setTimeout(r, STOP_TIMEOUT_MS).unref()),
    ])));
    for (const h of this.handles) await h.worker.terminate();
    return this.latest();
  }
}
