// The main-thread side of a live run: one worker per queue (each with its own
// sandbox memory and UMEM), their latest figures, and an orderly stop.

import { MessageChannel, MessagePort, Worker } from 'node:worker_threads';
import { ACTION_NAMES, actionCounts, DEFAULT_FRAME_SIZE, type FrameSize } from '../../host/abi.js';
import { WasmxdpError, ErrorCode } from '../../host/errors.js';
import { ProgramStats } from '../../host/stats.js';
import type { ProgramBytes } from '../program/load-program.js';
import type { ProgramOptions } from '../program/create-sandbox.js';
import { MAX_QUEUES } from '../../native/index.js';
import { checkInterface, rxQueueCount } from './interfaces.js';
import type { HealthEvent } from './control-messages.js';
import { RequestBody, WorkerRequests } from './worker-requests.js';
import type { ChainInit } from './chain-protocol.js';
import { chainStageKeys, stageStats } from './chain-protocol.js';
import { mapsKeepBuffer } from './maps-keeper.js';
import {
  CONTROL_WORDS, CTRL_STOP, FIG_PACKETS, FIG_TRAPS, FIG_VERDICTS, FIGURE_WORDS, LivePortSpec, WorkerInit, WorkerMessage, WorkerStats,
} from './worker-protocol.js';

export interface LiveOptions {
  ifaces: string[];
  /** A queue index, or 'all': one worker per rx queue of the first interface. */
  queue: number | 'all';
  mode: 'skb' | 'drv';
  force?: boolean;
  frameSize?: FrameSize;
  statsIntervalMs?: number;
  program: ProgramOptions;
  /** Run a chain of stages (pipeline/chain/) instead of one program. */
  chain?: ChainInit;
}

interface WorkerHandle {
  worker: Worker;
  control: Int32Array;
  /** Requests to the worker (swap, map, figures), polled by it between bursts. */
  requests: MessagePort;
  /** A chain port: each stage's request port, by stage key. */
  stageRequests: Map<string, MessagePort>;
  queue: number;
  latest: WorkerStats | null;
  /** Totals the worker stores after every batch (worker-protocol.ts FIG_*). */
  shared: Float64Array;
  exited: Promise<void>;
  hasExited: boolean;
}

const STOP_TIMEOUT_MS = 5000;

export class LivePipeline {
  private handles: WorkerHandle[] = [];
  /** Per queue, the buffers a worker keeps its maps in: a restarted worker gets them back (live/maps-keeper.ts). */
  private readonly mapsKeep = new Map<number, Record<string, SharedArrayBuffer>>();
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
  /** Called once, when the pipeline fails after start (a worker's error, a removed interface). */
  onFailure: (e: WasmxdpError) => void = () => {};
  /** A chain port: per stage key, health events and figures of that stage. */
  readonly stageListeners = new Map<string, { onHealth: (queue: number, e: HealthEvent) => void; onStats: (queue: number, s: WorkerStats) => void }>();

  private constructor(private readonly program: ProgramBytes, private readonly opts: LiveOptions) {}

  /** Starts the workers and resolves once every port is attached and receiving. */
  static async start(program: ProgramBytes, opts: LiveOptions, onStats?: (queue: number, s: WorkerStats) => void): Promise<LivePipeline> {
    if (opts.ifaces.length === 0) throw new WasmxdpError('E_USAGE', 'give at least one interface');
    opts.ifaces.forEach(checkInterface);
    const p = new LivePipeline(program, opts);
    if (onStats) p.onStats = onStats;
    const queues = opts.queue === 'all' ? allQueues(opts.ifaces[0]) : [opts.queue];
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
    return Promise.all(this.handles.map((h) => this.requests.send(h.requests, h.queue, body, timeoutMs, h.control)));
  }

  /** Sends a control request to the worker of one queue. */
  requestQueue(queue: number, body: RequestBody, timeoutMs = 10_000): Promise<unknown> {
    const h = this.handles.find((x) => x.queue === queue);
    if (!h) throw new WasmxdpError('E_NOT_FOUND', `no worker for queue ${queue}; queues: ${this.queues.join(', ')}`);
    return this.requests.send(h.requests, h.queue, body, timeoutMs, h.control);
  }

  /** Sends a control request to one stage of a chain port, on one queue's worker. */
  requestStage(stage: string, queue: number, body: RequestBody, timeoutMs = 10_000): Promise<unknown> {
    const h = this.handles.find((x) => x.queue === queue);
    const port = h?.stageRequests.get(stage);
    if (!h || !port) throw new WasmxdpError('E_NOT_FOUND', `no stage '${stage}' on queue ${queue}`);
    return this.requests.send(port, queue, body, timeoutMs, h.control);
  }

  /** Set when a worker failed after start. */
  get error(): WasmxdpError | null { return this.failure; }

  private fail(err: WasmxdpError): void {
    if (this.failure) return;
    this.failure = err;
    this.onFailure(err);
  }

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
      frameSize: this.opts.frameSize ?? DEFAULT_FRAME_SIZE,
      control,
      statsIntervalMs: this.opts.statsIntervalMs ?? 1000,
      figures: new SharedArrayBuffer(8 * FIGURE_WORDS),
    };
    let keep = this.mapsKeep.get(queue);
    if (!keep) {
      keep = Object.fromEntries((this.opts.chain ? chainStageKeys(this.opts.chain) : ['main']).map((k) => [k, mapsKeepBuffer()]));
      this.mapsKeep.set(queue, keep);
    }
    init.mapsKeep = keep;
    const channel = new MessageChannel();
    init.controlPort = channel.port2;
    const transfer: MessagePort[] = [channel.port2];
    const stageRequests = new Map<string, MessagePort>();
    if (this.opts.chain) {
      init.chain = this.opts.chain;
      init.stagePorts = {};
      for (const key of chainStageKeys(this.opts.chain)) {
        const c = new MessageChannel();
        stageRequests.set(key, c.port1);
        init.stagePorts[key] = c.port2;
        transfer.push(c.port2);
      }
    }
    const script = this.opts.chain ? new URL('./chain-worker.js', import.meta.url) : new URL('./port-worker.js', import.meta.url);
    const worker = new Worker(script, { workerData: init, transferList: transfer });
    let exitResolve!: () => void;
    const handle: WorkerHandle = {
      worker, control: new Int32Array(control), requests: channel.port1, stageRequests, queue, latest: null,
      shared: new Float64Array(init.figures), exited: new Promise((r) => { exitResolve = r; }), hasExited: false,
    };
    if (replacing) this.handles[this.handles.indexOf(replacing)] = handle; else this.handles.push(handle);
    return new Promise((resolve, reject) => {
      let ready = false;
      let died: string | null = null;
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'ready') { ready = true; resolve(); }
        else if (m.type === 'error') {
          const err = new WasmxdpError(m.code as ErrorCode, m.message);
          if (!ready) reject(err); else { died = err.message; this.fail(err); }
        } else if (m.type === 'stats') {
          handle.latest = m;
          this.onStats(queue, m);
          for (const [key, l] of this.stageListeners) { const s = stageStats(m, key); if (s) l.onStats(queue, s); }
        } else if (m.type === 'log') this.onWorkerLog(queue, m.line);
        else if (m.type === 'reply') this.requests.settle(m);
        else if (m.type === 'health') {
          if (m.stage !== undefined) this.stageListeners.get(m.stage)?.onHealth(queue, m);
          else this.onHealth(queue, m);
        }
      });
      worker.on('error', (e) => {
        const err = new WasmxdpError('E_SOCKET', `queue ${queue} worker failed: ${e.message}`);
        if (!ready) reject(err); else { died = err.message; this.fail(err); }
      });
      worker.on('exit', (code) => {
        this.requests.failQueue(queue, 'exited');
        channel.port1.close();
        handle.hasExited = true;
        for (const p of stageRequests.values()) p.close();
        exitResolve();
        if (ready && !this.stopping) this.onWorkerExit(queue, died ?? `queue ${queue} worker exited (code ${code})`);
        if (!ready) reject(this.failure ?? new WasmxdpError('E_SOCKET', `queue ${queue} worker exited before it was ready`));
      });
    });
  }

  /**
   * Asks every worker to stop, waits for their final figures and detach. A
   * worker that does not stop in time (stuck in a handler that never returns,
   * e.g. unmetered) is terminated: that is a failure of the run, and its
   * figures are those it stored after its last batch.
   */
  async stop(): Promise<(WorkerStats | null)[]> {
    this.stopping = true;
    for (const h of this.handles) Atomics.store(h.control, CTRL_STOP, 1);
    await Promise.all(this.handles.map((h) => Promise.race([
      h.exited,
      new Promise<void>((r) => setTimeout(r, STOP_TIMEOUT_MS).unref()),
    ])));
    const stuck = this.handles.filter((h) => !h.hasExited);
    for (const h of this.handles) await h.worker.terminate();
    for (const h of stuck) h.latest = withSharedFigures(h.latest, h.shared);
    if (stuck.length) {
      const packets = stuck.map((h) => `queue ${h.queue}: ${h.shared[FIG_PACKETS]} packets`).join(', ');
      this.fail(new WasmxdpError('E_WORKER_TERMINATED',
        `the worker${stuck.length > 1 ? 's' : ''} of queue${stuck.length > 1 ? 's' : ''} ${stuck.map((h) => h.queue).join(', ')} did not stop within ${STOP_TIMEOUT_MS / 1000} s and ${stuck.length > 1 ? 'were' : 'was'} terminated `
        + `(a handler that never returns? run it metered, without --unmetered); figures up to its last batch (${packets})`));
    }
    return this.latest();
  }
}

/** Queue indexes of every rx queue of an interface, refused up front beyond what a port set can bind. */
function allQueues(ifname: string): number[] {
  const n = rxQueueCount(ifname);
  if (n > MAX_QUEUES) {
    throw new WasmxdpError('E_CONFIG', `${ifname} has ${n} receive queues; wasmxdp binds at most ${MAX_QUEUES} (queues 0-${MAX_QUEUES - 1}): give --queue N for one queue, or lower the queue count (ethtool -L ${ifname} combined ${MAX_QUEUES})`);
  }
  return [...Array(n).keys()];
}

/** The worker's last report with its program totals replaced by those it stored after its last batch. */
function withSharedFigures(latest: WorkerStats | null, shared: Float64Array): WorkerStats {
  const base: WorkerStats = latest ?? {
    type: 'stats', final: true, uptimeMs: 0, ports: [], frames: { total: 0, free: 0, fill: 0, tx: 0, held: 0, invalidAddrs: 0 },
    program: { ...new ProgramStats().snapshot(), status: 'terminated' },
  };
  return {
    ...base,
    final: true,
    program: {
      ...base.program,
      packets: shared[FIG_PACKETS], traps: shared[FIG_TRAPS], status: 'terminated',
      verdicts: actionCounts(shared.subarray(FIG_VERDICTS, FIG_VERDICTS + ACTION_NAMES.length)),
    },
  };
}
