// `wasmxdp capture` against serve on a veth port: the frames the handler
// judged land in pcapng with their verdicts (tshark reads them), filtered by
// verdict, bounded by --count, and `-w -` streams into `tshark -r -`.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { BIN, ROOT, tsharkFields } from '../../helpers/cli.js';
import { liveSuite } from '../../helpers/live.js';
import type { NetLab, Veth } from '../../helpers/netns.js';
import { sendFrames } from '../../helpers/traffic.js';
import { startCapture, startServeLab, stopServeLab, waitFor, type ServeLab } from './ops-helpers.js';

const test = await liveSuite('wasmxdp capture: judged frames to pcapng with their verdicts');

let s: ServeLab | null = null;
let lab: NetLab;
let veth: Veth;
let peerNs: string;

test.before(async () => {
  s = await startServeLab(['trap-on-marker'], (wasm, [v]) => ({ ports: [{ name: 'edge', iface: v.name, program: { path: wasm['trap-on-marker'] } }] }));
  ({ lab, peerNs, veths: [veth] } = s);
});

test.after(() => stopServeLab(s));

/** A frame to the veth numbered n in its payload; marker frames start with 0xee (the guest traps on them). */
function frame(n: number, marker = false): Uint8Array {
  const f = new Uint8Array(80);
  f.set(marker ? [0xee, 0xee, 0xee, 0xee, 0xee, 0xee] : veth.mac.split(':').map((x) => parseInt(x, 16)), 0);
  f.set(veth.peerMac.split(':').map((x) => parseInt(x, 16)), 6);
  f[12] = 0x88; f[13] = 0xb5;
  f[14] = n;
  return f;
}

test('--count 20 -w file: 20 judged frames, intact, each with its verdict comment', async () => {
  const file = path.join(s!.tmp, 'pass.pcapng');
  const c = startCapture(s!.daemon.socket, ['--count', '20', '-w', file]);
  await c.ready;
  const frames = Array.from({ length: 20 }, (_, i) => frame(i));
  assert.is(await sendFrames(lab, peerNs, veth.peer, frames, 30, { gapUs: 500 }), 30);
  const r = await c.done;
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /20 frame\(s\) written; 0 left out of the capture/);
  const rows = tsharkFields(file, ['frame.len', 'frame.comment', 'data.data']);
  assert.is(rows.length, 20);
  rows.forEach((row, i) => {
    assert.is(row[0], '80');
    assert.is(row[1], 'wasmxdp verdict=pass');
    assert.is(parseInt(row[2].slice(0, 2), 16), i, 'frames in order, bytes as sent');
  });
});

test('--verdict aborted: only the frames the guest trapped on; --snaplen cuts them', async () => {
  const file = path.join(s!.tmp, 'aborted.pcapng');
  const c = startCapture(s!.daemon.socket, ['--verdict', 'aborted', '--count', '5', '--snaplen', '20', '-w', file]);
  await c.ready;
  const mixed = [frame(1), frame(2, true), frame(3)];
  assert.is(await sendFrames(lab, peerNs, veth.peer, mixed, 15, { gapUs: 1000 }), 15);
  const r = await c.done;
  assert.is(r.code, 0, r.stderr);
  const rows = tsharkFields(file, ['frame.len', 'frame.cap_len', 'frame.comment', 'eth.dst']);
  assert.is(rows.length, 5);
  for (const row of rows) assert.equal(row, ['80', '20', 'wasmxdp verdict=aborted', 'ee:ee:ee:ee:ee:ee']);
});

const noTshark = spawnSync('tshark', ['-v']).error !== undefined;
if (noTshark) console.log('# tshark not installed (Debian: apt-get install tshark): the stdout test is skipped');
// Under WASMXDP_REQUIRE_LIVE=1 a missing tshark fails the test instead.
const withTshark = noTshark && process.env.WASMXDP_REQUIRE_LIVE !== '1' ? test.skip : test;

withTshark('-w - streams pcapng to stdout: wasmxdp capture ... | tshark -r -', async () => {
  const sh = spawn('sh', ['-c', `"${process.execPath}" "${BIN}" capture --port edge --count 10 -w - --socket "${s!.daemon.socket}" | tshark -r - -T fields -e frame.comment`], { cwd: ROOT });
  let out = '', err = '';
  sh.stdout.on('data', (d) => { out += d; });
  sh.stderr.on('data', (d) => { err += d; });
  const done = new Promise<number | null>((r) => sh.on('close', r));
  await waitFor('the capture to start', () => (err.includes('writing stdout') ? true : undefined));
  await sendFrames(lab, peerNs, veth.peer, [frame(7)], 10, { gapUs: 500 });
  assert.is(await done, 0, err);
  assert.equal(out.trim().split('\n'), Array(10).fill('wasmxdp verdict=pass'));
});

test('the daemon refuses a second capture on the same port and bad verdict names; the port keeps judging', async () => {
  const client = s!.daemon.client;
  const a = await client.request('capture.start', { port: 'edge' }) as { id: number };
  const again = await client.request('capture.start', { port: 'edge' }).catch((e: Error) => e) as Error;
  assert.match(again.message, /already running on port edge/);
  await client.request('capture.stop', { id: a.id });
  const bad = await client.request('capture.start', { port: 'edge', verdicts: ['dropp'] }).catch((e: Error) => e) as Error;
  assert.match(bad.message, /unknown verdict 'dropp'/);
  const before = ((await client.request('stats')) as { ports: { packets: number }[] }).ports[0].packets;
  await sendFrames(lab, peerNs, veth.peer, [frame(1)], 10, { gapUs: 200 });
  await waitFor('frames judged', async () => (((await client.request('stats')) as { ports: { packets: number }[] }).ports[0].packets >= before + 10 ? true : undefined));
});

test.run();
