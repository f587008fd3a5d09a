// The XDP program's per-action counters count what the steering program
// returned, for every action: the real build counts REDIRECT per frame steered
// to the socket; test builds that return one fixed action (-DWASMXDP_TEST_ACTION)
// show ABORTED, DROP and TX land in their own counters (before, only PASS and
// REDIRECT were ever counted) and that programStats() names them in the
// contract's order (abi/contract.json).
import * as assert from 'uvu/assert';
import { Action, ACTION_NAMES, BPF_STAT_KEYS, memoryPages } from '../../host/abi.js';
import { Batch } from '../../host/batch.js';
import { XskPortSet } from '../../native/index.js';
import { liveSuite } from '../helpers/live.js';
import { NetLab } from '../helpers/netns.js';
import { eth } from '../helpers/packets.js';
import { pump, sendFrames } from '../helpers/traffic.js';
import { buildSteeringVariant, openWithProgram, rawPortOptions } from '../helpers/xdp.js';

const test = await liveSuite('native/program-stats');
const FRAMES = 7;

function named(raw: number[]): Record<string, number> {
  return Object.fromEntries(BPF_STAT_KEYS.map((k, i) => [k, raw[i]]));
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

for (const action of [Action.ABORTED, Action.DROP, Action.TX] as const) {
  const name = ACTION_NAMES[action];
  test(`skb: a program returning ${name} counts each frame under ${name}`, async () => {
    const lab = new NetLab();
    let native: ReturnType<typeof openWithProgram> | undefined;
    try {
      const peerNs = lab.addNetns();
      const v = lab.addVeth({ peerNs });
      native = openWithProgram(buildSteeringVariant([`WASMXDP_TEST_ACTION=${action}`]));
      native.addPort(rawPortOptions(v.name, 'skb'));
      native.bindBatch(new Batch());
      const frames = Array.from({ length: FRAMES }, () => eth({ src: v.peerMac, dst: v.mac, type: 0x88b5 }, new Uint8Array(46)));
      await sendFrames(lab, peerNs, v.peer, frames, FRAMES);
      const n = native;
      await waitFor(() => n.programStats(0)[action] >= FRAMES, 2000);
      // >=: the peer's own stack may add a frame (IPv6 neighbour discovery).
      const got = named(n.programStats(0));
      assert.ok(got[name] >= FRAMES, JSON.stringify(got));
      assert.equal({ ...got, [name]: 0 }, Object.fromEntries(BPF_STAT_KEYS.map((k) => [k, 0])));
      assert.is(n.receive(256, 50), 0, 'nothing reached the socket');
    } finally {
      native?.close();
      lab.destroy();
    }
  });
}

test('skb: the real program counts a redirect per steered frame, nothing else', async () => {
  const lab = new NetLab();
  const pages = memoryPages(1);
  const set = XskPortSet.open({ memory: new WebAssembly.Memory({ initial: pages, maximum: pages }) });
  try {
    const peerNs = lab.addNetns();
    const v = lab.addVeth({ peerNs });
    set.addPort({ ifname: v.name, mode: 'skb' });
    const batch = new Batch();
    set.bindBatch(batch);
    set.receive(0, 0);
    const frames = Array.from({ length: FRAMES }, () => eth({ src: v.peerMac, dst: v.mac, type: 0x88b5 }, new Uint8Array(46)));
    await sendFrames(lab, peerNs, v.peer, frames, FRAMES);
    await pump(set, batch, { until: (n) => n >= FRAMES, timeoutMs: 3000 });
    const s = set.programStats(0);
    assert.ok(s.redirect >= FRAMES, JSON.stringify(s));
    assert.equal({ aborted: s.aborted, drop: s.drop, pass: s.pass, tx: s.tx, noSocket: s.noSocket }, { aborted: 0, drop: 0, pass: 0, tx: 0, noSocket: 0 });
  } finally {
    set.close();
    lab.destroy();
  }
});

test.run();
