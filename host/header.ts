// The ABI header (docs/abi.md, "Control block"): the fields the host fills once
// per batch so a header the guest overwrote does not outlive its instance.

import {
  ABI_MAGIC, ABI_VERSION, BATCH_CAPACITY, FRAME_AREA_OFFSET, FRAME_AREA_SIZE, H_BATCH_CAPACITY,
  H_FRAME_AREA_OFFSET, H_FRAME_AREA_SIZE, H_FRAME_SIZE, H_MAGIC, H_MAPS_OFFSET, H_MAPS_SIZE,
  H_MEMORY_BASE, H_PORT_COUNT, H_VERSION, MAPS_OFFSET, MAPS_SIZE, MEMORY_BASE,
} from './abi.js';

/** [byte offset, value] of every static header field. */
function fields(frameSize: number, portCount: number): [number, number][] {
  return [
    [H_MAGIC, ABI_MAGIC], [H_VERSION, ABI_VERSION], [H_BATCH_CAPACITY, BATCH_CAPACITY], [H_FRAME_SIZE, frameSize],
    [H_FRAME_AREA_OFFSET, FRAME_AREA_OFFSET], [H_FRAME_AREA_SIZE, FRAME_AREA_SIZE], [H_MAPS_OFFSET, MAPS_OFFSET],
    [H_MAPS_SIZE, MAPS_SIZE], [H_PORT_COUNT, portCount], [H_MEMORY_BASE, MEMORY_BASE],
  ];
}

export function writeHeader(dv: DataView, frameSize: number, portCount: number): void {
  for (const [at, v] of fields(frameSize, portCount)) dv.setUint32(at, v, true);
}

/**
 * The static header as the u32 words from offset 0 up to its last field, for
 * one `Uint32Array.set` per batch. The fields are contiguous from offset 0;
 * the per-batch ones (seed, n, time) follow them.
 */
export function headerWords(frameSize: number, portCount: number): Uint32Array {
  const f = fields(frameSize, portCount);
  const words = new Uint32Array(Math.max(...f.map(([at]) => at)) / 4 + 1);
  const dv = new DataView(words.buffer);
  for (const [at, v] of f) dv.setUint32(at, v, true);
  if (words.length !== f.length) throw new Error('the ABI header\'s static fields are not contiguous from offset 0');
  return words;
}
