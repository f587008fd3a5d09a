import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CaptureFormatError, encodeClassicPcap, encodePcapng, openCapture, readCapture } from '../../../pipeline/capture/index.js';
import { WasmxdpError } from '../../../host/errors.js';
import { mixPcap, mixPcapng, removeDir, scratchDir } from './tools.js';

const test = suite('open');
let dir = '';
test.before(() => { dir = scratchDir('open'); });
test.after(() => removeDir(dir));

const pkt = { data: new Uint8Array(60), tsNs: 1_000_000_123_456_789n };

function formatError(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
  } catch (e) {
    assert.instance(e, CaptureFormatError);
    assert.is((e as WasmxdpError).code, 'E_CAPTURE_FORMAT');
    assert.is((e as CaptureFormatError).offset, 0);
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable('expected E_CAPTURE_FORMAT');
}

test('detects every supported magic, whatever the file is called', () => {
  const variants = [
    [encodeClassicPcap([pkt]), 'pcap', 1_000_000_123_456_000n],
    [encodeClassicPcap([pkt], { nanosecond: true }), 'pcap', pkt.tsNs],
    [encodeClassicPcap([pkt], { bigEndian: true }), 'pcap', 1_000_000_123_456_000n],
    [encodeClassicPcap([pkt], { bigEndian: true, nanosecond: true }), 'pcap', pkt.tsNs],
    [encodePcapng([pkt]), 'pcapng', pkt.tsNs],
    [encodePcapng([pkt], { bigEndian: true }), 'pcapng', pkt.tsNs],
  ] as const;
  variants.forEach(([bytes, format, ts], i) => {
    const file = path.join(dir, `capture-${i}.bin`);
    fs.writeFileSync(file, bytes);
    const c = openCapture(file);
    assert.is(c.format, format);
    assert.is(c.name, file);
    const [p] = Array.from(c);
    assert.is(p.tsNs, ts);
    assert.is(p.data.length, 60);
  });
  assert.is(openCapture(mixPcapng).format, 'pcapng');
  assert.is(openCapture(mixPcap).format, 'pcap');
});

test('what is not a capture is named as such, at offset 0', () => {
  for (let n = 0; n < 4; n++) formatError(() => readCapture(new Uint8Array(n)), new RegExp(`file at offset 0 ends after ${n} bytes, too short to be a capture`));
  formatError(() => readCapture(new TextEncoder().encode('hello, world')), /file at offset 0 starts with 68 65 6c 6c, which is neither a pcap nor a pcapng magic; .*editcap -F pcapng/);
  formatError(() => readCapture(zlib.gzipSync(fs.readFileSync(mixPcap))), /starts with 1f 8b .*gzip-compressed: gunzip it first/);
});

test('the path is in every message; a missing or unreadable file is E_IO', () => {
  const file = path.join(dir, 'empty.pcap');
  fs.writeFileSync(file, '');
  formatError(() => openCapture(file), new RegExp(`^${file.replace(/[.]/g, '\\.')}: file at offset 0`));
  for (const bad of [path.join(dir, 'missing.pcap'), dir]) {
    try {
      openCapture(bad);
      assert.unreachable('expected E_IO');
    } catch (e) {
      assert.instance(e, WasmxdpError);
      assert.is((e as WasmxdpError).code, 'E_IO');
      assert.ok((e as Error).message.includes(bad) && /check the path/.test((e as Error).message), (e as Error).message);
    }
  }
});

test('errors inside a capture surface while iterating, after the good packets', () => {
  const bytes = encodeClassicPcap([pkt, pkt, pkt]);
  const bad = bytes.slice();
  new DataView(bad.buffer).setUint32(24 + 2 * (16 + 60) + 12, 10, true); // third record: origLen below caplen
  const seen: number[] = [];
  try {
    for (const p of readCapture(bad)) seen.push(p.data.length);
    assert.unreachable('expected E_CAPTURE_FORMAT');
  } catch (e) {
    assert.instance(e, CaptureFormatError);
  }
  assert.equal(seen, [60, 60]);
});

test('a capture cut mid-record yields the packets before the cut and reports the cut', () => {
  const bytes = encodeClassicPcap([pkt, pkt, pkt]);
  const cut = bytes.subarray(0, bytes.length - 10);
  const seen: number[] = [];
  const cap = readCapture(cut);
  for (const p of cap) seen.push(p.data.length);
  assert.equal(seen, [60, 60]);
  assert.instance(cap.truncation, CaptureFormatError);
});

test('packets are views into the file bytes, not copies', () => {
  const bytes = encodePcapng([pkt]);
  const [p] = Array.from(readCapture(bytes));
  assert.is(p.data.buffer, bytes.buffer);
});

test.run();
