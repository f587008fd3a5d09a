// Chain fixtures: a pipeline.json-shaped config with an operator chain and
// tenants on one port `edge`, validated and loaded the way the daemon does,
// and frames addressed to each tenant's prefix.
import path from 'node:path';
import { ChainPort } from '../../pipeline/chain/chain-port.js';
import { loadChain, LoadedChain } from '../../pipeline/control/load-chain.js';
import { validateConfig } from '../../pipeline/control/config.js';
import { ROOT } from './cli.js';
import { eth, ipv4, udp } from './packets.js';

export const GUESTS = path.join(ROOT, 'test/pipeline/guests');
export const guest = (name: string) => path.join(GUESTS, `${name}.ts`);
export const example = (name: string) => path.join(ROOT, 'examples', name);

/** Tenant acme owns 198.51.100.0/24, globex 203.0.113.0/24 (ids 1 and 2). */
export const ACME_NET = '198.51.100.0/24';
export const GLOBEX_NET = '203.0.113.0/24';

export interface TenantSpec { name: string; dst: string; chain: unknown[]; quota?: Record<string, unknown> }

export function chainConfig(operator: unknown[], tenants: TenantSpec[]): unknown {
  return {
    ports: [{ name: 'edge', iface: 'wxtest0', chain: operator }],
    tenants: tenants.map((t, i) => ({
      name: t.name, socket: { path: `/tmp/wx-test-${t.name}.sock`, uid: 1000 + i },
      match: [{ port: 'edge', dst: t.dst }], quota: t.quota, chain: t.chain,
    })),
  };
}

export async function chainPort(raw: unknown): Promise<{ port: ChainPort; chain: LoadedChain }> {
  const config = validateConfig(raw, ROOT);
  const chain = await loadChain(config, 'edge', { log: () => {} });
  return { port: new ChainPort(chain.runner, chain.umem, chain.classifier), chain };
}

/** A UDP frame to `dst`:`dport` with `payload`. */
export function udpTo(dst: string, dport: number, payload: Uint8Array | string = 'hello'): Uint8Array {
  return eth({}, ipv4({ src: '192.0.2.10', dst }, udp({ sport: 40000, dport }, payload)));
}

/** The 16-byte marker memory-scanner.ts looks for. */
export function marker(): Uint8Array {
  return Uint8Array.from({ length: 16 }, (_, j) => (0x5a + j * 13) & 0xff);
}
