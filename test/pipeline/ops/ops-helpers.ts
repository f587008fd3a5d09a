// What the operations suites share: a test frame, waiting with a bound, and
// the metrics address a daemon logged.
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestDaemon } from '../../helpers/daemon.js';
import type { Veth } from '../../helpers/netns.js';

/** A raw frame to the veth's own MAC with a local-experimental EtherType: nothing else looks at it. */
export function rawFrame(veth: Veth): Uint8Array {
  const f = new Uint8Array(64);
  f.set(veth.mac.split(':').map((x) => parseInt(x, 16)), 0);
  f.set(veth.peerMac.split(':').map((x) => parseInt(x, 16)), 6);
  f[12] = 0x88; f[13] = 0xb5;
  return f;
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** The URL of the daemon's /metrics, from its log line (the config asked for port 0). */
export function metricsUrl(daemon: TestDaemon): Promise<string> {
  return waitFor('the metrics log line', () => /metrics on (http:\/\/\S+\/metrics)/.exec(daemon.log())?.[1]);
}
