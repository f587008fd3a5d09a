// Modules in etcd, addressed by the sha256 of their bytes: stored once however
// many nodes, rollouts or tenants use them, never overwritten (a put only
// happens when the key does not exist), and checked against their address
// when read, so a node never runs bytes other than the ones it was told to.

import crypto from 'node:crypto';
import type { Etcd3 } from 'etcd3';
import { WasmxdpError } from '../../host/errors.js';
import { keys } from './keys.js';

/** etcd refuses requests over 1.5 MiB by default (--max-request-bytes): stay under it. */
export const MAX_FLEET_MODULE_BYTES = 1024 * 1024;

export function sha256Hex(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/** Stores `bytes` unless already there; returns its address and whether it was new. */
export async function putModule(etcd: Etcd3, bytes: Uint8Array, limit = MAX_FLEET_MODULE_BYTES): Promise<{ sha256: string; stored: boolean }> {
  if (bytes.length > limit) {
    throw new WasmxdpError('E_MODULE_TOO_LARGE', `the module is ${bytes.length} bytes; the fleet stores modules up to ${limit} bytes (etcd's request limit); make it smaller (asc --optimize, fewer static buffers)`);
  }
  const sha256 = sha256Hex(bytes);
  const key = keys.module(sha256);
  const r = await etcd.if(key, 'Create', '==', 0).then(etcd.put(key).value(Buffer.from(bytes))).commit();
  return { sha256, stored: r.succeeded };
}

export async function getModule(etcd: Etcd3, sha256: string): Promise<Uint8Array> {
  const b = await etcd.get(keys.module(sha256)).buffer();
  if (!b) throw new WasmxdpError('E_NOT_FOUND', `module ${sha256} is not in the fleet's store (deleted by hand?); deploy it again with 'wasmxdp fleet deploy'`);
  const got = sha256Hex(b);
  if (got !== sha256) throw new WasmxdpError('E_DEPLOY', `module ${sha256} in etcd hashes to ${got}: refused (the store was written by something else than wasmxdp)`);
  return new Uint8Array(b);
}
