// `wasmxdp serve --config <pipeline.json>`: attaches the configured ports,
// serves the control socket, and on SIGTERM or SIGINT detaches everything
// (no XDP program of ours stays attached) and removes the socket.

import { WasmxdpError } from '../../../host/errors.js';
import { loadConfig } from '../../control/config.js';
import { Daemon } from '../../control/daemon.js';
import { socketPath, type Request } from '../../control/protocol.js';
import { checkSocketDir, ControlServer } from '../../control/server.js';
import { parseCommand, str } from '../args.js';
import { listenTenantSockets } from '../../control/tenant-sockets.js';
import { startMetrics } from '../../ops/metrics-server.js';
import { serveLogger, LOG_OPTIONS, LOG_HELP } from '../serve-log.js';
import { audited, watchQuarantines } from '../../control/audit.js';
import { Persistence } from '../../control/persistence.js';
import { StateStore } from '../../ops/state-store.js';
import { DEFAULT_FLEET_TTL_S, FleetAgent } from '../../fleet/node-agent.js';
import { PROTOCOL_VERSION } from '../../control/protocol.js';
import { num } from '../args.js';

export const SERVE_HELP = `Usage: wasmxdp serve --config <pipeline.json> [--socket <path>]

Runs the daemon: attaches every port of the config with its program, then
answers wasmxdp status, deploy, rollback, stats and map on a Unix socket
(mode 0600). SIGTERM or Ctrl-C detaches everything and exits; a restart
attaches again from the config; with "stateDir" in the config, the versions
deployed since and the operator's map writes come back (docs/operations.md).
docs/control-plane.md has the config format and a walkthrough.

Options:
  --config <file>      the pipeline config (JSON)
  --socket <path>      where to listen (default $WASMXDP_SOCKET, then the config's
                       "socket", then /run/wasmxdp.sock)
  --fleet <url>        join the fleet whose etcd answers at <url> (docs/fleet.md):
                       register, run what the fleet's desired state says, report
  --node <name>        this node's name in the fleet (with --fleet)
  --fleet-ttl <s>      lease TTL: how soon a dead node shows as stale (default ${DEFAULT_FLEET_TTL_S})
${LOG_HELP}
  -h, --help           this help`;

const OPTIONS = { config: { type: 'string' }, socket: { type: 'string' }, fleet: { type: 'string' }, node: { type: 'string' }, 'fleet-ttl': { type: 'string' }, ...LOG_OPTIONS } as const;

export async function serveCommand(argv: string[], print: (s: string) => void): Promise<number> {
  const p = parseCommand('serve', argv, OPTIONS, { min: 0, max: 0 });
  if (p.values.help) { print(SERVE_HELP); return 0; }
  const file = str(p, 'config');
  if (!file) throw new WasmxdpError('E_USAGE', `give --config <pipeline.json> (see 'wasmxdp serve --help')`);
  const fleet = str(p, 'fleet'), node = str(p, 'node');
  if ((fleet === undefined) !== (node === undefined)) throw new WasmxdpError('E_USAGE', `give --fleet <url> and --node <name> together (see 'wasmxdp serve --help')`);
  const fleetTtl = num(p, 'fleet-ttl', 1, 3600);
  const logger = serveLogger(p);
  const config = loadConfig(file);
  const store = config.stateDir ? StateStore.open(config.stateDir) : null;
  const path = socketPath(str(p, 'socket'), config.socket);
  const log = logger.line;
  checkSocketDir(path); // before attaching anything

  // A signal during start still detaches whatever got attached.
  let stopping = false;
  const stopped = new Promise<void>((resolve) => {
    const done = () => { stopping = true; resolve(); };
    process.once('SIGTERM', done);
    process.once('SIGINT', done);
  });
  const daemon = await Daemon.start(config, log);
  let server: ControlServer | null = null;
  let tenantServers: ControlServer[] = [];
  let agent: FleetAgent | null = null;
  const metrics = await startMetrics(config.metrics, daemon, log).catch(async (e) => { await daemon.stop(); throw e; });
  const persistence = store ? new Persistence(store, daemon, logger) : null;
  try {
    await persistence?.restoreAll();
    if (!stopping) {
      const c = config;
      const opts = {
        log, maxMessageBytes: c.maxMessageBytes, readTimeoutMs: c.readTimeoutMs, messageDeadlineMs: c.messageDeadlineMs,
        idleTimeoutMs: c.idleTimeoutMs, maxConnections: c.maxConnections, maxBufferedBytes: c.maxBufferedBytes,
      };
      // Every socket's requests are persisted (stateDir) and audited with the tenant they act for.
      const direct = (req: Request) => daemon.handle(req);
      const handle = audited(persistence ? persistence.wrap(direct) : direct, logger);
      server = await ControlServer.listen({ path, ...opts }, (req) => handle(req));
      daemon.controlFigures = () => server!.figures();
      // Each tenant's own socket: its connections act for that tenant only (docs/tenants.md).
      tenantServers = await listenTenantSockets(config.tenants, (req) => handle(req), opts);
      if (fleet && node) {
        agent = new FleetAgent({ url: fleet, node, tenants: config.tenants.map((t) => t.name), ttlSeconds: fleetTtl, log }, (r) => handle({ v: PROTOCOL_VERSION, id: 0, ...r }));
        agent.start();
      }
      print(`wasmxdp serve: ${config.ports.length} port(s) attached, listening on ${path}${tenantServers.length ? ` and ${tenantServers.length} tenant socket(s)` : ''} (pid ${process.pid})`);
    }
    const quarantines = watchQuarantines(daemon, logger);
    await stopped;
    quarantines.stop();
  } finally {
    await agent?.stop();
    await Promise.all(tenantServers.map((s) => s.close()));
    await server?.close();
    persistence?.stop();
    await metrics?.close();
    await daemon.stop();
  }
  print('wasmxdp serve: detached, exiting');
  return 0;
}
