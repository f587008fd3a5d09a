// Requests from the main thread to live port workers and their replies,
// matched by id. A worker answers between bursts; a worker that exits, or
// does not answer in time, fails the request instead of leaving it hanging.

import type { MessagePort } from 'node:worker_threads';
import { WasmxdpError, ErrorCode } from '../../host/errors.js';
import type { ControlReply, ControlRequest } from './control-messages.js';
import { CTRL_REQUESTS } from './worker-protocol.js';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout; queue: number };

// Distributive, so each request type keeps its own fields.
export type RequestBody = ControlRequest extends infer R ? (R extends ControlRequest ? Omit<R, 'id'> : never) : never;

export class WorkerRequests {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  /** Sends `body` to one worker's control port and rings its doorbell (its control words); resolves with its result. */
  send(port: MessagePort, queue: number, body: RequestBody, timeoutMs: number, doorbell?: Int32Array): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new WasmxdpError('E_SOCKET', `queue ${queue} worker did not answer a ${body.type} request within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer, queue });
      port.postMessage({ ...body, id });
      // After the post: the message is in the port's queue when the worker sees the bell.
      if (doorbell) Atomics.add(doorbell, CTRL_REQUESTS, 1);
    });
  }

  settle(m: ControlReply): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    clearTimeout(p.timer);
    if (m.ok) p.resolve(m.result);
    else p.reject(new WasmxdpError((m.error?.code ?? 'E_DEPLOY') as ErrorCode, m.error?.message ?? 'the worker refused the request'));
  }

  /** Fails what a worker that is gone will never answer. */
  failQueue(queue: number, why: string): void {
    for (const [id, p] of this.pending) {
      if (p.queue !== queue) continue;
      this.pending.delete(id);
      clearTimeout(p.timer);
      p.reject(new WasmxdpError('E_SOCKET', `queue ${queue} worker: ${why}`));
    }
  }
}
