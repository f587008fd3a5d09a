// Command-line parsing on node:util's parseArgs, with every mistake turned
// into a one-line E_USAGE error that names the command's --help.

import { parseArgs, ParseArgsConfig } from 'node:util';
import { WasmxdpError } from '../../host/errors.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export function parseCommand(command: string, argv: string[], options: OptionSpec, positionals: { min: number; max: number }): Parsed {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new WasmxdpError('E_USAGE', `${(e as Error).message.replace(/\. To specify.*$/s, '')} (see 'wasmxdp ${command} --help')`);
  }
  const values = parsed.values as Parsed['values'];
  if (!values.help) {
    const n = parsed.positionals.length;
    if (n < positionals.min) throw new WasmxdpError('E_USAGE', `missing argument (see 'wasmxdp ${command} --help')`);
    if (n > positionals.max) throw new WasmxdpError('E_USAGE', `unexpected argument '${parsed.positionals[positionals.max]}' (see 'wasmxdp ${command} --help')`);
  }
  return { values, positionals: parsed.positionals };
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function num(p: Parsed, name: string, min: number, max: number): number | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new WasmxdpError('E_USAGE', `--${name} must be a number from ${min} to ${max}, got '${v}'`);
  return n;
}
