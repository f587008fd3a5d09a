// Where the fleet keeps things in etcd (docs/fleet.md, key layout). Every key
// lives under one prefix; a tenant's desired state and rollouts live under
// its own tenants/<tenant>/ prefix, so etcd roles can grant a tenant exactly
// that prefix (and the shared, content-addressed modules/).

import { WasmxdpError } from '../../host/errors.js';

export const FLEET_PREFIX = '/wasmxdp/';

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** Refuses names that would escape their place in a key (a '/' or an empty segment). */
export function checkName(what: string, v: string): string {
  if (!NAME.test(v)) throw new WasmxdpError('E_USAGE', `${what} must be 1-64 letters, digits, '_', '.' or '-', got ${JSON.stringify(v)}`);
  return v;
}

export const keys = {
  module: (sha256: string) => `${FLEET_PREFIX}modules/${sha256}`,
  /** Present while the node's lease lives: it is up and reachable. */
  alive: (node: string) => `${FLEET_PREFIX}nodes/${node}/alive`,
  /** The node's last report of what it runs (outlives the lease: status shows it stale). */
  actual: (node: string) => `${FLEET_PREFIX}nodes/${node}/actual`,
  nodes: () => `${FLEET_PREFIX}nodes/`,
  /** The rollout of one port/stage, compare-and-swapped on its revision. */
  rollout: (tenant: string, port: string, stage: string) => `${FLEET_PREFIX}tenants/${tenant}/rollouts/${port}/${stage}`,
  /** What one node should run on one port/stage. */
  desired: (tenant: string, node: string, port: string, stage: string) => `${FLEET_PREFIX}tenants/${tenant}/desired/${node}/${port}/${stage}`,
  desiredOfNode: (tenant: string, node: string) => `${FLEET_PREFIX}tenants/${tenant}/desired/${node}/`,
  tenants: () => `${FLEET_PREFIX}tenants/`,
};

/** Parses a desired key back into its parts; null for any other key. */
export function parseDesiredKey(key: string): { tenant: string; node: string; port: string; stage: string } | null {
  const m = /^\/wasmxdp\/tenants\/([^/]+)\/desired\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(key);
  return m ? { tenant: m[1], node: m[2], port: m[3], stage: m[4] } : null;
}
