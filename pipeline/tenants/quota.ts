// A tenant's user-space quotas, checked when one of its programs is loaded
// (at start and at every deploy): module size, heap pages, fuel per packet,
// map bytes, stages. A refusal names the quota, its limit and what was asked.

import { WasmxdpError } from '../../host/errors.js';
import { geometry } from '../../host/maps/layout.js';
import type { MapShapeSpec } from '../../host/maps/map-ops.js';
import type { Quota } from './config.js';
import { KIND_BY_NAME } from '../../host/maps/region.js';

function over(tenant: string, what: string, quota: string, limit: number, asked: number): never {
  throw new WasmxdpError('E_QUOTA', `tenant ${tenant}: ${what} is over the quota ${quota} (${asked} > ${limit}); ask the operator to raise quota.${quota} in the config`);
}

/** Before compiling: the module's size. */
export function checkModuleQuota(tenant: string, quota: Quota, moduleBytes: number): void {
  if (moduleBytes > quota.moduleBytes) over(tenant, `the module of ${moduleBytes} bytes`, 'moduleBytes', quota.moduleBytes, moduleBytes);
}

/** The sandbox options a deploy asks for. */
export function checkProgramQuota(tenant: string, quota: Quota, p: { heapPages?: number; fuelPerPacket?: number }): void {
  if (p.heapPages !== undefined && p.heapPages > quota.heapPages) over(tenant, `heapPages ${p.heapPages}`, 'heapPages', quota.heapPages, p.heapPages);
  if (p.fuelPerPacket !== undefined && p.fuelPerPacket > quota.fuelPerPacket) over(tenant, `fuelPerPacket ${p.fuelPerPacket}`, 'fuelPerPacket', quota.fuelPerPacket, p.fuelPerPacket);
}

/** Bytes the maps a module declares take in its maps region. */
export function mapBytes(maps: MapShapeSpec[]): number {
  let total = 0;
  for (const m of maps) total += geometry({ kind: KIND_BY_NAME[m.kind], keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries }).byteSize;
  return total;
}

/** After the deploy-time probe: the maps the module declared. */
export function checkMapQuota(tenant: string, quota: Quota, maps: MapShapeSpec[]): void {
  const bytes = mapBytes(maps);
  if (bytes > quota.mapBytes) over(tenant, `its maps (${maps.map((m) => m.name).join(', ')}: ${bytes} bytes)`, 'mapBytes', quota.mapBytes, bytes);
}

/** A new stage on top of `current` ones. */
export function checkStageQuota(tenant: string, quota: Quota, stages: number): void {
  if (stages > quota.stages) over(tenant, `${stages} stages`, 'stages', quota.stages, stages);
}
