// A live port worker: one thread per queue, owning one sandbox memory whose
// frame area is the AF_XDP UMEM of every port it serves. The loop receives a
// burst, runs the guest once over it and applies the verdicts; idle, it blocks
// in poll() for at most POLL_MS so a stop request is seen within that time.

import { parentPort, workerData } from 'node:worker_threads';
import { BATCH_CAPACITY } from '../../host/abi.js';
import { Batch } from '../../host/batch.js';
import { isWasmxdpError } from '../../host/errors.js';
import { XskPortSet } from '../../native/index.js';
import { createSandbox } from '../program/create-sandbox.js';
import { WorkerControl } from './worker-control.js';
import { CaptureTap } from '../ops/capture-tap.js';
import { CTRL_STOP, PortFigures, WorkerInit, WorkerMessage, WorkerStats } from './worker-protocol.js';

const POLL_MS = 10;
// A deep RX ring absorbs stalls of the worker's thread (GC, a busy core, a
// swap): 4096 frames are ~40 ms at 100 kpps. The UMEM has 8192 frames, so the
// fill ring still covers it.
const RX_RING = 4096;

function post(m: WorkerMessage): void { parentPort!.postMessage(m); }

function main(init: WorkerInit): void {
  const flags = new Int32Array(init.control);
  let set: XskPortSet | null = null;
  try {
    const sandbox = createSandbox({ name: init.programName, bytes: init.programBytes }, {
      ...init.programOptions, frameSize: init.frameSize, portCount: init.ports.length, log: (line) => post({ type: 'log', line }),
    });
    set = XskPortSet.open({ memory: sandbox.memory, frameSize: init.frameSize });
    for (const p of init.ports) set.addPort({ ifname: p.ifname, queue: p.queue, mode: p.mode, force: p.force, rxSize: RX_RING });
    const batch = new Batch();
    set.bindBatch(batch);
    set.receive(0, 0); // fills the fill rings before the first frame arrives
    post({ type: 'ready', ports: set.ports.map((p) => ({ ifname: p.ifname, queue: p.queue, mode: p.mode })) });

    const started = Date.now();
    let nextStats = started + init.statsIntervalMs;
    const control = new WorkerControl(sandbox, init.controlPort, post, () => stats(false), 1) // the first program is version 1;
    const tap = new CaptureTap(sandbox.memory);
    control.onCapture = (req) => tap.configure(req);
    const stats = (final: boolean): WorkerStats => ({
      type: 'stats',
      final,
      uptimeMs: Date.now() - started,
      program: sandbox.stats.snapshot(),
      ports: set!.ports.map((p): PortFigures => ({
        ifname: p.ifname, queue: p.queue,
        counters: set!.counters(p.index), socket: set!.xdpStats(p.index), xdp: set!.programStats(p.index),
      })),
      frames: set!.frames(),
      control: control.snapshot(),
    });

    while (Atomics.load(flags, CTRL_STOP) === 0) {
      control.poll(); // swaps and map operations happen here, between bursts
      const n = set.receive(BATCH_CAPACITY, POLL_MS);
      if (n > 0) {
        control.beforeBatch();
        batch.n = n;
        sandbox.run(batch);
        if (tap.active) tap.record(batch, n);
        set.apply(n);
        control.afterBatch();
      }
      if (Date.now() >= nextStats) {
        post(stats(false));
        nextStats += init.statsIntervalMs;
      }
    }
    // Reap completions so the final accounting shows every frame back home.
    set.receive(0, 0);
    post(stats(true));
  } catch (e) {
    post({ type: 'error', code: isWasmxdpError(e) ? e.code : 'E_SOCKET', message: (e as Error).message });
  } finally {
    set?.close();
  }
}

main(workerData as WorkerInit);
