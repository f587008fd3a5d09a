// `wasmxdp rollback --port <name>`: back to the version that ran before.

import { WasmxdpError } from '../../../host/errors.js';
import { parseCommand, str } from '../args.js';
import { askChange, CHANGE_HELP, CHANGE_OPTIONS, CLIENT_HELP, CLIENT_OPTIONS, output } from './daemon-client.js';

export const ROLLBACK_HELP = `Usage: wasmxdp rollback --port <name> [--json] [--socket <path>]

Switches the port back to the version that ran before the current one (a hot
swap like deploy). Maps whose shape differs between the two versions, or
whose descriptor is corrupt, are reset to the older version's shape; maps
only newer versions declared are released. The port keeps its last
historyDepth versions (config, default 3): rollback reaches that far back.

Options:
  --port <name>        the port
${CHANGE_HELP}
${CLIENT_HELP}`;

const OPTIONS = { ...CLIENT_OPTIONS, ...CHANGE_OPTIONS, port: { type: 'string' } } as const;

export async function rollbackCommand(argv: string[], print: (s: string) => void): Promise<number> {
  const p = parseCommand('rollback', argv, OPTIONS, { min: 0, max: 0 });
  if (p.values.help) { print(ROLLBACK_HELP); return 0; }
  const port = str(p, 'port');
  if (!port) throw new WasmxdpError('E_USAGE', `give --port <name> (see 'wasmxdp rollback --help')`);
  return output(p, print, await askChange(p, 'rollback', { port }), (x: { port: string; version: number; name: string; from: number }) =>
    `port ${x.port}: rolled back from v${x.from} to v${x.version} ${x.name}`);
}
