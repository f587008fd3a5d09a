// The etcd client the fleet uses: bounded calls (a lost etcd must not hang a
// deploy or the node agent) and one error for "etcd cannot be reached".

import { Etcd3, type IOptions } from 'etcd3';
import { WasmxdpError, isWasmxdpError } from '../../host/errors.js';

/** How long one unary call to etcd may take. */
export const ETCD_CALL_MS = 3000;

export function connectEtcd(url: string): Etcd3 {
  const hosts = url.split(',').map((h) => h.trim()).filter(Boolean);
  if (hosts.length === 0 || hosts.some((h) => !/^https?:\/\/[^/]+\/?$/.test(h))) {
    throw new WasmxdpError('E_USAGE', `--fleet must be etcd's client URL(s), e.g. http://127.0.0.1:2379, got '${url}'`);
  }
  const opts: IOptions = {
    hosts,
    dialTimeout: ETCD_CALL_MS,
    // Watches are streams: only unary calls get a deadline.
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: new Date(Date.now() + ETCD_CALL_MS) }),
  };
  return new Etcd3(opts);
}

/** Turns a client error into E_FLEET_UNAVAILABLE naming the URL; WasmxdpErrors pass through. */
export function etcdError(url: string, e: unknown): Error {
  if (isWasmxdpError(e)) return e;
  return new WasmxdpError('E_FLEET_UNAVAILABLE', `etcd at ${url} did not answer (${(e as Error)?.message ?? String(e)}); check that it runs and --fleet points at its client URL`, { cause: e });
}

export async function withEtcd<T>(url: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw etcdError(url, e);
  }
}
