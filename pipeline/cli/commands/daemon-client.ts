// What the control-plane commands (status, deploy, rollback, stats, map)
// share: --socket and --json, one request to the daemon, output as JSON or text.

import { requestChange, requestOnce, SWAP_GRACE_MS } from '../../control/client.js';
import { CommandName, socketPath } from '../../control/protocol.js';
import { num, Parsed, str } from '../args.js';

export const CLIENT_OPTIONS = { socket: { type: 'string' }, json: { type: 'boolean' }, stage: { type: 'string' } } as const;

export const CLIENT_HELP = `  --socket <path>      the daemon's socket (default $WASMXDP_SOCKET, else /run/wasmxdp.sock)
  --stage <name>       the stage of a port that runs a chain (a tenant's own
                       stage, or for the operator <stage> / <tenant>/<stage>)
  --json               print the daemon's answer as JSON
  -h, --help           this help`;

/** --timeout of deploy and rollback. */
export const CHANGE_OPTIONS = { timeout: { type: 'string' } } as const;
export const CHANGE_HELP = `  --timeout <s>        abandon it if the swap cannot begin within this many seconds
                       (default 60; nothing changes then). Once begun, a swap finishes
                       within ${SWAP_GRACE_MS / 1000} s and the answer printed is what happened`;

/** A deploy or rollback with the --timeout deadline (see requestChange). */
/** The request's args with --stage, when given. */
function withStage(p: Parsed, args: Record<string, unknown>): Record<string, unknown> {
  const stage = str(p, 'stage');
  return stage === undefined ? args : { ...args, stage };
}

export function askChange(p: Parsed, cmd: 'deploy' | 'rollback', args: Record<string, unknown>): Promise<unknown> {
  const s = num(p, 'timeout', 0.1, 3600);
  return requestChange(socketPath(str(p, 'socket')), cmd, withStage(p, args), s === undefined ? undefined : Math.round(s * 1000));
}

export function ask(p: Parsed, cmd: CommandName, args: Record<string, unknown> = {}): Promise<unknown> {
  return requestOnce(socketPath(str(p, 'socket')), cmd, withStage(p, args));
}

/** Prints `result` as JSON with --json, else as `text(result)`. */
export function output(p: Parsed, print: (s: string) => void, result: unknown, text: (r: never) => string): number {
  print(p.values.json ? JSON.stringify(result) : text(result as never));
  return 0;
}
