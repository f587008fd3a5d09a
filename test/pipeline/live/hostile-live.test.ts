// Hostile guests on a live veth port: traps of every kind and lying verdicts
// are contained, the port keeps handling the frames that follow, and no UMEM
// frame is lost, whatever the guest did.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { liveSuite } from '../../helpers/live.js';
import { NetLab } from '../../helpers/netns.js';
import { startLive } from '../../helpers/live-cli.js';
import { sendFrames } from '../../helpers/traffic.js';
import { tagged, wat } from '../../host/fixtures.js';

const test = await liveSuite('pipeline/live: hostile guests');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-hostile-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function watFile(name: string): string {
  const file = path.join(tmp, `${name}.wasm`);
  fs.writeFileSync(file, wat(name));
  return file;
}

async function runOn(guest: string, extra: string[], frames: Uint8Array[], gapUs = 2000) {
  const lab = new NetLab();
  try {
    const peerNs = lab.addNetns();
    const v = lab.addVeth({ peerNs });
    const run = startLive([guest, '--iface', v.name, ...extra]);
    await run.attached;
    assert.is(await sendFrames(lab, peerNs, v.peer, frames, frames.length, { gapUs }), frames.length);
    await new Promise((r) => setTimeout(r, 800));
    run.stop();
    const done = await run.done;
    assert.is(done.status, 0, done.stderr);
    return done;
  } finally { lab.destroy(); }
}

test('traps of every kind (fuel, unreachable, out of bounds, divide by zero, stack overflow) are contained', async () => {
  const poisons = [0xee, 0xdd, 0xdc, 0xdb, 0xda];
  const frames: Uint8Array[] = [];
  poisons.forEach((p, i) => { frames.push(tagged(0x02, i)); frames.push(tagged(p, i)); });
  for (let i = 0; i < 20; i++) frames.push(tagged(0x02, 100 + i));
  const { summary, stderr } = await runOn(watFile('poison'), ['--fuel', '200000'], frames);
  assert.is(summary.traps, poisons.length, stderr);
  assert.is(summary.verdicts.aborted, poisons.length);
  assert.is(summary.verdicts.pass, frames.length - poisons.length);
  assert.is(summary.quarantined, false);
  assert.is(summary.frames.held, 0);
  for (const kind of ['fuel', 'unreachable', 'out_of_bounds', 'divide_by_zero']) assert.match(stderr, new RegExp(`trap \\(${kind}\\)`));
});

test('lying verdicts are refused per packet; the frames go back to the pool', async () => {
  const lies = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x08];
  const frames = [...lies.map((t, i) => tagged(t, i)), ...Array.from({ length: 10 }, (_, i) => tagged(0x20, 50 + i))];
  const { summary } = await runOn(watFile('garbage'), [], frames);
  assert.is(summary.invalidVerdicts, lies.length);
  assert.is(summary.verdicts.aborted, lies.length);
  assert.is(summary.verdicts.pass, 10);
  assert.is(summary.frames.held, 0);
  assert.is(summary.socket.rxInvalidDescs + summary.socket.txInvalidDescs, 0, 'nothing invalid reached the kernel');
});

test('a guest trapping on every packet is quarantined: its traffic gets the fail verdict, the port keeps running', async () => {
  const frames = Array.from({ length: 300 }, (_, i) => tagged(0xdd, i));
  const { summary } = await runOn(watFile('poison'), ['--fail', 'drop'], frames, 500);
  assert.is(summary.quarantined, true);
  assert.is(summary.packets, frames.length);
  assert.ok(summary.verdicts.drop > 0, 'quarantined traffic gets the fail verdict (drop)');
  assert.is(summary.verdicts.drop + summary.verdicts.aborted, frames.length);
  assert.is(summary.frames.held, 0);
});

test.run();
