// `wasmxdp deploy <handler> --port <name>`: builds the handler here (an
// AssemblyScript source or example directory is compiled; a .wasm is sent as
// is) and asks the daemon to hot-swap it in.

import { WasmxdpError } from '../../../host/errors.js';
import { loadProgramBytes } from '../../program/load-program.js';
import { parseCommand, str } from '../args.js';
import { askChange, CHANGE_HELP, CHANGE_OPTIONS, CLIENT_HELP, CLIENT_OPTIONS, output } from './daemon-client.js';

export const DEPLOY_HELP = `Usage: wasmxdp deploy <handler> --port <name> [--reset-maps] [--json] [--socket <path>]

Replaces the program of a running port without stopping it: the daemon
validates and instruments the new version, each queue's worker switches to it
between two batches on the same memory (maps and frames in flight stay), and
the new version is on probation until it has handled the port's health-check
packets and time without a trap; a trap rolls it back automatically
('wasmxdp status' says why).

A map the new version declares with another kind, key size, value size or
max entries than the running one (or whose descriptor a running version
corrupted) refuses the deploy, naming the map. Maps no version kept for
rollback declares are released (historyDepth in the config). One deploy or
rollback at a time per port: another one meanwhile is refused (E_BUSY).

<handler> is an AssemblyScript source (.ts), an example's directory, or a built .wasm.

Options:
  --port <name>        the port (see 'wasmxdp status')
  --reset-maps         reset (empty) incompatible or corrupt maps instead of refusing,
                       and release the maps the new version does not declare
${CHANGE_HELP}
${CLIENT_HELP}`;

const OPTIONS = { ...CLIENT_OPTIONS, ...CHANGE_OPTIONS, port: { type: 'string' }, 'reset-maps': { type: 'boolean' } } as const;

export async function deployCommand(argv: string[], print: (s: string) => void): Promise<number> {
  const p = parseCommand('deploy', argv, OPTIONS, { min: 1, max: 1 });
  if (p.values.help) { print(DEPLOY_HELP); return 0; }
  const port = str(p, 'port');
  if (!port) throw new WasmxdpError('E_USAGE', `give --port <name> (see 'wasmxdp deploy --help')`);
  const program = await loadProgramBytes(p.positionals[0]);
  const r = await askChange(p, 'deploy', { port, program: { name: program.name, bytes: program.bytes }, resetMaps: p.values['reset-maps'] === true });
  return output(p, print, r, (x: { port: string; version: number; name: string; health: string; resetMaps: string[]; releasedMaps?: string[]; instantiateUs: number[] }) =>
    `port ${x.port}: v${x.version} ${x.name} deployed (health: ${x.health}; instantiated in ${x.instantiateUs.join(', ')} us)${x.resetMaps.length ? `; maps reset: ${x.resetMaps.join(', ')}` : ''}${x.releasedMaps?.length ? `; maps released: ${x.releasedMaps.join(', ')}` : ''}`);
}
