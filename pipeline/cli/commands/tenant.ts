// `wasmxdp tenant list|status [<name>]` (operator socket): the tenants of the
// running config, their sockets, selectors and quotas; status adds each
// tenant's stages and figures per port.

import { WasmxdpError } from '../../../host/errors.js';
import { parseCommand } from '../args.js';
import { formatChainStatus } from '../chain-format.js';
import { ask, CLIENT_HELP, CLIENT_OPTIONS, output } from './daemon-client.js';

export const TENANT_HELP = `Usage: wasmxdp tenant list [--json] [--socket <path>]
       wasmxdp tenant status [<name>] [--json] [--socket <path>]

For the operator (the daemon's own socket). list: every tenant with its
socket (path, uid, mode), traffic selectors, quotas and stages. status: the
same plus, per port, the tenant's stages (version, health) and figures: frames
the XDP program classified to it, dropped over its packet rate, delivered to
user space, and their final verdicts. docs/tenants.md explains the model.

Options:
${CLIENT_HELP}`;

interface TenantInfo {
  name: string; id: number; socket: { path: string; uid: number; mode: string };
  match: Record<string, unknown>[]; quota: Record<string, number | undefined>; stages: string[];
  ports?: { port: string; stages: never[]; figures: never }[];
}

function formatTenants(r: { tenants: TenantInfo[] }): string {
  if (r.tenants.length === 0) return 'no tenants in this config';
  return r.tenants.map((t) => [
    `tenant ${t.name} (id ${t.id}): socket ${t.socket.path} uid ${t.socket.uid} mode ${t.socket.mode}`,
    `  match: ${t.match.map((m) => Object.entries(m).map(([k, v]) => `${k}=${v}`).join(' ')).join('; ')}`,
    `  quota: ${Object.entries(t.quota).filter(([, v]) => v !== undefined).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `  stages: ${t.stages.join(', ')}`,
    ...(t.ports ?? []).map((p) => formatChainStatus({ name: p.port, ifaces: [], queues: [], mode: '', error: null, stages: p.stages, tenants: p.figures ? [p.figures] : [] }).split('\n').slice(1).join('\n')),
  ].join('\n')).join('\n\n');
}

export async function tenantCommand(argv: string[], print: (s: string) => void): Promise<number> {
  const p = parseCommand('tenant', argv, CLIENT_OPTIONS, { min: 1, max: 2 });
  if (p.values.help) { print(TENANT_HELP); return 0; }
  const [sub, name] = p.positionals;
  if (sub === 'list' && name === undefined) return output(p, print, await ask(p, 'tenant.list'), formatTenants);
  if (sub === 'status') return output(p, print, await ask(p, 'tenant.status', name === undefined ? {} : { tenant: name }), formatTenants);
  throw new WasmxdpError('E_USAGE', `wasmxdp tenant: expected 'list' or 'status [<name>]' (see 'wasmxdp tenant --help')`);
}
