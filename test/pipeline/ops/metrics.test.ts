// `wasmxdp serve` with "metrics" on a veth port in a test namespace: the
// exposition parses strictly (and passes `promtool check metrics` where
// promtool is installed), and its counters equal the frames sent.
import { setTimeout as sleep } from 'node:timers/promises';
import * as assert from 'uvu/assert';
import { liveSuite } from '../../helpers/live.js';
import type { NetLab, Veth } from '../../helpers/netns.js';
import { parseExposition, promtoolCheck, sum, type Family } from '../../helpers/prom-text.js';
import { sendFrames } from '../../helpers/traffic.js';
import { metricsUrl, rawFrame, startServeLab, stopServeLab, waitFor, type ServeLab } from './ops-helpers.js';

const test = await liveSuite('serve /metrics: strict exposition, counters equal traffic sent');

let s: ServeLab | null = null;
let lab: NetLab;
let veth: Veth;
let peerNs: string;
let url: string;

async function scrape(): Promise<{ text: string; families: Map<string, Family> }> {
  const res = await fetch(url);
  assert.is(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  return { text, families: parseExposition(text) };
}

test.before(async () => {
  s = await startServeLab(['drop-all'], (wasm, [v]) => ({
    ports: [{ name: 'edge', iface: v.name, queue: 0, mode: 'skb', program: { path: wasm['drop-all'] } }],
    metrics: { listen: '127.0.0.1:0' },
  }));
  ({ lab, peerNs, veths: [veth] } = s);
  url = await metricsUrl(s.daemon);
});

test.after(() => stopServeLab(s));

test('before traffic: every family present, zero packets', async () => {
  const { families } = await waitFor('first figures', async () => {
    const s = await scrape();
    return s.families.get('wasmxdp_packets_total')?.samples.length ? s : undefined;
  });
  for (const name of ['wasmxdp_verdicts_total', 'wasmxdp_traps_total', 'wasmxdp_fuel_exhaustions_total', 'wasmxdp_fail_verdicts_total',
    'wasmxdp_quarantined', 'wasmxdp_batch_duration_seconds', 'wasmxdp_xsk_rx_dropped_total', 'wasmxdp_xsk_rx_ring_full_total',
    'wasmxdp_xsk_fill_ring_empty_total', 'wasmxdp_worker_restarts_total', 'wasmxdp_running_version']) {
    assert.ok(families.has(name), `family ${name}`);
  }
  assert.is(sum(families, 'wasmxdp_packets_total'), 0);
  assert.is(sum(families, 'wasmxdp_quarantined', { port: 'edge', tenant: 'default', queue: '0' }), 0);
  assert.is(sum(families, 'wasmxdp_running_version', { port: 'edge' }), 1);
});

test('after N frames: packets, DROP verdicts and batch count match; no socket drops; the exposition is valid', async () => {
  const N = 5000;
  const sent = await sendFrames(lab, peerNs, veth.peer, [rawFrame(veth)], N, { gapUs: 20 });
  assert.is(sent, N);
  // Workers publish once a second: wait for the figures that include the last frame.
  const { text, families } = await waitFor('the scrape to show every frame', async () => {
    const s = await scrape();
    return sum(s.families, 'wasmxdp_packets_total') >= N ? s : undefined;
  });
  const q = { port: 'edge', tenant: 'default', queue: '0' };
  assert.is(sum(families, 'wasmxdp_packets_total', { ...q, version: '1' }), N);
  assert.is(sum(families, 'wasmxdp_verdicts_total', { ...q, verdict: 'drop' }), N);
  assert.is(sum(families, 'wasmxdp_verdicts_total', { ...q, verdict: 'pass' }), 0);
  assert.is(sum(families, 'wasmxdp_traps_total', q), 0);
  assert.is(sum(families, 'wasmxdp_fail_verdicts_total', q), 0);
  assert.is(sum(families, 'wasmxdp_xsk_rx_dropped_total', { ...q, iface: veth.name }), 0);
  assert.is(sum(families, 'wasmxdp_xsk_rx_ring_full_total', q), 0);
  // The kernel side redirected every frame into the socket.
  assert.is(sum(families, 'wasmxdp_xdp_program_actions_total', { ...q, action: 'redirect' }), N);
  const batches = sum(families, 'wasmxdp_batch_duration_seconds_count', q);
  assert.ok(batches >= 1 && batches <= N, `batches ${batches}`);
  assert.ok(sum(families, 'wasmxdp_batch_duration_seconds_sum', q) > 0);

  const verdict = promtoolCheck(text);
  if (verdict === 'missing') console.log('# promtool not installed (Debian: apt-get install prometheus): checked with the strict parser only');
  else assert.is(verdict, null, `promtool check metrics: ${verdict}`);
});

test('only /metrics is served; a scrape never asks the workers (figures are at most ~1 s old)', async () => {
  const res = await fetch(url.replace('/metrics', '/'));
  assert.is(res.status, 404);
  await res.text();
  const { families } = await scrape();
  const age = sum(families, 'wasmxdp_figures_age_seconds', { port: 'edge' });
  assert.ok(age >= 0 && age < 3, `figures age ${age}`);
  // Many scrapes in a row do not disturb the port: it still judges every frame.
  const before = sum(families, 'wasmxdp_packets_total');
  const scrapes = Promise.all(Array.from({ length: 50 }, () => scrape()));
  const sent = await sendFrames(lab, peerNs, veth.peer, [rawFrame(veth)], 1000, { gapUs: 20 });
  await scrapes;
  const after = await waitFor('the new frames', async () => {
    const s = await scrape();
    return sum(s.families, 'wasmxdp_packets_total') >= before + sent ? s : undefined;
  });
  assert.is(sum(after.families, 'wasmxdp_packets_total'), before + sent);
  await sleep(0);
});

test.run();
