// Capture files are read forward in chunks: the reader's buffer stays the same
// size whatever the file's size, packets stay valid while held, and a file that
// is not a capture (even an endless one) is refused after its first bytes.

import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CaptureFormatError, openCapture, readCapture } from '../../../pipeline/capture/index.js';
import { FILE_CHUNK } from '../../../pipeline/capture/byte-source.js';
import { writeBigCapture } from './big-capture.js';
import { removeDir, scratchDir } from './tools.js';

const test = suite('streaming capture reader');
const dir = scratchDir('stream');
test.after(() => removeDir(dir));

// The reader holds one chunk (a block larger than a chunk gets a buffer of its size).
const BUFFER_BOUND = FILE_CHUNK + 64 * 1024;

for (const ext of ['pcap', 'pcapng']) {
  test(`${ext}: a capture 40 times the reader's buffer is read with a buffer of one chunk`, () => {
    const file = path.join(dir, `big.${ext}`);
    const written = writeBigCapture(file, 40 * FILE_CHUNK);
    const size = fs.statSync(file).size;
    const cap = openCapture(file);
    let n = 0, bytes = 0;
    for (const p of cap) { n++; bytes += p.data.length; }
    assert.is(n, written);
    assert.ok(bytes > 30 * FILE_CHUNK);
    assert.is(cap.bytesRead, size, 'read to the end');
    assert.ok(cap.peakBuffered > 0 && cap.peakBuffered <= BUFFER_BOUND, `peak buffer ${cap.peakBuffered} bytes for a ${size}-byte file`);
    assert.ok(size > 30 * cap.peakBuffered);
  });
}

test('packets read from a file stay valid while held, across chunks, and match the in-memory reader', () => {
  const file = path.join(dir, 'three.pcapng');
  writeBigCapture(file, 3 * FILE_CHUNK);
  const held = [...openCapture(file)];
  const mem = [...readCapture(fs.readFileSync(file))];
  assert.is(held.length, mem.length);
  for (let i = 0; i < mem.length; i++) {
    assert.is(Buffer.compare(held[i].data, mem[i].data), 0, `packet ${i}`);
    assert.is(held[i].tsNs, mem[i].tsNs);
  }
});

test('/dev/zero is refused as not a capture after its first bytes, not read without end', () => {
  try {
    openCapture('/dev/zero');
    assert.unreachable('expected E_CAPTURE_FORMAT');
  } catch (e) {
    assert.instance(e, CaptureFormatError);
    assert.match((e as Error).message, /\/dev\/zero: file at offset 0 starts with 00 00 00 00, which is neither a pcap nor a pcapng magic; it is not a capture file/);
  }
});

test('a capture file iterated twice reads it twice', () => {
  const file = path.join(dir, 'twice.pcap');
  const n = writeBigCapture(file, 100_000);
  const cap = openCapture(file);
  assert.is([...cap].length, n);
  assert.is([...cap].length, n);
});

test.run();
