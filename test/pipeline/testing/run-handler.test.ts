// wasmxdp/testing's runHandler: the verdicts `wasmxdp run` gives, the frames
// as the handler left them, the same deploy-time checks, state kept across
// runs on one sandbox; readFrames/writeFrames round-trip a capture.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PROJECT_ROOT } from '../../../host/compile.js';
import { WasmxdpError } from '../../../host/errors.js';
import { openCapture } from '../../../pipeline/capture/index.js';
import { eth, fmtIp4, get16, ipv4, readFrames, runHandler, udp, writeFrames } from '../../../pipeline/testing/index.js';
import { BUNDLED_CAPTURE, wasmxdp } from '../../helpers/cli.js';

const test = suite('testing/run-handler');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-kit-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const example = (name: string) => path.join(PROJECT_ROOT, 'examples', name);

test('verdict counts over the bundled capture are those of `wasmxdp run --json`', async () => {
  for (const name of ['firewall', 'dns-guard', 'udp-reflector']) {
    const r = await runHandler(example(name), readFrames(BUNDLED_CAPTURE));
    const cli = wasmxdp(['run', `examples/${name}`, '--pcap', BUNDLED_CAPTURE, '--json']);
    assert.is(cli.status, 0, cli.stderr);
    const want = JSON.parse(cli.stdout).verdicts;
    const got = { aborted: 0, drop: 0, pass: 0, tx: 0, redirect: 0 };
    for (const v of r.verdicts) got[v]++;
    assert.equal(got, want, name);
  }
});

test('output frames are the packets as the handler rewrote them', async () => {
  const req = eth({ src: '02:00:00:00:00:0a', dst: '02:00:00:00:00:0b' }, ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, udp({ sport: 4000, dport: 7 }, 'hello')));
  const other = eth({}, ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, udp({ sport: 4000, dport: 9 }, 'x')));
  const r = await runHandler(example('udp-reflector'), [req, other]);
  assert.equal(r.verdicts, ['tx', 'pass']);
  const out = r.frames[0];
  assert.is(fmtIp4(out, 26), '10.0.0.2');
  assert.is(fmtIp4(out, 30), '10.0.0.1');
  assert.equal([get16(out, 34), get16(out, 36)], [7, 4000]);
  assert.equal(r.frames[1], other);
  assert.is(r.results[0].action, 3);
});

test('a sandbox passed back keeps its counters (the reflector counts what it reflects)', async () => {
  const req = eth({}, ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, udp({ sport: 4000, dport: 7 }, 'x')));
  const first = await runHandler(example('udp-reflector'), [req, req]);
  assert.is(first.sandbox.counter(0), 2);
  const second = await runHandler(first.sandbox, [req]);
  assert.is(second.sandbox, first.sandbox);
  assert.is(second.sandbox.counter(0), 3);
});

test('the deploy-time checks of `wasmxdp run` apply to bytes, and a frame too large for a slot is an error', async () => {
  const code = async (p: Promise<unknown>) => p.then(() => 'resolved', (e) => (e instanceof WasmxdpError ? `${e.code}: ${e.message}` : String(e)));
  assert.match(await code(runHandler(Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0), [])), /^E_MEMORY_LAYOUT: handler: the module does not import env.memory/);
  assert.match(await code(runHandler(example('firewall'), [new Uint8Array(4000)])), /^E_USAGE: frame 0 \(4000 bytes\) does not fit/);
});

test('writeFrames writes a pcapng with a comment per frame that readFrames and openCapture read back', () => {
  const frames = [eth({}, ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, udp({ sport: 1, dport: 2 }, 'a'))), eth({}, ipv4({ src: '10.0.0.3', dst: '10.0.0.4' }, udp({ sport: 3, dport: 4 }, 'bb')))];
  const file = path.join(tmp, 'out.pcapng');
  assert.is(writeFrames(file, frames, ['drop', undefined]), 2);
  assert.equal(readFrames(file), frames);
  assert.equal([...openCapture(file)].map((p) => p.comment), ['drop', undefined]);
});

test.run();
