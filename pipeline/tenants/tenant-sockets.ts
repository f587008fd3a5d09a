// One control socket per tenant, whose file the kernel guards: created mode
// 0600 by root, then given to the tenant's uid (and gid) with the mode from
// the config, in a directory only root may write (so nobody can swap the
// socket file). A connection on it speaks for that tenant, whatever tenant
// its requests name: identity comes from which file the kernel let it open.

import fs from 'node:fs';
import path from 'node:path';
import { WasmxdpError } from '../../host/errors.js';
import type { Request } from '../control/protocol.js';
import { ControlServer, Handler, ServerOptions } from '../control/server.js';
import type { TenantConfig } from './config.js';

/** Creates the socket's directory (0755) or checks that others cannot write the one there is. */
export function checkSocketDir(file: string): void {
  const dir = path.dirname(file);
  if (!fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  const st = fs.statSync(dir);
  if (st.uid !== process.getuid!()) throw new WasmxdpError('E_CONFIG', `${dir} (the directory of tenant socket ${file}) belongs to uid ${st.uid}: it must belong to the daemon's user, or another user could replace the socket`);
  if (st.mode & 0o022) throw new WasmxdpError('E_CONFIG', `${dir} (the directory of tenant socket ${file}) is writable by group or others (mode 0${(st.mode & 0o777).toString(8)}): anyone could replace the socket; chmod go-w it or choose another directory`);
}

/** The requests of a tenant's connection, re-labelled with the tenant the socket belongs to. */
export function asTenant(tenant: string, handler: Handler): Handler {
  return (req: Request) => handler({ ...req, tenant });
}

export async function listenTenantSockets(tenants: TenantConfig[], handler: Handler, opts: Omit<ServerOptions, 'path'>): Promise<ControlServer[]> {
  const servers: ControlServer[] = [];
  try {
    for (const t of tenants) {
      checkSocketDir(t.socket.path);
      const srv = await ControlServer.listen({ ...opts, path: t.socket.path }, asTenant(t.name, handler));
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
