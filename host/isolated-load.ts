// loadModule for a process that must stay responsive (the daemon): validation
// and metering, whose cost the guest controls, run in a worker thread with a
// time budget and a memory budget; the calling thread only compiles the
// result (asynchronously). A module over a budget is refused with
// E_METER_BUDGET naming it; the worker is then replaced. One worker serves
// all deploys of the process, one module at a time, so binaryen is loaded
// once (~0.4 s) rather than per deploy.

import { Worker } from 'node:worker_threads';
import { WasmxdpError, type ErrorCode } from './errors.js';
import { LoadLimits, LoadedModule, compilePreparedAsync } from './load.js';
import type { MeterJob, MeterReply } from './meter-worker.js';
import type { WasmInfo } from './wasm-reader.js';

export interface MeterBudget {
  /** Wall time for validation and metering of one module (default 20 s). */
  meterTimeoutMs?: number;
  /** Memory metering may use (binaryen's heap and the worker's JS heap, MB each; default 512). */
  meterMemoryMb?: number;
}

export const DEFAULT_METER_TIMEOUT_MS = 20_000;
export const DEFAULT_METER_MEMORY_MB = 512;

interface Pending {
  job: MeterJob;
  timeoutMs: number;
  resolve: (r: MeterReply & { ok: true }) => void;
  reject: (e: Error) => void;
}

class MeterService {
  private worker: Worker | null = null;
  private readonly queue: Pending[] = [];
  private running: Pending | null = null;
  private timer: NodeJS.Timeout | null = null;
  private nextId = 1;

  run(bytes: Uint8Array, limits: LoadLimits, budget: MeterBudget): Promise<MeterReply & { ok: true }> {
    const memoryBudgetMb = budget.meterMemoryMb ?? DEFAULT_METER_MEMORY_MB;
    const timeoutMs = budget.meterTimeoutMs ?? DEFAULT_METER_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      this.queue.push({ job: { id: this.nextId++, bytes, limits, memoryBudgetMb }, timeoutMs, resolve, reject });
      this.next();
    });
  }

  private spawn(memoryMb: number): Worker {
    const w = new Worker(new URL('./meter-worker.js', import.meta.url), {
      resourceLimits: { maxOldGenerationSizeMb: memoryMb, maxYoungGenerationSizeMb: 32, stackSizeMb: 8 },
    });
    w.on('message', (m: MeterReply) => this.onReply(w, m));
    w.on('error', (e) => this.onExit(w, e));
    w.on('exit', () => this.onExit(w, null));
    // After the listeners (adding one refs the port again): an idle meter
    // worker never keeps the process alive; a job's budget timer does.
    w.unref();
    return w;
  }

  private next(): void {
    if (this.running || this.queue.length === 0) return;
    const p = this.queue.shift()!;
    this.running = p;
    this.worker ??= this.spawn(p.job.memoryBudgetMb);
    this.timer = setTimeout(() => {
      this.fail(new WasmxdpError('E_METER_BUDGET', `validating and metering the module took longer than the time budget meterTimeoutMs = ${p.timeoutMs}; the module is too expensive to meter`));
    }, p.timeoutMs);
    this.worker.postMessage(p.job);
  }

  private finish(): Pending | null {
    const p = this.running;
    this.running = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    return p;
  }

  /** Ends the running job with `e` and replaces the worker (it may be stuck or broken). */
  private fail(e: Error): void {
    const p = this.finish();
    const w = this.worker;
    this.worker = null;
    if (w) void w.terminate();
    p?.reject(e);
    this.next();
  }

  private onReply(w: Worker, m: MeterReply): void {
    if (w !== this.worker || !this.running || m.id !== this.running.job.id) return;
    const p = this.finish()!;
    // binaryen's heap only grows: a worker that metered a big module is
    // replaced so the process gets that memory back.
    if (m.externalMb > p.job.memoryBudgetMb / 2) { this.worker = null; void w.terminate(); }
    if (m.ok) p.resolve(m);
    else p.reject(new WasmxdpError(m.code as ErrorCode, m.message));
    this.next();
  }

  private onExit(w: Worker, e: Error | null): void {
    if (w !== this.worker) return;
    const oom = (e as NodeJS.ErrnoException | null)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
    const why = oom
      ? `metering ran out of its memory budget meterMemoryMb = ${this.running?.job.memoryBudgetMb}; the module is too big to meter`
      : `the metering worker stopped${e ? `: ${e.message}` : ''}`;
    this.fail(new WasmxdpError(oom ? 'E_METER_BUDGET' : 'E_INVALID_WASM', why));
  }

  /** Stops the worker (process shutdown); queued jobs are refused. */
  async stop(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    for (const p of this.queue.splice(0)) p.reject(new WasmxdpError('E_METER_BUDGET', 'shutting down: the module was not metered'));
    this.finish()?.reject(new WasmxdpError('E_METER_BUDGET', 'shutting down: metering was stopped'));
    if (w) await w.terminate();
  }
}

const service = new MeterService();

/** loadModule with validation and metering in a worker thread under `budget`. */
export async function loadModuleIsolated(bytes: Uint8Array, limits: LoadLimits = {}, budget: MeterBudget = {}): Promise<LoadedModule> {
  const r = await service.run(bytes, limits, budget);
  return compilePreparedAsync({ info: r.info as WasmInfo, code: r.code, metered: r.metered, heapPages: r.heapPages, size: r.size });
}

/** Terminates the metering worker, if one runs. */
export function stopMetering(): Promise<void> {
  return service.stop();
}
