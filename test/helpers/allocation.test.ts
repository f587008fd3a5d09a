// The allocation-free check itself must fail for a guest that allocates.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { PROJECT_ROOT } from '../../host/compile.js';
import { assertAllocationFree } from './allocation.js';
import { eth, ipv4, udp } from './packets.js';

const ALLOCATING = path.join(PROJECT_ROOT, 'test/helpers/guests/allocating.ts');
const test = suite('helpers/allocation');
const frames = [eth({}, ipv4({}, udp({}, 'x')))];

async function fails(packets: number): Promise<string> {
  try { await assertAllocationFree(ALLOCATING, frames, packets); } catch (e) { return (e as Error).message; }
  return '';
}

test('a guest allocating 2 bytes per packet moves the heap mark', async () => {
  assert.match(await fails(1000), /high-water/);
});

test('and traps long before a million packets on a 1 MiB heap', async () => {
  assert.match(await fails(1_000_000), /trapped/);
});

test.run();
