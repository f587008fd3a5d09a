// Keeps each port's run-time changes in the state directory and brings them
// back at start: the version history (deploys, rollbacks, automatic
// rollbacks) and the map writes the operator made. A state file that cannot
// be used is reported and the port starts from the config; a config whose
// program changed since the state was written wins over the state.

import type { PortRuntime, VersionRecord } from './port-runtime.js';
import type { Request } from './protocol.js';
import type { Logger } from '../ops/log.js';
import { compactWrites, PortState, STATE_FORMAT, StateStore, StoredMapWrite } from '../ops/state-store.js';

export interface PortSource {
  /** Every port, and every stage of a chain port. */
  runtimes(): PortRuntime[];
  /** The runtime a request acts on (a chain port's stage by args.stage); null if none. */
  runtimeFor(req: Request): PortRuntime | null;
}

/** The state file of a port, or of one stage of a chain port (`+` is in no port, tenant or stage name). */
export const stateKey = (rt: PortRuntime): string => (rt.stage ? `${rt.name}+${rt.stage.replace(/\//g, '+')}` : rt.name);
/** How the log names a port or a chain port's stage. */
const what = (rt: PortRuntime): string => (rt.stage ? `port ${rt.name} stage ${rt.stage}` : `port ${rt.name}`);

export class Persistence {
  private readonly writes = new Map<string, StoredMapWrite[]>();
  private readonly configSha = new Map<string, string>();
  private readonly saved = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly store: StateStore, private readonly ports: PortSource, private readonly log: Logger) {
    for (const rt of ports.runtimes()) {
      const v1 = rt.history().versions.find((v) => v.version === 1);
      if (v1) this.configSha.set(stateKey(rt), v1.sha256);
      // The config's program is in the store too: a state never names a module it lacks.
      if (rt.initialProgram) store.putModule(rt.initialProgram.bytes);
      // A worker restarted by the supervisor starts with empty maps: give its queue the operator's writes back.
      rt.afterRestart = (queue) => this.replay(rt, queue);
    }
  }

  /** At start, after the ports attached from the config. */
  async restoreAll(): Promise<void> {
    for (const rt of this.ports.runtimes()) {
      let state: PortState | null = null;
      try {
        state = this.store.loadPort(stateKey(rt));
      } catch (e) {
        this.log.error(`${what(rt)}: ${(e as Error).message}; starting from the config`, { port: rt.name, stage: rt.stage ?? undefined, event: 'state-unusable' });
      }
      if (state && state.configSha256 !== this.configSha.get(stateKey(rt))) {
        this.log.warn(`${what(rt)}: the config's program changed since the state was saved; starting from the config (the old state is replaced)`, { port: rt.name, stage: rt.stage ?? undefined, event: 'state-stale' });
        state = null;
      }
      if (state) {
        try {
          await rt.restoreHistory({ nextVersion: state.nextVersion, chain: state.chain, versions: state.versions as VersionRecord[] }, (r) => this.store.getModule(r.sha256));
          const running = state.chain[state.chain.length - 1];
          this.log.info(`${what(rt)}: restored from the state directory: v${running} running, ${state.versions.length} version(s) in the history`, { port: rt.name, stage: rt.stage ?? undefined, event: 'state-restored', version: running });
        } catch (e) {
          this.log.error(`${what(rt)}: cannot restore the saved versions (${(e as Error).message}); starting from the config`, { port: rt.name, stage: rt.stage ?? undefined, event: 'state-unusable' });
          state = null;
        }
      }
      const writes = state?.mapWrites ?? [];
      this.writes.set(stateKey(rt), state ? compactWrites(writes) : []);
      await this.replay(rt, undefined);
      this.save(rt);
    }
    // Automatic rollbacks change the history without a request: check every second.
    this.timer = setInterval(() => { for (const rt of this.ports.runtimes()) this.save(rt); }, 1000);
    this.timer.unref();
  }

  /** Replays the port's saved map writes: on every queue, or (after a worker restart) on one. */
  private async replay(rt: PortRuntime, queue: number | undefined): Promise<void> {
    const writes = (this.writes.get(stateKey(rt)) ?? []).filter((w) => queue === undefined || w.queue === undefined || w.queue === queue);
    let replayed = 0;
    for (const w of writes) {
      try {
        await rt.mapOp({ op: w.op, map: w.map, key: w.key, value: w.value, keySchema: w.keySchema, valueSchema: w.valueSchema }, queue ?? w.queue);
        replayed++;
      } catch (e) {
        this.log.warn(`${what(rt)}: saved map write ${w.op} ${w.map}[${w.key}] not replayed: ${(e as Error).message}`, { port: rt.name, stage: rt.stage ?? undefined, event: 'state-map-write-skipped', map: w.map, key: w.key });
      }
    }
    if (writes.length) this.log.info(`${what(rt)}${queue === undefined ? '' : ` queue ${queue}`}: ${replayed} of ${writes.length} saved map write(s) replayed`, { port: rt.name, stage: rt.stage ?? undefined, queue, event: 'state-maps-restored' });
  }

  private save(rt: PortRuntime): void {
    const h = rt.history();
    const state: PortState = {
      format: STATE_FORMAT, port: stateKey(rt), configSha256: this.configSha.get(stateKey(rt)) ?? '', nextVersion: h.nextVersion, chain: h.chain,
      versions: h.versions, mapWrites: this.writes.get(stateKey(rt)) ?? [],
    };
    const text = JSON.stringify(state);
    if (this.saved.get(stateKey(rt)) === text) return;
    try {
      this.store.savePort(state);
      this.saved.set(stateKey(rt), text);
    } catch (e) {
      this.log.error(`${what(rt)}: cannot save the state: ${(e as Error).message}`, { port: rt.name, stage: rt.stage ?? undefined, event: 'state-save-failed' });
    }
  }

  /** Wraps the control handler: deploys store their module first; changes are saved once they succeeded. */
  wrap(handler: (req: Request) => Promise<unknown>): (req: Request) => Promise<unknown> {
    return async (req) => {
      const a = req.args;
      if (req.cmd === 'deploy') {
        const bytes = (a.program as { bytes?: unknown } | undefined)?.bytes;
        if (bytes instanceof Uint8Array) this.store.putModule(bytes);
      }
      const result = await handler(req);
      const rt = this.ports.runtimeFor(req);
      if (!rt) return result;
      if (req.cmd === 'map.set' || req.cmd === 'map.delete') {
        if (typeof a.map === 'string' && typeof a.key === 'string' && (a.value === undefined || typeof a.value === 'string')) {
          const w: StoredMapWrite = { op: req.cmd === 'map.set' ? 'set' : 'delete', map: a.map, key: a.key, value: a.value as string | undefined,
            keySchema: a.keySchema as Record<string, string> | undefined, valueSchema: a.valueSchema as Record<string, string> | undefined, queue: a.queue as number | undefined };
          this.writes.set(stateKey(rt), compactWrites([...(this.writes.get(stateKey(rt)) ?? []), w]));
        } else {
          this.log.warn(`${what(rt)}: a map write with binary key or value is not kept in the state directory`, { port: rt.name, stage: rt.stage ?? undefined, event: 'state-map-write-not-kept' });
        }
      }
      if (['deploy', 'rollback', 'map.set', 'map.delete'].includes(req.cmd)) this.save(rt);
      return result;
    };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    for (const rt of this.ports.runtimes()) this.save(rt);
  }
}
