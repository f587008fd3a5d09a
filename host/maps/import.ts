// wx.map_declare, the guest's one map import: guests declare their maps at
// start-up and then reach them with plain loads and stores (docs/maps.md).

import { MapsRegion } from './region.js';
import { EINVAL, type MapKind } from './layout.js';

export type MapDeclareImport = (namePtr: number, nameLen: number, kind: number, keySize: number, valueSize: number, maxEntries: number) => number;

/**
 * The import for guests running on `memory`: returns the absolute address of
 * the map's descriptor, or a negative errno (EINVAL bad arguments, EEXIST the
 * name exists with another shape, ENOSPC the directory or region is full).
 * The reason of the last failure is kept in `lastError` for the host's message.
 */
export function mapDeclareImport(memory: WebAssembly.Memory): MapDeclareImport & { lastError?: string } {
  const region = MapsRegion.of(memory);
  const fn: MapDeclareImport & { lastError?: string } = (namePtr, nameLen, kind, keySize, valueSize, maxEntries) => {
    const u8 = region.u8;
    const p = namePtr >>> 0;
    const n = nameLen >>> 0;
    if (n > 64 || p + n > u8.length) { fn.lastError = 'map name out of bounds'; return EINVAL; }
    const r = region.declareBytes(u8.slice(p, p + n), { kind: (kind >>> 0) as MapKind, keySize: keySize >>> 0, valueSize: valueSize >>> 0, maxEntries: maxEntries >>> 0 }, false);
    if (r.code < 0) { fn.lastError = r.message; return r.code; }
    return r.desc;
  };
  return fn;
}
