// `wasmxdp` entry point: dispatches a command and turns every error into one
// clear line on stderr with a non-zero exit code.

import { isWasmxdpError } from '../../host/errors.js';
import { buildCommand } from './commands/build.js';
import { initCommand } from './commands/init.js';
import { inspectCommand } from './commands/inspect.js';
import { runCommand } from './commands/run.js';
import { serveCommand } from './commands/serve.js';
import { statusCommand } from './commands/status.js';
import { deployCommand } from './commands/deploy.js';
import { rollbackCommand } from './commands/rollback.js';
import { statsCommand } from './commands/stats.js';
import { mapCommand } from './commands/map.js';
import { tenantCommand } from './commands/tenant.js';
import { topCommand } from './commands/top.js';
import { captureCommand } from './commands/capture.js';
import { fleetCommand } from './commands/fleet.js';

type Command = (argv: string[], print: (s: string) => void) => Promise<number>;

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  build: { run: buildCommand, summary: 'compile an AssemblyScript handler to a guest module' },
  run: { run: runCommand, summary: 'run a handler over a capture (--pcap) or a live interface (--iface)' },
  init: { run: initCommand, summary: 'create a handler project (handler, unit test, asconfig.json) in a new folder' },
  inspect: { run: inspectCommand, summary: 'show a module\'s ABI version, imports, exports, size and provenance' },
  serve: { run: serveCommand, summary: 'run the daemon: attach the ports of a config and serve the control socket' },
  status: { run: statusCommand, summary: 'show the daemon\'s ports, versions, health and swap pauses' },
  deploy: { run: deployCommand, summary: 'hot-swap a new version of a handler into a running port' },
  rollback: { run: rollbackCommand, summary: 'switch a port back to its previous version' },
  stats: { run: statsCommand, summary: 'current figures of the daemon\'s ports (verdicts per version, drops, swaps)' },
  map: { run: mapCommand, summary: 'list, get, set, delete or dump a running port\'s maps' },
  tenant: { run: tenantCommand, summary: 'the tenants of the running config, their stages and figures (operator)' },
  capture: { run: captureCommand, summary: 'write the frames a running port judged to pcapng, with their verdicts' },
  fleet: { run: fleetCommand, summary: 'roll a handler out to the nodes registered in etcd, with canaries; fleet status and rollback' },
  top: { run: topCommand, summary: 'a live view of the daemon\'s ports: packets per second by verdict, traps, drops, CPU' },
};

export const MAIN_HELP = `Usage: wasmxdp <command> [options]

Commands:
${Object.entries(COMMANDS).map(([k, v]) => `  ${k.padEnd(9)} ${v.summary}`).join('\n')}

Run 'wasmxdp <command> --help' for a command's options.`;

export async function main(argv: string[], print = (s: string) => console.log(s), printErr = (s: string) => console.error(s)): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') { print(MAIN_HELP); return name ? 0 : 2; }
  const cmd = COMMANDS[name];
  if (!cmd) { printErr(`wasmxdp: unknown command '${name}' (see 'wasmxdp --help')`); return 2; }
  try {
    return await cmd.run(rest, print);
  } catch (e) {
    if (isWasmxdpError(e)) {
      printErr(`wasmxdp ${name}: ${e.message}`);
      return e.code === 'E_USAGE' ? 2 : 1;
    }
    printErr(`wasmxdp ${name}: unexpected error: ${(e as Error)?.message ?? String(e)}`);
    if (process.env.WASMXDP_DEBUG) printErr((e as Error)?.stack ?? '');
    else printErr('(set WASMXDP_DEBUG=1 for the stack trace, and please report it)');
    return 1;
  }
}
