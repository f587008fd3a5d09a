import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ABI_MAGIC, ABI_VERSION, H_FRAME_SIZE, H_MAGIC, H_MEMORY_BASE, H_PORT_COUNT, H_SEED, H_VERSION, MEMORY_BASE } from '../../host/abi.js';
import { writeHeader } from '../../host/header.js';

const test = suite('host/header');

test('writes the static ABI header fields over whatever was there, and only those', () => {
  const dv = new DataView(new ArrayBuffer(256));
  new Uint8Array(dv.buffer).fill(0xee);
  writeHeader(dv, 4096, 3);
  assert.is(dv.getUint32(H_MAGIC, true), ABI_MAGIC);
  assert.is(dv.getUint32(H_VERSION, true), ABI_VERSION);
  assert.is(dv.getUint32(H_FRAME_SIZE, true), 4096);
  assert.is(dv.getUint32(H_PORT_COUNT, true), 3);
  assert.is(dv.getUint32(H_MEMORY_BASE, true), MEMORY_BASE);
  assert.is(dv.getUint32(H_SEED, true), 0xeeeeeeee, 'per-batch fields are the run loop\'s');
});

test.run();
