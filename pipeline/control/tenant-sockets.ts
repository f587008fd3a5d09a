// One control socket per tenant, whose file the kernel guards: created mode
// 0600 by root, then given to the tenant's uid (and gid) with the mode from
// the config, in a directory only root may write (so nobody can swap the
// socket file). A connection on it speaks for that tenant, whatever tenant
// its requests name: identity comes from which file the kernel let it open.

import fs from 'node:fs';
import type { Request } from './protocol.js';
import { ControlServer, Handler, ServerOptions } from './server.js';
import type { TenantConfig } from '../tenants/config.js';

/** The requests of a tenant's connection, re-labelled with the tenant the socket belongs to. */
export function asTenant(tenant: string, handler: Handler): Handler {
  return (req: Request, conn) => handler({ ...req, tenant }, conn);
}

export async function listenTenantSockets(tenants: TenantConfig[], handler: Handler, opts: Omit<ServerOptions, 'path'>): Promise<ControlServer[]> {
  const servers: ControlServer[] = [];
  try {
    for (const t of tenants) {
      // listen() refuses a directory others could write (they could swap the socket file).
      const srv = await ControlServer.listen({ ...opts, path: t.socket.path, allowUids: [t.socket.uid] }, asTenant(t.name, handler));
      servers.push(srv);
      fs.chownSync(t.socket.path, t.socket.uid, t.socket.gid);
      fs.chmodSync(t.socket.path, t.socket.mode);
    }
  } catch (e) {
    await Promise.all(servers.map((s) => s.close()));
    throw e;
  }
  return servers;
}
