import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeClassicPcap, PcapWriter, readCapture, writeClassicPcap, type WritablePacket } from '../../../pipeline/capture/index.js';
import { WasmxdpError } from '../../../host/errors.js';
import { removeDir, run, scratchDir, tcpdumpCount, tsharkFields } from './tools.js';
import { needing } from '../../helpers/tools.js';

const test = suite('pcap-writer');
const withTsharkTcpdump = needing(test, 'tshark', 'tcpdump');
const withCapinfos = needing(test, 'capinfos');
const withTcpdump = needing(test, 'tcpdump');
let dir = '';
test.before(() => { dir = scratchDir('pcap-writer'); });
test.after(() => removeDir(dir));

function frame(n: number, len = 60): Uint8Array {
  const f = new Uint8Array(len);
  f.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0xb5]); // local experimental EtherType
  for (let i = 14; i < len; i++) f[i] = (n + i) & 0xff;
  return f;
}

const packets: WritablePacket[] = [
  { data: frame(1), tsNs: 1_700_000_000_123_456_789n },
  { data: frame(2, 1514), tsNs: 1_700_000_000_500_000_000n },
  { data: frame(3, 14), tsNs: 1_700_000_001_000_000_001n, origLen: 1000 },
];

test('file header fields: magic, version, snaplen, link type in both byte orders', () => {
  const le = encodeClassicPcap([], { snaplen: 1500 });
  assert.equal(Array.from(le.subarray(0, 8)), [0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0]);
  assert.equal(new DataView(le.buffer).getUint32(16, true), 1500);
  assert.equal(new DataView(le.buffer).getUint32(20, true), 1);
  const be = encodeClassicPcap([], { bigEndian: true, nanosecond: true });
  assert.equal(Array.from(be.subarray(0, 8)), [0xa1, 0xb2, 0x3c, 0x4d, 0, 2, 0, 4]);
  assert.is(be.length, 24);
});

test('round trip through our reader: bytes, lengths, timestamps at each precision', () => {
  for (const opts of [{}, { nanosecond: true }, { bigEndian: true }, { bigEndian: true, nanosecond: true }]) {
    const got = Array.from(readCapture(encodeClassicPcap(packets, opts)));
    assert.is(got.length, packets.length);
    got.forEach((p, i) => {
      assert.equal(Array.from(p.data), Array.from(packets[i].data));
      assert.is(p.origLen, packets[i].origLen ?? packets[i].data.length);
      const ts = packets[i].tsNs!;
      assert.is(p.tsNs, opts.nanosecond ? ts : ts - (ts % 1000n), JSON.stringify(opts));
      assert.is(p.interfaceId, 0);
      assert.is(p.linkType, 1);
    });
  }
});

test('snaplen cuts the stored bytes and keeps the wire length', () => {
  const [p] = readCapture(encodeClassicPcap([packets[1]], { snaplen: 96 }));
  assert.is(p.data.length, 96);
  assert.is(p.origLen, 1514);
  assert.equal(Array.from(p.data), Array.from(packets[1].data.subarray(0, 96)));
});

withTsharkTcpdump('tcpdump and tshark read what we write, in every variant', () => {
  for (const [i, opts] of [{}, { nanosecond: true }, { bigEndian: true }, { bigEndian: true, nanosecond: true, snaplen: 100 }].entries()) {
    const file = path.join(dir, `w${i}.pcap`);
    assert.is(writeClassicPcap(file, packets, opts), 3);
    assert.is(tcpdumpCount(file), 3);
    const rows = tsharkFields(file, ['frame.time_epoch', 'frame.len', 'frame.cap_len']);
    assert.equal(rows.map((r) => Number(r[1])), [60, 1514, 1000]);
    assert.equal(rows.map((r) => Number(r[2])), opts.snaplen ? [60, 100, 14] : [60, 1514, 14]);
    // tshark prints seconds with 9 decimals: compare exactly as text.
    const want = packets.map((p) => { const t = opts.nanosecond ? p.tsNs! : p.tsNs! - (p.tsNs! % 1000n); return `${t / 1_000_000_000n}.${String(t % 1_000_000_000n).padStart(9, '0')}`; });
    assert.equal(rows.map((r) => r[0]), want);
  }
});

withCapinfos('capinfos sees the precision and link type we asked for', () => {
  const file = path.join(dir, 'ns.pcap');
  writeClassicPcap(file, packets, { nanosecond: true });
  const info = run('capinfos', ['-M', file]);
  assert.match(info, /nanoseconds/);
  assert.match(info, /Ethernet/);
});

withTcpdump('streaming writer: buffered writes land in order, count is kept, close is idempotent', () => {
  const file = path.join(dir, 'stream.pcap');
  const w = new PcapWriter(file);
  for (let i = 0; i < 2000; i++) w.write({ data: frame(i, 64 + (i % 1400)), tsNs: BigInt(i) * 1000n });
  w.close();
  w.close();
  assert.is(w.count, 2000);
  const got = Array.from(readCapture(fs.readFileSync(file)));
  assert.is(got.length, 2000);
  assert.is(got[1999].data.length, 64 + (1999 % 1400));
  assert.is(got[1234].data[20], (1234 + 20) & 0xff);
  assert.is(tcpdumpCount(file), 2000);
  assert.throws(() => w.write(packets[0]), (e: unknown) => e instanceof WasmxdpError && e.code === 'E_USAGE');
});

test('refuses what classic pcap cannot hold, with E_USAGE', () => {
  const usage = (e: unknown) => e instanceof WasmxdpError && e.code === 'E_USAGE';
  assert.throws(() => encodeClassicPcap([{ data: frame(0), tsNs: 1n << 33n << 30n }]), (e: unknown) => usage(e) && /pcapng/.test((e as Error).message));
  assert.throws(() => encodeClassicPcap([{ data: frame(0), tsNs: -1n }]), usage);
  assert.throws(() => encodeClassicPcap([{ data: frame(0), origLen: 10 }]), usage);
  assert.throws(() => encodeClassicPcap([], { snaplen: 0 }), usage);
});

test('a writer on a missing directory fails with E_IO naming the path', () => {
  const bad = path.join(dir, 'no/such/dir/x.pcap');
  assert.throws(() => writeClassicPcap(bad, packets), (e: unknown) => e instanceof WasmxdpError && e.code === 'E_IO' && e.message.includes(bad));
});

test.run();
