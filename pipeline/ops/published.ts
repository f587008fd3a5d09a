// What the daemon's ports last published, as readers off the data path see it
// (metrics, top, supervision status). Workers post their figures once a
// second on their own; nothing here asks a worker for anything.

import type { TenantFiguresMsg } from '../live/chain-protocol.js';
import type { WorkerStats } from '../live/worker-protocol.js';

export interface PublishedQueue {
  queue: number;
  /** The worker's last stats message; null before the first one. */
  figures: WorkerStats | null;
  /** When the main thread received them (ms since the epoch). */
  receivedAt: number | null;
  /** Times the supervisor restarted this queue's worker. */
  restarts: number;
  /** Set while the queue's worker is down and could not be brought back. */
  down: string | null;
}

/** The stage of a single-program port, as `--stage` and the metrics' `stage` label name it. */
export const MAIN_STAGE = 'main';

export interface PublishedPort {
  name: string;
  owner: string;
  /** A chain port's stage key (`stage`, or `tenant/stage`); absent for a single-program port. */
  stage?: string;
  /** The version the port runs (the control plane's view). */
  version: number | undefined;
  queues: PublishedQueue[];
}

/** A chain port's tenants as its workers last published them (kernel counters summed over interfaces). */
export interface PublishedTenants {
  port: string;
  tenants: TenantFiguresMsg[];
}

export interface PublishedSource {
  published(): PublishedPort[];
  publishedTenants?(): PublishedTenants[];
}
