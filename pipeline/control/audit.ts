// The audit trail: every request that changes what runs or what a map holds
// (deploy, rollback, map set/delete) is logged with the tenant that asked,
// whether it succeeded, and what it changed; quarantines, which the data path
// decides on its own, are logged when the published figures first show them.

import { isWasmxdpError } from '../../host/errors.js';
import type { Request } from './protocol.js';
import type { Logger } from '../ops/log.js';
import type { PublishedSource } from '../ops/published.js';

const AUDITED = new Set(['deploy', 'rollback', 'map.set', 'map.delete']);

/** Wraps the control socket's handler: audited commands are logged after they finish. */
export function audited(handler: (req: Request) => Promise<unknown>, log: Logger): (req: Request) => Promise<unknown> {
  return async (req) => {
    if (!AUDITED.has(req.cmd)) return handler(req);
    const a = req.args;
    const base = {
      audit: true, event: req.cmd, tenant: req.tenant, port: typeof a.port === 'string' ? a.port : undefined,
      map: typeof a.map === 'string' ? a.map : undefined, key: typeof a.key === 'string' ? a.key : undefined,
      value: typeof a.value === 'string' ? a.value.slice(0, 256) : undefined,
      queue: typeof a.queue === 'number' ? a.queue : undefined,
      program: req.cmd === 'deploy' ? (a.program as { name?: unknown } | undefined)?.name as string | undefined : undefined,
    };
    try {
      const r = await handler(req) as Record<string, unknown>;
      const version = typeof r?.version === 'number' ? r.version : undefined;
      const from = typeof r?.from === 'number' ? r.from : undefined;
      log.info(`${req.cmd} by tenant ${req.tenant}${base.port ? ` on port ${base.port}` : ''}: ok${describe(req.cmd, r)}`, {
        ...base, ok: true, version, from, sha256: typeof r?.sha256 === 'string' ? r.sha256 : undefined,
        resetMaps: Array.isArray(r?.resetMaps) ? r.resetMaps as string[] : undefined,
      });
      return r;
    } catch (e) {
      log.warn(`${req.cmd} by tenant ${req.tenant}${base.port ? ` on port ${base.port}` : ''}: refused: ${(e as Error).message}`, {
        ...base, ok: false, code: isWasmxdpError(e) ? e.code : 'E_INTERNAL',
      });
      throw e;
    }
  };
}

function describe(cmd: string, r: Record<string, unknown> | undefined): string {
  if (!r) return '';
  if (cmd === 'deploy') return `, v${r.version} (${r.name})`;
  if (cmd === 'rollback') return `, v${r.from} -> v${r.version}`;
  return '';
}

/**
 * Watches the published figures (no request to a worker) and logs each
 * queue's quarantine when it starts and when it ends (a deploy replaces the
 * quarantined instance).
 */
export function watchQuarantines(source: PublishedSource, log: Logger, intervalMs = 1000): { stop(): void } {
  const state = new Map<string, boolean>();
  const timer = setInterval(() => {
    for (const p of source.published()) {
      for (const q of p.queues) {
        const f = q.figures?.program;
        if (!f) continue;
        const key = `${p.name}#${p.stage ?? ''}#${q.queue}`;
        const where = `port ${p.name}${p.stage ? ` stage ${p.stage}` : ''} queue ${q.queue}`;
        const was = state.get(key) ?? false;
        if (f.quarantined && !was) log.error(`${where}: program quarantined: ${f.status}`, { audit: true, event: 'quarantine', tenant: p.owner, port: p.name, stage: p.stage, queue: q.queue, version: q.figures?.control?.version, reason: f.status });
        if (!f.quarantined && was) log.info(`${where}: quarantine over (a new instance runs)`, { audit: true, event: 'quarantine-end', tenant: p.owner, port: p.name, stage: p.stage, queue: q.queue, version: q.figures?.control?.version });
        state.set(key, f.quarantined);
      }
    }
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
