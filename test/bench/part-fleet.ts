// Fleet part of `npm run bench`: the time from `wasmxdp fleet deploy` to every
// node running the new version (and the CLI's exit), for 1, 5 and 20 nodes,
// and the bytes etcd writes to its WAL per rollout. Each node is a real
// `wasmxdp serve --fleet` daemon on a veth port (idle: no traffic, so the
// health check is time-only, here 0 ms); canary 1. Needs root and etcd-server.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../host/compile.js';
import { liveUnavailableReason } from '../helpers/live.js';
import { toolsMissingReason } from '../helpers/tools.js';
import type { Summary } from './stats.js';

export interface FleetOptions { nodes: number[]; reps: number }
export interface FleetRow { nodes: number; wallMs: Summary; controllerMs: Summary; walBytes: Summary; idleWalBytesPerS: number }
export interface FleetPart { unavailable: string | null; reps: number; rows: FleetRow[] }

export function runFleetPart(o: FleetOptions, log: (s: string) => void): FleetPart {
  const why = liveUnavailableReason() ?? toolsMissingReason(['etcd']);
  if (why) { log(`fleet part not measured: ${why}`); return { unavailable: why, reps: o.reps, rows: [] }; }
  const child = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'dist/test/bench/fleet-child.js'), JSON.stringify(o)], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 30 * 60 * 1000, maxBuffer: 64 * 1024 * 1024,
  });
  const last = child.stdout.trim().split('\n').pop() ?? '';
  if (child.status !== 0 || !last.startsWith('[')) throw new Error(`fleet part failed (${child.status ?? child.signal}): ${child.stdout.slice(-2000)}`);
  return { unavailable: null, reps: o.reps, rows: JSON.parse(last) as FleetRow[] };
}
