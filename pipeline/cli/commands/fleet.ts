// `wasmxdp fleet deploy | status | rollback`: rolls a handler out to the nodes
// registered in etcd (docs/fleet.md). This process is the rollout's
// controller (pipeline/fleet/rollout.ts).

import { WasmxdpError } from '../../../host/errors.js';
import { loadProgramBytes } from '../../program/load-program.js';
import { connectEtcd, withEtcd } from '../../fleet/etcd.js';
import { deployToFleet, rollbackFleet, type RolloutOptions, type RolloutResult } from '../../fleet/rollout.js';
import { fleetStatus, formatFleetStatus } from '../../fleet/fleet-status.js';
import { OPERATOR_TENANT } from '../../fleet/actual-state.js';
import { num, parseCommand, str, type Parsed } from '../args.js';

export const DEFAULT_FLEET_URL = 'http://127.0.0.1:2379';

export const FLEET_HELP = `Usage: wasmxdp fleet deploy <handler> --port <name> [--stage <s>] [--canary N] [--max-unhealthy K]
       wasmxdp fleet rollback --port <name> [--stage <s>]
       wasmxdp fleet status

Rolls a handler out to every node registered in etcd ('wasmxdp serve --fleet
<url> --node <name>'). deploy stores the module once in etcd (by its sha256),
sends it to the canary nodes first, and once each runs it and passed its
health check, to every other node. A failing canary, or more than
--max-unhealthy other nodes failing, halts the rollout and sends every node
it touched back to what it ran before (exit status 1). This command drives
the rollout: its state is in etcd, and if it dies the next deploy or
rollback takes over. A second deploy of the same port/stage meanwhile is
refused (E_FLEET_CONFLICT). rollback returns the nodes of the last rollout
to what they ran before it. status shows each node's desired and running
module, its health, and nodes gone stale. docs/fleet.md has the details.

Options:
  --fleet <url>          etcd's client URL (default $WASMXDP_FLEET, else ${DEFAULT_FLEET_URL})
  --port <name>          the port
  --stage <name>         the stage (default main: a port with one program)
  --tenant <name>        roll out a tenant's own stage (default: the operator)
  --canary <N>           nodes that get it first (default 1; 0: none)
  --max-unhealthy <K>    non-canary nodes that may fail before the rollout halts (default 0)
  --health-timeout <s>   how long a node may take to run it and pass its health check (default 30)
  --json                 print the result as JSON
  -h, --help             this help`;

const OPTIONS = {
  fleet: { type: 'string' }, port: { type: 'string' }, stage: { type: 'string' }, tenant: { type: 'string' }, canary: { type: 'string' },
  'max-unhealthy': { type: 'string' }, 'health-timeout': { type: 'string' }, json: { type: 'boolean' },
} as const;

export async function fleetCommand(argv: string[], print: (s: string) => void): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h') { print(FLEET_HELP); return sub ? 0 : 2; }
  if (!['deploy', 'rollback', 'status'].includes(sub)) throw new WasmxdpError('E_USAGE', `unknown fleet command '${sub}': deploy, rollback or status (see 'wasmxdp fleet --help')`);
  const p = parseCommand(`fleet ${sub}`, rest, OPTIONS, { min: sub === 'deploy' ? 1 : 0, max: sub === 'deploy' ? 1 : 0 });
  if (p.values.help) { print(FLEET_HELP); return 0; }
  const url = str(p, 'fleet') ?? process.env.WASMXDP_FLEET ?? DEFAULT_FLEET_URL;
  // Compile before touching etcd: a handler that does not build changes nothing.
  const program = sub === 'deploy' ? await loadProgramBytes(p.positionals[0]) : null;
  const etcd = connectEtcd(url);
  try {
    if (sub === 'status') {
      const s = await withEtcd(url, () => fleetStatus(etcd));
      print(p.values.json ? JSON.stringify(s) : formatFleetStatus(s));
      return 0;
    }
    const o = rolloutOptions(p, print);
    const r = await withEtcd(url, () => (program ? deployToFleet(etcd, program, o) : rollbackFleet(etcd, o)));
    print(p.values.json ? JSON.stringify(r) : summary(r));
    return r.rollout.phase === 'done' ? 0 : 1;
  } finally {
    etcd.close();
  }
}

function rolloutOptions(p: Parsed, print: (s: string) => void): RolloutOptions {
  const port = str(p, 'port');
  if (!port) throw new WasmxdpError('E_USAGE', `give --port <name> (see 'wasmxdp fleet --help')`);
  return {
    port, stage: str(p, 'stage') ?? 'main', tenant: str(p, 'tenant') ?? OPERATOR_TENANT,
    canary: num(p, 'canary', 0, 1000) ?? 1, maxUnhealthy: num(p, 'max-unhealthy', 0, 100_000) ?? 0,
    healthTimeoutMs: Math.round((num(p, 'health-timeout', 0.1, 3600) ?? 30) * 1000),
    progress: p.values.json ? undefined : print,
  };
}

function summary(r: RolloutResult): string {
  const x = r.rollout;
  const ok = r.nodes.filter((n) => n.result === 'ok').length;
  return `rollout ${x.id} (${x.kind}) of ${x.port}/${x.stage}: ${x.phase} after ${r.ms} ms; ${ok} of ${r.nodes.length} node(s) ok${x.note ? `; ${x.note}` : ''}`;
}
