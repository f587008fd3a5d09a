// The ABI header (docs/abi.md, "Control block"): the fields the host fills once
// per batch so a header the guest overwrote does not outlive its instance.

import {
  ABI_MAGIC, ABI_VERSION, BATCH_CAPACITY, FRAME_AREA_OFFSET, FRAME_AREA_SIZE, H_BATCH_CAPACITY,
  H_FRAME_AREA_OFFSET, H_FRAME_AREA_SIZE, H_FRAME_SIZE, H_MAGIC, H_MAPS_OFFSET, H_MAPS_SIZE,
  H_MEMORY_BASE, H_PORT_COUNT, H_VERSION, MAPS_OFFSET, MAPS_SIZE, MEMORY_BASE,
} from './abi.js';

export function writeHeader(dv: DataView, frameSize: number, portCount: number): void {
  dv.setUint32(H_MAGIC, ABI_MAGIC, true);
  dv.setUint32(H_VERSION, ABI_VERSION, true);
  dv.setUint32(H_BATCH_CAPACITY, BATCH_CAPACITY, true);
  dv.setUint32(H_FRAME_SIZE, frameSize, true);
  dv.setUint32(H_FRAME_AREA_OFFSET, FRAME_AREA_OFFSET, true);
  dv.setUint32(H_FRAME_AREA_SIZE, FRAME_AREA_SIZE, true);
  dv.setUint32(H_MAPS_OFFSET, MAPS_OFFSET, true);
  dv.setUint32(H_MAPS_SIZE, MAPS_SIZE, true);
  dv.setUint32(H_PORT_COUNT, portCount, true);
  dv.setUint32(H_MEMORY_BASE, MEMORY_BASE, true);
}
