// A live port worker: one thread per queue, owning one sandbox memory whose
// frame area is the AF_XDP UMEM of every port it serves. The loop receives a
// burst, runs the guest once over it and applies the verdicts; idle, it blocks
// in poll() for at most POLL_MS so a stop request is seen within that time.

import { parentPort, workerData } from 'node:worker_threads';
import { Batch } from '../../host/batch.js';
import { isWasmxdpError } from '../../host/errors.js';
import { XskPortSet, threadCpu } from '../../native/index.js';
import { createSandbox } from '../program/create-sandbox.js';
import { WorkerControl } from './worker-control.js';
import { runBurstLoop, RX_RING } from './burst-loop.js';
import { FIG_PACKETS, FIG_TRAPS, FIG_VERDICTS, PortFigures, WorkerInit, WorkerMessage, WorkerStats } from './worker-protocol.js';
import { CaptureTap } from '../capture/capture-tap.js';
import { MapsKeeper } from './maps-keeper.js';

function post(m: WorkerMessage): void { parentPort!.postMessage(m); }

function main(init: WorkerInit): void {
  const flags = new Int32Array(init.control);
  const shared = new Float64Array(init.figures);
  let set: XskPortSet | null = null;
  try {
    const sandbox = createSandbox({ name: init.programName, bytes: init.programBytes }, {
      ...init.programOptions, frameSize: init.frameSize, portCount: init.ports.length, version: 1, // the first program is version 1
      // Not this thread's process.stderr: its writes wait for an event loop turn
      // the burst loop never gives, so guest lines came out only at exit.
      log: (line) => post({ type: 'log', line }),
    });
    set = XskPortSet.open({ memory: sandbox.memory, frameSize: init.frameSize });
    for (const p of init.ports) set.addPort({ ifname: p.ifname, queue: p.queue, mode: p.mode, force: p.force, rxSize: RX_RING });
    const batch = new Batch();
    set.bindBatch(batch);
    set.receive(0, 0); // fills the fill rings before the first frame arrives
    post({ type: 'ready', ports: set.ports.map((p) => ({ ifname: p.ifname, queue: p.queue, mode: p.mode })) });

    const started = Date.now();
    const control = new WorkerControl(sandbox, init.controlPort, post, () => stats(false), 1) // the first program is version 1;
    const tap = new CaptureTap(sandbox.memory);
    control.onCapture = (req) => tap.configure(req);
    const keeper = init.mapsKeep ? new MapsKeeper(init.mapsKeep.main, sandbox.memory) : null;
    if (keeper) control.onMapsRestore = () => keeper.restore();
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
      thread: threadCpu(),
    });

    const s = sandbox.stats;
    runBurstLoop({
      set, flags, statsIntervalMs: init.statsIntervalMs, post, stats,
      poll: () => { const again = control.poll(); keeper?.tick(Date.now()); return again; }, // swaps, map operations and map copies happen here, between bursts
      burst: (n) => {
        control.beforeBatch();
        batch.n = n;
        sandbox.run(batch);
        if (tap.active) tap.record(batch, n);
        control.afterBatch(sandbox.lastRunEndMs);
        shared[FIG_PACKETS] = s.packets;
        for (let v = 0; v < 5; v++) shared[FIG_VERDICTS + v] = s.verdicts[v];
        shared[FIG_TRAPS] = s.traps;
      },
    });
  } catch (e) {
    post({ type: 'error', code: isWasmxdpError(e) ? e.code : 'E_SOCKET', message: (e as Error).message });
  } finally {
    set?.close();
  }
}

main(workerData as WorkerInit);
