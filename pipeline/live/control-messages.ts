// Control messages between the main thread and a live port worker, beyond the
// start/stats/stop of worker-protocol.ts: hot swaps, map operations and fresh
// figures. Requests travel on a MessagePort the worker polls between bursts
// (receiveMessageOnPort), so a worker that never yields to its event loop
// still sees them at the next batch boundary; replies and events go back on
// parentPort.

import type { ActionCounts } from '../../host/abi.js';
import type { CaptureRequest } from '../capture/capture-tap.js';
import type { MapOpRequest, MapShapeSpec } from '../../host/maps/map-ops.js';
import type { MapsRestoreRequest } from './maps-keeper.js';

export type { MapOpName, MapOpRequest, MapShapeSpec } from '../../host/maps/map-ops.js';

export interface HealthPolicy {
  /** The new version must handle at least this many packets without a trap... */
  packets: number;
  /** ...and run at least this long, before it is declared healthy. */
  ms: number;
}

export interface SwapRequest {
  type: 'swap';
  id: number;
  version: number;
  name: string;
  module: WebAssembly.Module;
  /** Maps the new version declares (learned by a probe instantiation off the data path). */
  maps: MapShapeSpec[];
  /**
   * Reset maps whose shape differs (or whose descriptor is corrupt) instead
   * of refusing the swap; corrupt maps the new version does not declare are
   * released.
   */
  resetMaps: boolean;
  /**
   * Maps to keep besides `maps` (those of the versions a rollback may return
   * to); every other map is released and its space reused. Absent: keep all.
   */
  keepMaps?: string[];
  /** null: no probation (a rollback). */
  health: HealthPolicy | null;
  reason: 'deploy' | 'rollback';
}

export interface FiguresRequest { type: 'figures'; id: number }

export type ControlRequest = SwapRequest | MapOpRequest | FiguresRequest | CaptureRequest | MapsRestoreRequest;

export interface ControlReply {
  type: 'reply';
  id: number;
  ok: boolean;
  result?: unknown;
  error?: { code: string; message: string };
}

/** Unsolicited: the probation of a version ended. */
export interface HealthEvent {
  type: 'health';
  version: number;
  state: 'healthy' | 'failed';
  reason?: string;
  /** After a failure: the version running again. */
  restored?: number;
  /** On a chain port: the stage (its key) the event is about. */
  stage?: string;
}

export interface SwapRecord {
  from: number;
  to: number;
  reason: 'deploy' | 'rollback' | 'health';
  /** Wall clock of the switch (ms since the epoch). */
  at: number;
  /** new WebAssembly.Instance on the existing memory, including the start function. */
  instantiateUs: number;
  /**
   * The longest of the gaps between bursts before the switch (receiving the
   * request, planning the maps, preparing the module: its first instances in
   * the worker and a batch, on a scratch memory), each from the batch before
   * it to the batch after it. 0 for a rollback to a version that ran before.
   */
  preparedUs: number;
  /** The switch itself held the burst loop this long (maps applied, instantiated on the memory). */
  blockedUs: number;
  /**
   * The data path's longest stop caused by the swap: the longest of its gaps
   * between bursts, the switch's counted from the end of the old version's
   * last batch to the end of the new one's first (first-call costs included);
   * null when the port was idle (no batch within 20 ms before or after the switch).
   */
  pauseUs: number | null;
  /**
   * Each step's gap (us), in order: receive, plan, prepare, switch (to the
   * end of the new version's first batch), finish, reply; null where the port
   * was idle. Absent for rollbacks and in records of older workers.
   */
  gapsUs?: (number | null)[];
  /** Parts of the switch's gap: the old version's last batch to the switch... */
  beforeUs: number | null;
  /** ...and the switch's end to the end of the new version's first batch (receiving it, judging it). */
  afterUs: number | null;
}

export interface VersionFigures {
  version: number;
  name: string;
  packets: number;
  verdicts: ActionCounts;
  traps: number;
}

export interface ControlFigures {
  version: number;
  health: 'probation' | 'healthy' | 'unchecked';
  /** Per version, what it handled on this queue (every activation summed). */
  versions: VersionFigures[];
  /** The most recent swaps on this queue, oldest first. */
  swaps: SwapRecord[];
  /** Why the last automatic rollback happened. */
  lastRollback: string | null;
}
