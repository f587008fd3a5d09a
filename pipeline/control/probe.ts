// Learns which maps a new version declares, off the data path: the module is
// instantiated once on a scratch memory of its own (its start function runs
// the declarations) and the maps region is read back. A version that fails to
// start, or that overwrites its own map descriptors while starting, is
// refused here, before any worker is asked to swap.

import { WasmxdpError } from '../../host/errors.js';
import type { LoadedModule } from '../../host/load.js';
import { MapsRegion } from '../../host/maps/region.js';
import { Sandbox } from '../../host/sandbox.js';
import type { MapShapeSpec } from '../live/control-messages.js';

export function probeMaps(loaded: LoadedModule, name: string): MapShapeSpec[] {
  const sb = new Sandbox(loaded, { name, quarantine: false, log: () => {} });
  return MapsRegion.of(sb.memory).scan().map(({ info: i, problem }) => {
    if (problem !== undefined) throw new WasmxdpError('E_DEPLOY', `its start function overwrote the descriptor of its own map '${i.name}' (${problem}); fix the handler`);
    return { name: i.name, kind: i.kindName as MapShapeSpec['kind'], keySize: i.keySize, valueSize: i.valueSize, maxEntries: i.maxEntries };
  });
}
