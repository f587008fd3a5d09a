// serve's --log-format and --log-level options.

import { WasmxdpError } from '../../host/errors.js';
import { Parsed, str } from './args.js';
import { LOG_FORMATS, LOG_LEVELS, Logger, LogFormat, LogLevel } from '../ops/log.js';

export const LOG_OPTIONS = { 'log-format': { type: 'string' }, 'log-level': { type: 'string' } } as const;

export const LOG_HELP = `  --log-format <f>     text (default): "<time> <LEVEL> message  key=value...";
                       json: one object per line {time, level, msg, ...fields}
  --log-level <l>      debug, info (default), warn or error`;

export function serveLogger(p: Parsed, write?: (line: string) => void): Logger {
  const format = str(p, 'log-format') ?? 'text';
  const level = str(p, 'log-level') ?? 'info';
  if (!LOG_FORMATS.includes(format as LogFormat)) throw new WasmxdpError('E_USAGE', `--log-format must be ${LOG_FORMATS.join(' or ')}, got '${format}'`);
  if (!LOG_LEVELS.includes(level as LogLevel)) throw new WasmxdpError('E_USAGE', `--log-level must be one of ${LOG_LEVELS.join(', ')}, got '${level}'`);
  return new Logger(format as LogFormat, level as LogLevel, write);
}
