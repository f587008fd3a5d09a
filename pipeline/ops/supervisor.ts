// Restarts a port's workers when they die. A dead worker is restarted after a
// backoff (doubling from baseMs to maxMs); once back, the port's runtime puts
// the running version on it again (`onRestarted`). A queue whose worker
// cannot come back stays reported as down, with the last error and the time
// of the next attempt, and keeps being retried at maxMs: it is never silent.
// The backoff starts over once a restarted worker has run for stableMs.

export interface SupervisorOptions {
  baseMs: number;
  maxMs: number;
  stableMs: number;
}

export const DEFAULT_SUPERVISION: SupervisorOptions = { baseMs: 250, maxMs: 30_000, stableMs: 60_000 };

export interface Restartable {
  restart(queue: number): Promise<void>;
}

export interface QueueSupervision {
  queue: number;
  restarts: number;
  /** Why the worker died last, and when. */
  lastExit: { at: string; reason: string } | null;
  /** Non-null while the queue has no worker: why, failed attempts, next attempt. */
  down: { since: string; reason: string; attempts: number; nextAttemptAt: string | null } | null;
}

interface State extends QueueSupervision { attempt: number; upSince: number; timer: NodeJS.Timeout | null }

export class Supervisor {
  private readonly queues = new Map<number, State>();
  private stopped = false;

  constructor(
    private readonly target: Restartable,
    private readonly log: (l: string) => void,
    private readonly onRestarted: (queue: number) => Promise<void>,
    private readonly opts: SupervisorOptions = DEFAULT_SUPERVISION,
    private readonly label = 'port',
  ) {}

  private state(queue: number): State {
    let s = this.queues.get(queue);
    if (!s) {
      s = { queue, restarts: 0, lastExit: null, down: null, attempt: 0, upSince: Date.now(), timer: null };
      this.queues.set(queue, s);
    }
    return s;
  }

  /** A worker that was running exited. */
  workerExited(queue: number, reason: string): void {
    if (this.stopped) return;
    const s = this.state(queue);
    if (Date.now() - s.upSince >= this.opts.stableMs) s.attempt = 0;
    const now = new Date().toISOString();
    s.lastExit = { at: now, reason };
    s.down = { since: now, reason, attempts: 0, nextAttemptAt: null };
    this.log(`${this.label} queue ${queue}: worker died (${reason}); restarting`);
    this.schedule(s);
  }

  private schedule(s: State): void {
    const delay = Math.min(this.opts.maxMs, this.opts.baseMs * 2 ** s.attempt);
    s.attempt++;
    s.down!.nextAttemptAt = new Date(Date.now() + delay).toISOString();
    s.timer = setTimeout(() => { void this.attempt(s); }, delay);
    s.timer.unref();
  }

  private async attempt(s: State): Promise<void> {
    s.timer = null;
    if (this.stopped) return;
    try {
      await this.target.restart(s.queue);
      await this.onRestarted(s.queue);
    } catch (e) {
      if (this.stopped) return;
      s.down!.attempts++;
      s.down!.reason = (e as Error).message;
      this.schedule(s);
      this.log(`${this.label} queue ${s.queue}: DOWN: restart attempt ${s.down!.attempts} failed: ${s.down!.reason}; next attempt at ${s.down!.nextAttemptAt}`);
      return;
    }
    s.restarts++;
    s.upSince = Date.now();
    const was = s.down!;
    s.down = null;
    this.log(`${this.label} queue ${s.queue}: worker restarted (restart ${s.restarts}, down since ${was.since}, ${was.attempts + 1} attempt(s))`);
  }

  snapshot(queues: number[]): QueueSupervision[] {
    return queues.map((q) => {
      const s = this.queues.get(q);
      return s ? { queue: q, restarts: s.restarts, lastExit: s.lastExit, down: s.down ? { ...s.down } : null } : { queue: q, restarts: 0, lastExit: null, down: null };
    });
  }

  stop(): void {
    this.stopped = true;
    for (const s of this.queues.values()) if (s.timer) clearTimeout(s.timer);
  }
}
