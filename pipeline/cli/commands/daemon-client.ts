// What the control-plane commands (status, deploy, rollback, stats, map)
// share: --socket and --json, one request to the daemon, output as JSON or text.

import { requestOnce } from '../../control/client.js';
import { CommandName, socketPath } from '../../control/protocol.js';
import { Parsed, str } from '../args.js';

export const CLIENT_OPTIONS = { socket: { type: 'string' }, json: { type: 'boolean' }, stage: { type: 'string' } } as const;

export const CLIENT_HELP = `  --socket <path>      the daemon's socket (default $WASMXDP_SOCKET, else /run/wasmxdp.sock)
  --stage <name>       the stage of a port that runs a chain (a tenant's own
                       stage, or for the operator <stage> / <tenant>/<stage>)
  --json               print the daemon's answer as JSON
  -h, --help           this help`;

export function ask(p: Parsed, cmd: CommandName, args: Record<string, unknown> = {}): Promise<unknown> {
  const stage = str(p, 'stage');
  return requestOnce(socketPath(str(p, 'socket')), cmd, stage === undefined ? args : { ...args, stage });
}

/** Prints `result` as JSON with --json, else as `text(result)`. */
export function output(p: Parsed, print: (s: string) => void, result: unknown, text: (r: never) => string): number {
  print(p.values.json ? JSON.stringify(result) : text(result as never));
  return 0;
}
