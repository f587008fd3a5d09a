// The allocation-free check every example must pass: a million packets from
// the bundled capture through a guest with a 1 MiB heap. The memory is fixed
// (initial == maximum), so a guest that allocated even 2 bytes per packet
// would exhaust the heap and trap; and the high-water mark of the heap must
// not move after the first batch (module start may allocate once).

import * as assert from 'uvu/assert';
import path from 'node:path';
import { PROJECT_ROOT } from '../../host/compile.js';
import { Sandbox } from '../../host/sandbox.js';
import { openCapture } from '../../pipeline/capture/index.js';
import { guestModule, heapHighWater, runMany } from './guest.js';

export const BUNDLED_CAPTURE = path.join(PROJECT_ROOT, 'examples/captures/mix.pcapng');

export function bundledFrames(): Uint8Array[] {
  return [...openCapture(BUNDLED_CAPTURE)].map((p) => p.data);
}

/** Returns ns per packet, measured over the million packets. */
export async function assertAllocationFree(handler: string, frames: Uint8Array[], packets = 1_000_000): Promise<number> {
  const sandbox = new Sandbox(await guestModule(handler), { heapPages: 16, log: () => {} });
  const bytes = sandbox.memory.buffer.byteLength;
  runMany(sandbox, frames, Math.min(frames.length, 256));
  const mark = heapHighWater(sandbox);
  const ns = runMany(sandbox, frames, packets);
  assert.is(sandbox.stats.traps, 0, `the guest trapped: ${sandbox.stats.lastTrap}`);
  assert.is(sandbox.stats.verdicts[0], 0, 'no packet was ABORTED');
  assert.is(sandbox.memory.buffer.byteLength, bytes, 'the memory did not grow');
  assert.is(heapHighWater(sandbox), mark, 'the heap high-water mark did not move');
  return ns / packets;
}
