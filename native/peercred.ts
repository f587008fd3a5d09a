// Who is at the other end of a connected Unix socket: SO_PEERCRED through the
// addon. The control socket's client checks the daemon's uid with it, the
// daemon its clients' (docs/control-plane.md, threat model).
//
// The fd comes from the socket's libuv handle (`_handle.fd`, a Pipe for Unix
// sockets). Reading it is safe here because it is used synchronously, in the
// same tick, while the net.Socket is open and owns the fd: nothing can close
// or reuse the descriptor in between, and getsockopt neither keeps nor
// changes it.

import { createRequire } from 'node:module';
import fs from 'node:fs';
import type net from 'node:net';
import { WasmxdpError } from '../host/errors.js';
import { ADDON_PATH, BUILD_HINT } from './load.js';

export interface PeerCredentials { pid: number; uid: number; gid: number }

let addon: { peerCredentials(fd: number): PeerCredentials } | undefined;

/** The addon's peerCredentials (only the addon file is needed, not the XDP object). */
function native(): { peerCredentials(fd: number): PeerCredentials } {
  if (addon) return addon;
  if (!fs.existsSync(ADDON_PATH)) {
    throw new WasmxdpError('E_NATIVE_UNAVAILABLE', `the wasmxdp addon is not built (${ADDON_PATH} is missing), so the control socket's peer cannot be checked: ${BUILD_HINT}`);
  }
  addon = createRequire(import.meta.url)(ADDON_PATH) as { peerCredentials(fd: number): PeerCredentials };
  return addon;
}

/** SO_PEERCRED of a raw fd. */
export function peerCredentials(fd: number): PeerCredentials {
  if (!Number.isInteger(fd) || fd < 0) throw new WasmxdpError('E_USAGE', `peerCredentials: ${fd} is not a file descriptor`);
  return native().peerCredentials(fd);
}

/** SO_PEERCRED of a connected net.Socket (a Unix socket). */
export function socketPeer(sock: net.Socket): PeerCredentials {
  const fd = (sock as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new WasmxdpError('E_SOCKET', 'the control connection has no file descriptor (closed already?)');
  return peerCredentials(fd);
}
