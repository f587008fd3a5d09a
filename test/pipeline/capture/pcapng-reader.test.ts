import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CaptureFormatError, encodePcapng, openCapture, readCapture, type CapturePacket } from '../../../pipeline/capture/index.js';
import { block, cat, epb, idb, optI64, optText, optU8, shb, spb } from './build-blocks.js';
import { exoticPcapng, frame } from './exotic.js';
import { expectCut } from './expect-cut.js';
import { mixPcap, mixPcapng, removeDir, run, scratchDir, tsharkFields } from './tools.js';
import { needing } from '../../helpers/tools.js';

const test = suite('pcapng-reader');
const withTshark = needing(test, 'tshark');
const withTsharkEditcap = needing(test, 'tshark', 'editcap');
let dir = '';
test.before(() => { dir = scratchDir('pcapng-reader'); });
test.after(() => removeDir(dir));

const all = (file: string): CapturePacket[] => Array.from(openCapture(file));
const L = true, B = false;

function sameFrames(a: CapturePacket[], b: CapturePacket[], ts: (t: bigint) => bigint = (t) => t): void {
  assert.is(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    assert.ok(Buffer.from(a[i].data).equals(Buffer.from(b[i].data)), `frame ${i} bytes`);
    assert.is(a[i].origLen, b[i].origLen, `frame ${i} origLen`);
    assert.is(ts(a[i].tsNs), ts(b[i].tsNs), `frame ${i} ts`);
  }
}

function rejects(bytes: Uint8Array, offset: number, pattern: RegExp): void {
  try {
    Array.from(readCapture(bytes, { name: 'x.pcapng' }));
  } catch (e) {
    assert.instance(e, CaptureFormatError);
    const err = e as CaptureFormatError;
    assert.is(err.code, 'E_CAPTURE_FORMAT');
    assert.is(err.offset, offset, err.message);
    assert.ok(err.message.includes(`x.pcapng: `) && err.message.includes(`offset ${offset}`), err.message);
    assert.match(err.message, pattern);
    return;
  }
  assert.unreachable('expected E_CAPTURE_FORMAT');
}

withTshark('every block kind, two sections of opposite byte order: what we read is what tshark reads', () => {
  const { bytes, expected } = exoticPcapng();
  const got = Array.from(readCapture(bytes));
  assert.equal(got.map((p) => ({ len: p.data.length, origLen: p.origLen, tsNs: p.tsNs, interfaceId: p.interfaceId, comment: p.comment, flags: p.flags })),
    expected.map((e) => ({ comment: undefined, flags: undefined, ...e })));
  assert.equal(Array.from(got[3].data), Array.from(frame(4, 90)));
  assert.equal(Array.from(got[2].data), Array.from(frame(3, 77)));

  const file = path.join(dir, 'exotic.pcapng');
  fs.writeFileSync(file, bytes);
  // tshark also lists custom blocks as records; keep the Ethernet frames.
  const rows = tsharkFields(file, ['frame.protocols', 'frame.len', 'frame.cap_len', 'frame.time_epoch', 'frame.interface_id', 'frame.comment'])
    .filter((r) => r[0].startsWith('eth'));
  assert.is(rows.length, got.length);
  rows.forEach((r, i) => {
    assert.is(Number(r[1]), got[i].origLen);
    assert.is(Number(r[2]), got[i].data.length);
    if (r[3] !== '') assert.is(r[3], `${got[i].tsNs / 1_000_000_000n}.${String(got[i].tsNs % 1_000_000_000n).padStart(9, '0')}`);
    assert.is(Number(r[4]), got[i].interfaceId);
    // tshark joins several comments with commas; we keep the first.
    assert.is(r[5].split(',')[0], got[i].comment ?? '');
  });
});

withTshark('if_tsresol: powers of ten and of two, and if_tsoffset', () => {
  const cases: [number, bigint, bigint][] = [
    [3, 1_700_000_000_123n, 1_700_000_000_123_000_000n], // ms
    [6, 1_700_000_000_123_456n, 1_700_000_000_123_456_000n], // µs
    [9, 1_700_000_000_123_456_789n, 1_700_000_000_123_456_789n], // ns
    [12, 12_345_678_901_234_567n, 12_345_678_901_234n], // ps: below a ns is dropped
    [0, 1_700_000_000n, 1_700_000_000_000_000_000n], // s
    [0x80 | 10, (1_700_000_000n << 10n) + 256n, 1_700_000_000_250_000_000n], // 2^-10: 256/1024 s
    [0x80 | 20, (1_700_000_000n << 20n) + 1n, 1_700_000_000_000_000_953n], // 2^-20: floor(1e9/2^20)
    [0x80 | 0, 7n, 7_000_000_000n], // 2^0
  ];
  for (const [resol, ticks, want] of cases) {
    const bytes = cat(shb(L), idb(L, 1, 0, [optU8(9, resol)]), epb(L, 0, ticks, frame(0, 60)));
    const [p] = Array.from(readCapture(bytes));
    assert.is(p.tsNs, want, `if_tsresol 0x${resol.toString(16)}`);
    // tshark 4.0 overflows on resolutions finer than a nanosecond (fraction *
    // 10^9 in 64 bits: it prints 12345.014818447 here), so it is no reference there.
    if (resol === 12) continue;
    const file = path.join(dir, `res${resol}.pcapng`);
    fs.writeFileSync(file, bytes);
    const [[epoch]] = tsharkFields(file, ['frame.time_epoch']);
    const [s, frac] = epoch.split('.');
    const tsharkNs = BigInt(s) * 1_000_000_000n + BigInt(frac.padEnd(9, '0'));
    // Wireshark rounds sub-nanosecond remainders where we truncate.
    assert.ok(tsharkNs - want >= 0n && tsharkNs - want <= 1n, `tshark ${epoch} vs ${want}`);
  }
  const [p] = Array.from(readCapture(cat(shb(B), idb(B, 1, 0, [optI64(14, -10n, B)]), epb(B, 0, 20_000_000n, frame(0, 60)))));
  assert.is(p.tsNs, 10_000_000_000n);
});

withTshark('concatenated files are sections: cat of a little- and a big-endian file', () => {
  const a = encodePcapng([{ data: frame(1, 60), comment: 'le' }]);
  const b = encodePcapng([{ data: frame(2, 70), comment: 'be', interfaceId: 1 }], { bigEndian: true, interfaces: [{}, { name: 'second' }] });
  const file = path.join(dir, 'cat.pcapng');
  fs.writeFileSync(file, cat(a, b));
  const got = all(file);
  assert.equal(got.map((p) => [p.comment, p.interfaceId, p.data.length]), [['le', 0, 60], ['be', 1, 70]]);
  assert.equal(tsharkFields(file, ['frame.comment']), [['le'], ['be']]);
});

withTsharkEditcap('the bundled pcapng: comments come through, and tshark/editcap rewrites read back identically', () => {
  const ref = all(mixPcapng);
  assert.ok(ref.every((p) => p.comment?.startsWith('kind=')));
  const viaTshark = path.join(dir, 'tshark.pcapng');
  run('tshark', ['-r', mixPcapng, '-w', viaTshark]);
  const t = all(viaTshark);
  sameFrames(t, ref);
  assert.equal(t.map((p) => p.comment), ref.map((p) => p.comment));
  // From classic pcap: editcap writes an IDB with the default microsecond resolution.
  const fromPcap = path.join(dir, 'from-pcap.pcapng');
  run('editcap', ['-F', 'pcapng', mixPcap, fromPcap]);
  sameFrames(all(fromPcap), ref, (ns) => ns - (ns % 1000n));
});

test('blocks the reader skips must still be well formed', () => {
  const head = cat(shb(L), idb(L));
  const skipped = block(4, new Uint8Array(8), L, { trailing: 24 });
  rejects(cat(head, skipped), head.length, /name resolution block \(type 0x4\) at offset \d+ has leading total length 20 but trailing total length 24; corrupt capture\?/);
});

test('block length problems: not a multiple of 4, below 12, beyond the end of the file', () => {
  const head = cat(shb(L), idb(L));
  const pkt = epb(L, 0, 0n, frame(0, 60));
  const at = head.length;
  const set = (b: Uint8Array, off: number, n: number): Uint8Array => { const c = b.slice(); new DataView(c.buffer).setUint32(off, n, true); return c; };
  const whole = cat(head, pkt);
  rejects(set(whole, at + 4, 90), at, /enhanced packet block \(type 0x6\) at offset \d+ has total length 90; it must be a multiple of 4 and at least 12/);
  rejects(set(whole, at + 4, 8), at, /total length 8/);
  rejects(set(whole, at + 4, 0xfffffff0), at, /claims 4294967280 bytes, more than the 4194304 wasmxdp reads for one block/);
  expectCut('x.pcapng', whole.subarray(0, whole.length - 4), at, /enhanced packet block \(type 0x6\) at offset \d+ claims 92 bytes, beyond the end of the file \(88 left\); truncated capture\?/, 0);
  expectCut('x.pcapng', cat(whole, new Uint8Array(8)), whole.length, /block header at offset \d+ is cut short: 8 of at least 12 bytes/, 1);
  // A block wasmxdp skips (here a custom block) is not read to learn it is cut.
  const custom = block(0x00000bad, new Uint8Array(40), L);
  expectCut('x.pcapng', cat(whole, custom.subarray(0, 30)), whole.length, /custom block \(type 0xbad\) at offset \d+ claims 52 bytes, beyond the end of the file \(30 left\)/, 1);
});

test('packet block problems: unknown interface, caplen lies, option overrun', () => {
  const head = cat(shb(L), idb(L));
  const at = head.length;
  rejects(cat(head, epb(L, 1, 0n, frame(0, 60))), at, /packet at offset \d+ names interface 1, but its section has described 1 interface;/);
  rejects(cat(shb(L), spb(L, frame(0, 60))), shb(L).length, /interface 0, but its section has described 0 interfaces/);
  const pkt = epb(L, 0, 0n, frame(0, 60));
  const lie = pkt.slice(); new DataView(lie.buffer).setUint32(20, 64, true);
  rejects(cat(head, lie), at, /enhanced packet block at offset \d+ claims 64 captured bytes, but the block holds 60/);
  const huge = pkt.slice(); new DataView(huge.buffer).setUint32(20, 1 << 30, true);
  rejects(cat(head, huge), at, /more than the 262144/);
  const orig = pkt.slice(); new DataView(orig.buffer).setUint32(24, 59, true);
  rejects(cat(head, orig), at, /captured length 60 above its original length 59/);
  const withOpt = epb(L, 0, 0n, frame(0, 60), 60, [optText(1, 'abcd')]);
  const over = withOpt.slice(); new DataView(over.buffer).setUint16(28 + 60 + 2, 200, true);
  rejects(cat(head, over), at + 28 + 60, /option 1 at offset \d+ claims 200 bytes, beyond the end of its block/);
  // An SPB longer than the interface's snaplen keeps snaplen bytes.
  const [p] = Array.from(readCapture(cat(shb(L), idb(L, 1, 32), spb(L, frame(0, 32), 1000))));
  assert.is(p.data.length, 32);
  assert.is(p.origLen, 1000);
});

test('section header problems: byte-order magic, version, short block', () => {
  const s = shb(L);
  const bom = s.slice(); bom[8] = 0x4e;
  rejects(bom, 8, /byte-order magic at offset 8 is 4e 3c 2b 1a, not 1a2b3c4d/);
  rejects(shb(L, [], 2), 12, /version field at offset 12 says pcapng major version 2, not 1; this reader knows pcapng 1.x/);
  rejects(s.subarray(0, 10), 0, /section header block at offset 0 is cut short: 10 of at least 28 bytes; truncated capture\?/);
  rejects(block(0x0a0d0d0a, Uint8Array.of(0x4d, 0x3c, 0x2b, 0x1a), L), 0, /section header block at offset 0 is 16 bytes, too short for its 16-byte fixed part/);
  const bad = cat(s, idb(L), epb(L, 0, 0n, frame(0, 60)), shb(B).subarray(0, 20));
  expectCut('x.pcapng', bad, bad.length - 20, /beyond the end of the file/, 1);
});

test('a packet on a non-Ethernet interface is refused by link type; the interface alone is fine', () => {
  const head = cat(shb(L), idb(L, 1), idb(L, 113, 0, [optText(2, 'any')]));
  assert.is(Array.from(readCapture(cat(head, epb(L, 0, 0n, frame(0, 60))))).length, 1);
  rejects(cat(head, epb(L, 1, 0n, frame(0, 60))), head.length, /packet at offset \d+ is on interface 1, of link type 113 \(LINUX_SLL .*not Ethernet \(1\).*not `-i any`/);
  const [p] = Array.from(readCapture(cat(head, epb(L, 1, 0n, frame(0, 60))), { anyLinkType: true }));
  assert.is(p.linkType, 113);
});

test.run();
