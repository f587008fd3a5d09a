import { WasmxdpError } from '../../host/errors.js';
import type { Parsed } from '../cli/args.js';

export async function runLive(_p: Parsed, _print: (s: string) => void): Promise<number> {
  throw new WasmxdpError('E_NATIVE_UNAVAILABLE', 'live AF_XDP runs are not wired into the CLI yet');
}
