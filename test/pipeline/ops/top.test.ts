// `wasmxdp top` against `serve` on a veth port under traffic: piped, plain
// lines with the port's rates; on a terminal, a redrawn screen; `stats
// --watch` is the same view.
import * as assert from 'uvu/assert';
import { topCommand } from '../../../pipeline/cli/commands/top.js';
import type { TestDaemon } from '../../helpers/daemon.js';
import { liveSuite } from '../../helpers/live.js';
import type { NetLab, Veth } from '../../helpers/netns.js';
import { sendFrames } from '../../helpers/traffic.js';
import { rawFrame, startServeLab, stopServeLab, waitFor, type ServeLab } from './ops-helpers.js';

const test = await liveSuite('wasmxdp top / stats --watch on a live daemon');

let s: ServeLab | null = null;
let lab: NetLab;
let veth: Veth;
let peerNs: string;
let daemon: TestDaemon;

test.before(async () => {
  s = await startServeLab(['drop-all'], (wasm, [v]) => ({ ports: [{ name: 'edge', iface: v.name, program: { path: wasm['drop-all'] } }] }));
  ({ lab, peerNs, daemon, veths: [veth] } = s);
});

test.after(() => stopServeLab(s));

/** Steady traffic (~5k frames/s, bounded) while fn runs. */
async function underTraffic<T>(fn: () => Promise<T>): Promise<T> {
  const sent = sendFrames(lab, peerNs, veth.peer, [rawFrame(veth)], 25_000, { gapUs: 200 });
  const before = ((await daemon.client.request('stats')) as { ports: { packets: number }[] }).ports[0].packets;
  await waitFor('traffic', async () => (((await daemon.client.request('stats')) as { ports: { packets: number }[] }).ports[0].packets > before + 500 ? true : undefined));
  try { return await fn(); } finally { await sent; }
}

test('piped: one plain line per refresh with pps and drop rate; no escape codes', async () => {
  const out: string[] = [];
  await underTraffic(() => topCommand(['--count', '3', '--socket', daemon.socket], () => {}, { isTTY: false, write: (s) => out.push(s) }));
  assert.is(out.length, 3);
  for (const l of out) {
    assert.not.match(l, /\x1b/);
    const m = /^\S+Z port=edge version=1 pps=(\d+) drop=(\d+) pass=0 tx=0 redirect=0 aborted=0 traps=0 fuel=0 sock_drops=0 cpu=(\d+)%\n$/.exec(l);
    assert.ok(m, l);
    assert.ok(Number(m![1]) > 1000, `pps ${m![1]} under ~5k frames/s`);
    assert.is(m![2], m![1], 'every packet dropped');
  }
});

test('terminal: the screen is redrawn each refresh', async () => {
  const out: string[] = [];
  await underTraffic(() => topCommand(['--count', '2', '--interval', '0.5', '--socket', daemon.socket], () => {}, { isTTY: true, write: (s) => out.push(s) }));
  assert.is(out.length, 2);
  for (const s of out) {
    assert.ok(s.startsWith('\x1b[H\x1b[2J'));
    assert.match(s, /wasmxdp top .* daemon pid \d+ {2}cpu \d+%/);
    assert.match(s, /^edge\s+v1\s+[\d,]+\s+[\d,]+/m);
  }
});

test('the CLI: `stats --watch --count 1` prints the same piped line', async () => {
  const r = daemon.cli(['stats', '--watch', '--count', '1']);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /^\S+Z port=edge version=1 pps=\d+ drop=\d+ /);
  const bad = daemon.cli(['top', '--interval', 'soon']);
  assert.is(bad.status, 2);
  assert.match(bad.stderr, /--interval must be a number/);
});

test.run();
