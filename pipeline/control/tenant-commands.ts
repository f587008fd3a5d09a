// The operator's view of tenants (`wasmxdp tenant list|status`): each
// tenant's socket, selectors, quotas, stages with their running versions, and
// its figures: frames the kernel classified to it, dropped over its packet
// rate, delivered to user space, and their final verdicts.

import { WasmxdpError } from '../../host/errors.js';
import type { ChainPortRuntime } from './chain-port-runtime.js';
import type { TenantConfig } from '../tenants/config.js';
import type { Selector } from '../tenants/selector.js';

const selectorText = (s: Selector) => ({
  port: s.port, ...(s.dst ? { dst: s.dst.text } : {}), ...(s.vlan !== undefined ? { vlan: s.vlan } : {}),
  ...(s.proto !== undefined ? { proto: s.proto } : {}), ...(s.dport !== undefined ? { dport: s.dport } : {}),
});

function describe(t: TenantConfig) {
  return {
    name: t.name, id: t.id,
    socket: { path: t.socket.path, uid: t.socket.uid, gid: t.socket.gid, mode: `0${t.socket.mode.toString(8)}` },
    match: t.match.map(selectorText), quota: t.quota, stages: t.chain.map((c) => c.stage), queues: t.queues,
  };
}

export function tenantList(tenants: TenantConfig[]): unknown {
  return { tenants: tenants.map(describe) };
}

export function tenantStatus(tenants: TenantConfig[], chains: ChainPortRuntime[], name: unknown): unknown {
  if (name !== undefined && (typeof name !== 'string' || !tenants.some((t) => t.name === name))) {
    throw new WasmxdpError('E_NOT_FOUND', `no tenant named '${String(name)}'; tenants: ${tenants.map((t) => t.name).join(', ') || 'none'}`);
  }
  return {
    tenants: tenants.filter((t) => name === undefined || t.name === name).map((t) => ({
      ...describe(t),
      ports: chains.filter((c) => c.tenants.includes(t)).map((c) => {
        const st = c.status(t.name) as { stages: unknown[]; tenants: unknown[] };
        return { port: c.name, stages: st.stages, figures: st.tenants[0] ?? null };
      }),
    })),
  };
}
