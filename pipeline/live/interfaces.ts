// What the kernel says about an interface before we attach to it, so a typo
// gets a clear error instead of an errno from deep inside libbpf.

import fs from 'node:fs';
import { WasmxdpError } from '../../host/errors.js';

export function checkInterface(ifname: string): void {
  if (!/^[A-Za-z0-9_.:@-]{1,15}$/.test(ifname)) {
    throw new WasmxdpError('E_NO_SUCH_IFACE', `'${ifname}' is not a valid interface name`);
  }
  if (!fs.existsSync(`/sys/class/net/${ifname}`)) {
    throw new WasmxdpError('E_NO_SUCH_IFACE', `no interface named ${ifname} in this network namespace (see 'ip link')`);
  }
}

/** Number of receive queues of an interface. */
export function rxQueueCount(ifname: string): number {
  checkInterface(ifname);
  try {
    return Math.max(1, fs.readdirSync(`/sys/class/net/${ifname}/queues`).filter((q) => q.startsWith('rx-')).length);
  } catch {
    return 1;
  }
}
