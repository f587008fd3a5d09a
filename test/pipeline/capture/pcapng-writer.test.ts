import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { encodePcapng, PcapngWriter, readCapture, writePcapng, type WritablePacket } from '../../../pipeline/capture/index.js';
import { WasmxdpError } from '../../../host/errors.js';
import { removeDir, run, scratchDir, tcpdumpCount, tsharkFields } from './tools.js';
import { needing } from '../../helpers/tools.js';

const test = suite('pcapng-writer');
const withTsharkTcpdump = needing(test, 'tshark', 'tcpdump');
const withTshark = needing(test, 'tshark');
let dir = '';
test.before(() => { dir = scratchDir('pcapng-writer'); });
test.after(() => removeDir(dir));

function frame(n: number, len = 60): Uint8Array {
  const f = new Uint8Array(len);
  f.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0xb5]);
  for (let i = 14; i < len; i++) f[i] = (n * 7 + i) & 0xff;
  return f;
}

const verdicts = ['aborted', 'drop', 'pass', 'tx', 'redirect'];
const packets: WritablePacket[] = Array.from({ length: 10 }, (_, i) => ({
  data: frame(i, 57 + i * 151), // odd lengths exercise the 32-bit padding
  tsNs: 1_767_225_600_000_000_000n + BigInt(i) * 1_234_567n,
  comment: `wasmxdp verdict=${verdicts[i % 5]}`,
  flags: i % 2 ? 0x00000001 : undefined, // direction: inbound
}));
packets.push({ data: frame(99), tsNs: 5n, comment: 'UTF-8 ✓ “quotes” and tabs\tinside' });
packets.push({ data: frame(100, 1514), tsNs: 6n, origLen: 9000 });

test('round trip through our reader: bytes, timestamps, comments, flags', () => {
  for (const bigEndian of [false, true]) {
    const got = Array.from(readCapture(encodePcapng(packets, { bigEndian })));
    assert.is(got.length, packets.length);
    got.forEach((p, i) => {
      const w = packets[i];
      assert.equal(Array.from(p.data), Array.from(w.data));
      assert.is(p.tsNs, w.tsNs);
      assert.is(p.origLen, w.origLen ?? w.data.length);
      assert.is(p.comment, w.comment);
      assert.is(p.flags, w.flags);
    });
  }
});

test('blocks are 32-bit aligned and the file is a whole number of words', () => {
  const b = encodePcapng(packets);
  assert.is(b.length % 4, 0);
});

withTsharkTcpdump('tshark shows every comment as frame.comment (tshark 4.0) and the flags word', () => {
  for (const bigEndian of [false, true]) {
    const file = path.join(dir, `c${bigEndian ? 'be' : 'le'}.pcapng`);
    assert.is(writePcapng(file, packets, { bigEndian }), packets.length);
    const rows = tsharkFields(file, ['frame.comment', 'frame.packet_flags', 'frame.len', 'frame.cap_len', 'frame.time_epoch']);
    assert.is(rows.length, packets.length);
    rows.forEach((r, i) => {
      const w = packets[i];
      // tshark escapes control characters in field output.
      assert.is(r[0].replace(/\\t/g, '\t'), w.comment ?? '');
      assert.is(r[1], w.flags === undefined ? '' : '0x00000001');
      assert.is(Number(r[2]), w.origLen ?? w.data.length);
      assert.is(Number(r[3]), w.data.length);
      const t = w.tsNs!;
      assert.is(r[4], `${t / 1_000_000_000n}.${String(t % 1_000_000_000n).padStart(9, '0')}`);
    });
    assert.is(tcpdumpCount(file), packets.length);
  }
});

withTshark('several interfaces: each packet lands on its own, with its snaplen and link type', () => {
  const file = path.join(dir, 'ifaces.pcapng');
  writePcapng(file, [
    { data: frame(1, 200), interfaceId: 0, comment: 'a' },
    { data: frame(2, 200), interfaceId: 1, comment: 'b' },
  ], { interfaces: [{ name: 'veth0' }, { name: 'veth1', snaplen: 64 }], sectionComment: 'two ports' });
  const rows = tsharkFields(file, ['frame.interface_id', 'frame.interface_name', 'frame.cap_len', 'frame.comment']);
  assert.equal(rows, [['0', 'veth0', '200', 'a'], ['1', 'veth1', '64', 'b']]);
  const got = Array.from(readCapture(fs.readFileSync(file)));
  assert.equal(got.map((p) => [p.interfaceId, p.data.length, p.origLen]), [[0, 200, 200], [1, 64, 200]]);
  assert.match(run('capinfos', ['-k', file]), /two ports/);
});

withTshark('streaming writer writes what the pipeline will: a verdict comment per frame', () => {
  const file = path.join(dir, 'stream.pcapng');
  const w = new PcapngWriter(file);
  for (let i = 0; i < 3000; i++) w.write({ data: frame(i, 60 + (i % 900)), tsNs: BigInt(i), comment: `wasmxdp verdict=${verdicts[i % 5]}` });
  w.close();
  assert.is(w.count, 3000);
  const comments = tsharkFields(file, ['frame.comment']).map((r) => r[0]);
  assert.is(comments.length, 3000);
  assert.is(comments[2999], 'wasmxdp verdict=redirect');
  assert.is(comments.filter((c) => c === 'wasmxdp verdict=tx').length, 600);
  // Display filters on the comment work too, which is how users will look for verdicts.
  assert.is(run('tshark', ['-r', file, '-Y', 'frame.comment == "wasmxdp verdict=drop"']).trim().split('\n').length, 600);
});

test('refuses what pcapng cannot hold, with E_USAGE', () => {
  const usage = (e: unknown) => e instanceof WasmxdpError && e.code === 'E_USAGE';
  assert.throws(() => encodePcapng([{ data: frame(0), comment: 'x'.repeat(70000) }]), usage);
  assert.throws(() => encodePcapng([{ data: frame(0), interfaceId: 1 }]), usage);
  assert.throws(() => encodePcapng([{ data: frame(0), tsNs: -5n }]), usage);
  assert.throws(() => encodePcapng([{ data: frame(0), origLen: 3 }]), usage);
});

test.run();
