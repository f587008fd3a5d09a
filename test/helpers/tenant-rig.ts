// A live AF_XDP port on a fresh veth (namespaces of our own) whose batch
// carries the kernel's per-frame tenant ids: what the tenant suites receive on.
import { memoryPages } from '../../host/abi.js';
import { Batch } from '../../host/batch.js';
import { XskPortSet, type BatchArrays } from '../../native/index.js';
import { NetLab, type Veth } from './netns.js';

export interface TenantRig { lab: NetLab; v: Veth; set: XskPortSet; batch: Batch; tenant: Uint16Array; bytes: Uint8Array }

/** Runs `fn` on a port of a new veth; removes both afterwards, even on failure. */
export async function withTenantRig(mode: 'skb' | 'drv', fn: (r: TenantRig) => Promise<void>): Promise<void> {
  const lab = new NetLab();
  const pages = memoryPages(1);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  const set = XskPortSet.open({ memory });
  try {
    const v = lab.addVeth({ peerNs: lab.addNetns() });
    set.addPort({ ifname: v.name, mode, rxSize: 4096 });
    const batch = new Batch();
    const tenant = new Uint16Array(batch.addr.length).fill(0xffff);
    set.bindBatch({ ...batch, tenant } as BatchArrays);
    set.receive(0, 0);
    await fn({ lab, v, set, batch, tenant, bytes: new Uint8Array(memory.buffer) });
  } finally {
    set.close();
    lab.destroy();
  }
}
