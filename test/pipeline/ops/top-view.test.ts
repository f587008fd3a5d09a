// top's arithmetic and rendering: rates from two stats answers, a restarted
// worker's counters counted from zero, a screen on a terminal, plain lines
// when piped.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderLines, renderScreen, topRows, type StatsPort } from '../../../pipeline/ops/top-view.js';

function port(packets: number, drop: number, extra: Partial<StatsPort> = {}): StatsPort {
  return {
    port: 'edge', owner: 'default', version: 2, packets, verdicts: { aborted: 0, drop, pass: packets - drop, tx: 0, redirect: 0 },
    traps: 1, fuelExhaustions: 0, quarantined: false, socket: { rxDropped: 0, rxRingFull: 0, rxFillRingEmptyDescs: 0 },
    queues: [{ queue: 0, packets }], ...extra,
  };
}

test('rates are deltas over the interval, per verdict', () => {
  const [r] = topRows([port(1000, 400)], [port(3000, 1400)], 2);
  assert.is(r.pps, 1000);
  assert.is(r.verdictPps.drop, 500);
  assert.is(r.verdictPps.pass, 500);
  assert.is(r.traps, 1);
});

test('the first refresh has no rates; a counter that went down (restarted worker) counts from zero', () => {
  assert.is(topRows(null, [port(3000, 0)], 1)[0].pps, 0);
  assert.is(topRows([port(5000, 0)], [port(300, 0)], 1)[0].pps, 300);
});

test('a port on several queues gets a row per queue', () => {
  const two = (a: number, b: number) => port(a + b, 0, { queues: [{ queue: 0, packets: a }, { queue: 1, packets: b }] });
  const rows = topRows([two(0, 0)], [two(100, 300)], 1);
  assert.equal(rows.map((r) => [r.queue, r.pps]), [[null, 400], [0, 100], [1, 300]]);
});

const h = { time: new Date('2026-01-02T03:04:05Z'), pid: 42, cpuPercent: 37.4, intervalS: 1 };

test('terminal: clears the screen and draws a header and a table', () => {
  const s = renderScreen(h, topRows([port(0, 0)], [port(12345, 345)], 1));
  assert.ok(s.startsWith('\x1b[H\x1b[2J'));
  assert.match(s, /daemon pid 42 {2}cpu 37%/);
  assert.match(s, /^PORT\s+VER\s+PKT\/S\s+DROP\/S/m);
  assert.match(s, /^edge\s+v2\s+12,345\s+345\s+12,000/m);
});

test('piped: one key=value line per port, no escape codes', () => {
  const s = renderLines(h, topRows([port(0, 0)], [port(12345, 345, { quarantined: true })], 1));
  assert.not.match(s, /\x1b/);
  assert.is(s, '2026-01-02T03:04:05.000Z port=edge version=2 pps=12345 drop=345 pass=12000 tx=0 redirect=0 aborted=0 traps=1 fuel=0 sock_drops=0 cpu=37% quarantined\n');
});

test.run();
