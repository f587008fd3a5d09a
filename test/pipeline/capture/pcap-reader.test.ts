import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CaptureFormatError, ClassicPcap, encodeClassicPcap, openCapture, readCapture, type CapturePacket } from '../../../pipeline/capture/index.js';
import { expectCut } from './expect-cut.js';
import { mixPcap, mixPcapng, removeDir, run, scratchDir, tsharkFields } from './tools.js';
import { needing } from '../../helpers/tools.js';

const test = suite('pcap-reader');
const withEditcap = needing(test, 'editcap');
const withTcpdump = needing(test, 'tcpdump');
const withTshark = needing(test, 'tshark');
const withTsharkEditcap = needing(test, 'tshark', 'editcap');
let dir = '';
test.before(() => { dir = scratchDir('pcap-reader'); });
test.after(() => removeDir(dir));

const all = (file: string): CapturePacket[] => Array.from(openCapture(file));
const usOf = (ns: bigint): bigint => ns - (ns % 1000n);

function sameFrames(a: CapturePacket[], b: CapturePacket[], ts: (t: bigint) => bigint = (t) => t): void {
  assert.is(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    assert.equal(Buffer.from(a[i].data).equals(Buffer.from(b[i].data)), true, `frame ${i} bytes`);
    assert.is(a[i].origLen, b[i].origLen, `frame ${i} origLen`);
    assert.is(ts(a[i].tsNs), ts(b[i].tsNs), `frame ${i} ts`);
  }
}

function rejects(bytes: Uint8Array, offset: number, pattern: RegExp): void {
  try {
    Array.from(readCapture(bytes, { name: 'x.pcap' }));
  } catch (e) {
    assert.instance(e, CaptureFormatError);
    const err = e as CaptureFormatError;
    assert.is(err.code, 'E_CAPTURE_FORMAT');
    assert.is(err.offset, offset, err.message);
    assert.ok(err.message.startsWith('x.pcap: '), err.message);
    assert.ok(err.message.includes(`offset ${offset}`), err.message);
    assert.match(err.message, pattern);
    return;
  }
  assert.unreachable('expected E_CAPTURE_FORMAT');
}

test('the bundled classic capture holds the same frames as the pcapng one', () => {
  const c = openCapture(mixPcap);
  assert.is(c.format, 'pcap');
  assert.ok(c instanceof ClassicPcap && !c.nanosecond && c.littleEndian && c.linkType === 1);
  sameFrames(all(mixPcap), all(mixPcapng), usOf);
});

withEditcap('editcap -F pcap (microseconds) and -F nsecpcap (nanoseconds) output reads back identically', () => {
  const ref = all(mixPcapng);
  const us = path.join(dir, 'us.pcap'), ns = path.join(dir, 'ns.pcap');
  run('editcap', ['-F', 'pcap', mixPcapng, us]);
  run('editcap', ['-F', 'nsecpcap', mixPcapng, ns]);
  const cns = openCapture(ns) as ClassicPcap;
  assert.ok(cns.nanosecond);
  sameFrames(all(us), ref, usOf);
  sameFrames(all(ns), ref); // exact nanoseconds
});

withTcpdump('tcpdump -w output reads back identically', () => {
  const out = path.join(dir, 'tcpdump.pcap');
  run('tcpdump', ['-r', mixPcap, '-w', out]);
  sameFrames(all(out), all(mixPcap));
});

withTshark('big-endian files, built byte by byte, in both precisions', () => {
  const data = Uint8Array.from({ length: 42 }, (_, i) => i);
  for (const [magic, frac, wantNs] of [[0xa1b2c3d4, 123456, 123456000n], [0xa1b23c4d, 123456789, 123456789n]] as const) {
    const b = new Uint8Array(24 + 16 + data.length);
    const v = new DataView(b.buffer);
    v.setUint32(0, magic, false); v.setUint16(4, 2, false); v.setUint16(6, 4, false);
    v.setUint32(16, 65535, false); v.setUint32(20, 1, false);
    v.setUint32(24, 1_700_000_000, false); v.setUint32(28, frac, false);
    v.setUint32(32, data.length, false); v.setUint32(36, 60, false);
    b.set(data, 40);
    const file = path.join(dir, `be-${magic.toString(16)}.pcap`);
    fs.writeFileSync(file, b);
    const c = openCapture(file) as ClassicPcap;
    assert.is(c.littleEndian, false);
    assert.is(c.snaplen, 65535);
    const [p] = Array.from(c);
    assert.equal(Array.from(p.data), Array.from(data));
    assert.is(p.origLen, 60);
    assert.is(p.tsNs, 1_700_000_000_000_000_000n + wantNs);
    // The hand-built file is what tshark thinks it is, too.
    assert.equal(tsharkFields(file, ['frame.len', 'frame.cap_len', 'frame.time_epoch']),
      [['60', '42', `1700000000.${String(wantNs).padStart(9, '0')}`]]);
  }
});

withTsharkEditcap('frames cut by a snaplen are reported: origLen above data.length, as tshark says', () => {
  const cut = path.join(dir, 'snap.pcap');
  run('editcap', ['-s', '80', mixPcap, cut]);
  const got = all(cut);
  const ts = tsharkFields(cut, ['frame.len', 'frame.cap_len']);
  assert.is(got.length, ts.length);
  let truncated = 0;
  got.forEach((p, i) => {
    assert.is(p.origLen, Number(ts[i][0]));
    assert.is(p.data.length, Number(ts[i][1]));
    if (p.data.length < p.origLen) truncated++;
  });
  assert.ok(truncated > 1000, `${truncated} truncated frames`);
});

test('a link type other than Ethernet is refused by name, or read when asked for', () => {
  const sll = encodeClassicPcap([{ data: new Uint8Array(20) }], { linkType: 113 });
  rejects(sll, 20, /file header at offset 20 gives link type 113 \(LINUX_SLL .*\), not Ethernet \(1\); wasmxdp handlers take Ethernet frames/);
  const [p] = Array.from(readCapture(sll, { anyLinkType: true }));
  assert.is(p.linkType, 113);
  rejects(encodeClassicPcap([], { linkType: 147 }), 20, /link type 147 \(unknown\)/);
});

test('header problems: short header, modified pcap, version', () => {
  const good = encodeClassicPcap([{ data: new Uint8Array(60) }]);
  rejects(good.subarray(0, 23), 0, /pcap file header at offset 0 is cut short: 23 of 24 bytes; truncated capture\?/);
  const modified = good.slice(); new DataView(modified.buffer).setUint32(0, 0xa1b2cd34, true);
  rejects(modified, 0, /file header at offset 0 is that of a "modified" .*; convert it with `editcap -F pcap/);
  const v3 = good.slice(); v3[4] = 3;
  rejects(v3, 4, /version field at offset 4 says pcap major version 3, not 2/);
});

test('record problems: cut header, cut data, lying lengths', () => {
  const pkts = [{ data: new Uint8Array(100) }, { data: new Uint8Array(70) }];
  const good = encodeClassicPcap(pkts);
  const second = 24 + 16 + 100;
  expectCut('x.pcap', good.subarray(0, second + 7), second, /record header at offset 140 is cut short: 7 of 16 bytes; truncated capture\?/, 1);
  const err = expectCut('x.pcap', good.subarray(0, good.length - 1), second, /record at offset 140 claims 70 bytes, beyond the end of the file \(69 left\); truncated/, 1);
  assert.is(err.message, 'x.pcap: record at offset 140 claims 70 bytes, beyond the end of the file (69 left); '
    + 'truncated capture? re-capture, or cut it at the last good record with `editcap -r <file> <out> 1-<n>`');
  const lie = good.slice(); new DataView(lie.buffer).setUint32(second + 8, 70000, true);
  expectCut('x.pcap', lie, second, /claims 70000 bytes, beyond the end of the file/, 1);
  const huge = good.slice(); new DataView(huge.buffer).setUint32(24 + 8, 0xfffffff0, true);
  rejects(huge, 24, /claims 4294967280 captured bytes, more than the 262144/);
  const orig = good.slice(); new DataView(orig.buffer).setUint32(24 + 12, 99, true);
  rejects(orig, 24, /captured length 100 above its original length 99/);
});

test('a header-only file is an empty capture; iterating twice reads it twice', () => {
  assert.equal(Array.from(readCapture(encodeClassicPcap([]))), []);
  const c = openCapture(mixPcap);
  let n1 = 0, n2 = 0;
  for (const _ of c) n1++;
  for (const _ of c) n2++;
  assert.is(n1, n2);
  assert.ok(n1 > 3000);
});

test.run();
