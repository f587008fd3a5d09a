// The control-block records byte for byte (test/abi/vectors.json): the host
// writes the pinned header and descriptor bytes, a guest built with the
// AssemblyScript SDK reads them as the pinned values and writes the pinned
// verdict records, and the host reads those back as the pinned verdicts. The
// C SDK's twin guest must pass the same vectors.
import fs from 'node:fs';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { H_SEED, HEADER_OFFSET, DESC_OFFSET, DESC_SIZE, VERDICT_OFFSET, VERDICT_SIZE } from '../../host/abi.js';
import { Batch } from '../../host/batch.js';
import { cToolchain } from '../../host/compile-c.js';
import { PROJECT_ROOT } from '../../host/compile.js';
import { Sandbox } from '../../host/sandbox.js';
import { suite } from 'uvu';
import { guestModule } from '../helpers/guest.js';

interface RecordVectors {
  header: { frameSize: 2048 | 4096; portCount: number; batchN: number; nowNs: string; hex: string };
  descriptors: { addr: number; len: number; port: number; queue: number; headroom: number; tailroom: number; hex: string }[];
  verdicts: { ask: { word: number; head: number; tail: number }; action: number; target: number; addr: number; len: number; hex: string }[];
}

const VECTORS: RecordVectors = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'test/abi/vectors.json'), 'utf8'));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Runs one batch of the vectors through `module` and checks every record against them. */
function checkRecords(module: WebAssembly.Module): void {
  const v = VECTORS;
  const sandbox = new Sandbox(module, { frameSize: v.header.frameSize, portCount: v.header.portCount, log: () => {} });
  const batch = new Batch();
  const mem = sandbox.bytes;
  const dv = new DataView(mem.buffer);
  v.descriptors.forEach((d, i) => {
    batch.push(d.addr, d.len, d.port, d.queue, d.headroom, d.tailroom);
    const ask = v.verdicts[i].ask;
    dv.setUint32(d.addr, ask.word, true);
    dv.setInt32(d.addr + 4, ask.head, true);
    dv.setInt32(d.addr + 8, ask.tail, true);
  });
  sandbox.run(batch, BigInt(v.header.nowNs));

  const header = mem.slice(HEADER_OFFSET, HEADER_OFFSET + v.header.hex.length / 2);
  assert.ok(new DataView(header.buffer).getUint32(H_SEED, true) !== 0, 'the host wrote a seed');
  header.fill(0, H_SEED, H_SEED + 4);
  assert.is(hex(header), v.header.hex, 'header bytes');

  v.descriptors.forEach((d, i) => {
    assert.is(hex(mem.slice(DESC_OFFSET + i * DESC_SIZE, DESC_OFFSET + (i + 1) * DESC_SIZE)), d.hex, `descriptor ${i} bytes`);
    const seen = Array.from({ length: 10 }, (_, k) => sandbox.counter(i * 16 + k));
    assert.equal(seen, [d.addr, d.len, d.port, d.queue, d.headroom, d.tailroom, v.header.frameSize, v.header.portCount, v.header.batchN, Number(v.header.nowNs)],
    `what the guest read from descriptor ${i} and the header`);
  });

  v.verdicts.forEach((r, i) => {
    assert.is(hex(mem.slice(VERDICT_OFFSET + i * VERDICT_SIZE, VERDICT_OFFSET + (i + 1) * VERDICT_SIZE)), r.hex, `verdict record ${i} bytes`);
    assert.equal([batch.action[i], batch.target[i], batch.outAddr[i], batch.outLen[i]], [r.action, r.target, r.addr, r.len], `verdict ${i} as the host read it`);
  });
  assert.is(sandbox.stats.snapshot().invalidVerdicts, 0);
}

const test = suite('abi records');

test('the host and the AssemblyScript SDK agree with the golden records', async () => {
  checkRecords(await guestModule(path.join(PROJECT_ROOT, 'test/abi/guests/records.ts')));
});

if (cToolchain().ok || process.env.WASMXDP_REQUIRE_LIVE === '1') {
  test('the host and the C SDK agree with the golden records', async () => {
    checkRecords(await guestModule(path.join(PROJECT_ROOT, 'test/abi/guests/records.c')));
  });
} else {
  console.log(`abi records: the C SDK case is skipped: install ${cToolchain().missing.join(' and ')} (apt-get install clang lld)`);
}

test.run();
