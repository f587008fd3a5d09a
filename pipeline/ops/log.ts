// The daemon's log: one line per event, timestamped and levelled, as text for
// people or JSON (one object per line) for log shippers. Audit events carry
// structured fields (who, what, on which port) besides the message.

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = typeof LOG_LEVELS[number];
export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = typeof LOG_FORMATS[number];

export type LogFields = Record<string, string | number | boolean | null | undefined | string[] | number[]>;

export class Logger {
  private readonly min: number;

  constructor(
    private readonly format: LogFormat = 'text',
    level: LogLevel = 'info',
    private readonly write: (line: string) => void = (l) => process.stderr.write(l),
    private readonly now: () => Date = () => new Date(),
  ) {
    this.min = LOG_LEVELS.indexOf(level);
  }

  log(level: LogLevel, msg: string, fields: LogFields = {}): void {
    if (LOG_LEVELS.indexOf(level) < this.min) return;
    const time = this.now().toISOString();
    const defined = Object.entries(fields).filter(([, v]) => v !== undefined);
    if (this.format === 'json') {
      // time, level and msg first and never overwritten by a field of the same name.
      this.write(`${JSON.stringify({ ...Object.fromEntries(defined), time, level, msg })}\n`);
      return;
    }
    const extra = defined.map(([k, v]) => `${k}=${textValue(v)}`).join(' ');
    this.write(`${time} ${level.toUpperCase().padEnd(5)} ${msg}${extra ? `  ${extra}` : ''}\n`);
  }

  debug(msg: string, fields?: LogFields): void { this.log('debug', msg, fields); }
  info(msg: string, fields?: LogFields): void { this.log('info', msg, fields); }
  warn(msg: string, fields?: LogFields): void { this.log('warn', msg, fields); }
  error(msg: string, fields?: LogFields): void { this.log('error', msg, fields); }

  /** The plain `(line) => void` the daemon's parts take; the level is read from the line (levelOf). */
  get line(): (l: string) => void {
    return (l) => this.log(levelOf(l), l);
  }
}

/**
 * The level of a line from the daemon's parts, which log plain strings:
 * guest log lines carry theirs ("[prog] warn: ..."), trap reports are
 * warnings, a quarantine or an automatic rollback is an error.
 */
export function levelOf(line: string): LogLevel {
  const guest = /\[[^\]]+\] (debug|info|warn|error): /.exec(line);
  if (guest) return guest[1] as LogLevel;
  if (/\] quarantined: |: rolled back to v\d+: |could not be restored|failed: |: worker died |: DOWN: /.test(line)) return 'error';
  if (/\] trap \(|log line\(s\) suppressed|unexpected error/.test(line)) return 'warn';
  return 'info';
}

function textValue(v: unknown): string {
  const s = Array.isArray(v) ? v.join(',') : String(v);
  return /[\s"=]/.test(s) || s === '' ? JSON.stringify(s) : s;
}
