// What a live port worker and the main thread say to each other. Control that
// must reach a busy worker fast (stop) is a flag in shared memory the loop
// reads every burst; everything else is a message, polled by the worker
// between bursts with receiveMessageOnPort.

import type { FrameSize } from '../../host/abi.js';
import type { ProgramStatsSnapshot } from '../../host/stats.js';
import type { FrameAccounting, PortCounters, ProgramStats, XdpMode, XdpSocketStats } from '../../native/index.js';
import type { ProgramOptions } from '../program/create-sandbox.js';
import type { MessagePort } from 'node:worker_threads';
import type { ControlFigures, ControlReply, HealthEvent } from './control-messages.js';
import type { ChainInit, ChainFigures } from './chain-protocol.js';

export interface LivePortSpec {
  ifname: string;
  queue: number;
  mode: XdpMode;
  force?: boolean;
}

export interface WorkerInit {
  programName: string;
  programBytes: Uint8Array;
  programOptions: ProgramOptions;
  ports: LivePortSpec[];
  frameSize: FrameSize;
  /** Int32Array over it: [CTRL_STOP] is set to 1 to stop. */
  control: SharedArrayBuffer;
  /** Milliseconds between stats messages. */
  statsIntervalMs: number;
  /** Control requests (control-messages.ts), polled between bursts; transferred to the worker. */
  controlPort?: MessagePort;
  /**
   * Float64Array over it: the running totals (FIG_*), stored after every
   * batch, so a worker that has to be terminated (stuck in a handler) still
   * leaves its figures up to its last batch.
   */
  figures: SharedArrayBuffer;
  /** A chain port (pipeline/chain/chain-worker.ts): its stages and tenants. */
  chain?: ChainInit;
  /** Per stage key, that stage's control requests. */
  stagePorts?: Record<string, MessagePort>;
  /** Per sandbox memory ('main', or a chain's stage key): where its maps are kept across restarts (live/maps-keeper.ts). */
  mapsKeep?: Record<string, SharedArrayBuffer>;
}

export const CTRL_STOP = 0;
/**
 * Bumped after every request posted to the worker (any of its ports): a busy
 * loop looks at its ports only when this moved (an atomic load instead of a
 * receiveMessageOnPort per burst), and every 64 bursts or when idle anyway.
 */
export const CTRL_REQUESTS = 1;
export const CONTROL_WORDS = 4;

/** Indexes in the shared figures: packets, the five verdicts in ABI order, traps. */
export const FIG_PACKETS = 0;
export const FIG_VERDICTS = 1;
export const FIG_TRAPS = 6;
export const FIGURE_WORDS = 8;

export interface PortFigures {
  ifname: string;
  queue: number;
  counters: PortCounters;
  socket: XdpSocketStats;
  xdp: ProgramStats;
}

export interface WorkerStats {
  type: 'stats';
  final: boolean;
  /** Milliseconds since the worker's loop started. */
  uptimeMs: number;
  program: ProgramStatsSnapshot;
  ports: PortFigures[];
  frames: FrameAccounting;
  /** Versions, swaps and health (worker-control.ts). */
  control?: ControlFigures;
  /** A chain port: per stage and per tenant figures. */
  chain?: ChainFigures;
  /** CPU time of the worker's thread since it started (getrusage RUSAGE_THREAD): system time far above user time means the kernel work its syscalls do (TX, reinjection) dominates. */
  thread?: { userUs: number; sysUs: number };
}

export type WorkerMessage =
  | { type: 'ready'; ports: { ifname: string; queue: number; mode: XdpMode }[] }
  | { type: 'error'; code: string; message: string }
  /** A guest log line (already escaped and rate-limited by the sandbox). */
  | { type: 'log'; line: string }
  | WorkerStats
  | ControlReply
  | HealthEvent
  /** A guest log line or trap report: posted, not written to the worker's stderr, which only flushes when the busy loop yields. */
  | { type: 'log'; line: string };
