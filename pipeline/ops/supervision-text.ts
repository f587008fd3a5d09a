// status's lines about supervision: restarts per queue, and a queue that is
// down (in capitals: it is the line an operator must not miss).

import type { QueueSupervision } from './supervisor.js';

export function supervisionLines(queues: QueueSupervision[]): string[] {
  const lines: string[] = [];
  for (const q of queues) {
    if (q.down) lines.push(`  queue ${q.queue} DOWN since ${q.down.since}: ${q.down.reason}${q.down.attempts ? ` (${q.down.attempts} restart attempt(s) failed` : ' (restarting'}${q.down.nextAttemptAt ? `, next at ${q.down.nextAttemptAt})` : ')'}`);
    if (q.restarts) lines.push(`  queue ${q.queue}: worker restarted ${q.restarts} time(s), last exit ${q.lastExit?.at}: ${q.lastExit?.reason}`);
  }
  return lines;
}
