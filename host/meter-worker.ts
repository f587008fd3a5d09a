// The worker thread of isolated-load.ts: validates and meters one module at a
// time. binaryen's memory is a wasm memory, outside V8's heap limits, so the
// worker watches its own isolate's external memory between functions and
// gives up when it passes the budget.

import { parentPort } from 'node:worker_threads';
import { WasmxdpError, isWasmxdpError } from './errors.js';
import { LoadLimits, prepareModule } from './load.js';

export interface MeterJob { id: number; bytes: Uint8Array; limits: LoadLimits; memoryBudgetMb: number }
export type MeterReply =
  | { id: number; ok: true; info: unknown; code: Uint8Array; metered: boolean; heapPages: number; size: number; externalMb: number }
  | { id: number; ok: false; code: string; message: string; externalMb: number };

const externalMb = () => process.memoryUsage().external / (1024 * 1024);

parentPort!.on('message', (job: MeterJob) => {
  const checkpoint = () => {
    const used = externalMb();
    if (used > job.memoryBudgetMb) {
      throw new WasmxdpError('E_METER_BUDGET', `metering used ${Math.round(used)} MB, over the memory budget meterMemoryMb = ${job.memoryBudgetMb}; the module is too big to meter`);
    }
  };
  try {
    const p = prepareModule(job.bytes, job.limits, checkpoint);
    const code = p.code === job.bytes ? p.code.slice() : p.code;
    const reply: MeterReply = { id: job.id, ok: true, info: p.info, code, metered: p.metered, heapPages: p.heapPages, size: p.size, externalMb: externalMb() };
    parentPort!.postMessage(reply, [code.buffer as ArrayBuffer]);
  } catch (e) {
    const reply: MeterReply = { id: job.id, ok: false, code: isWasmxdpError(e) ? e.code : 'E_INVALID_WASM', message: (e as Error).message, externalMb: externalMb() };
    parentPort!.postMessage(reply);
  }
});
