// The SDK's checksum helpers against the TypeScript reference: full RFC 1071
// sums over arbitrary bytes, and a guest that rewrites headers with RFC 1624
// incremental updates (or a full recompute) must leave every checksum valid.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { Action } from '../../host/abi.js';
import { PROJECT_ROOT } from '../../host/compile.js';
import { runGuest } from '../helpers/guest.js';
import {
  eth, fmtIp4, get16, get32, internetChecksum, ipv4, ipv4HeaderChecksumOk, ipv6, l4ChecksumOk, parseFrame, tcp, udp, arp,
  icmp6Echo,
} from '../helpers/packets.js';
import { decodeReport } from './report.js';

const FIELDS = path.join(PROJECT_ROOT, 'test/guest-sdk/guests/fields.ts');
const REWRITE = path.join(PROJECT_ROOT, 'test/guest-sdk/guests/rewrite.ts');
const test = suite('guest-sdk/checksum');

// Deterministic pseudo-random bytes (a failing case can be replayed).
function bytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; b[i] = x & 0xff; }
  return b;
}

test('checksum() equals RFC 1071 over every length 0-300 (odd lengths included)', async () => {
  const frames = Array.from({ length: 301 }, (_, n) => bytes(n, n + 7));
  frames.push(new Uint8Array(64).fill(0xff), new Uint8Array(1200).fill(0xff), bytes(1280, 99));
  const { results, stats } = await runGuest(FIELDS, frames, { log: () => {} });
  assert.is(stats.traps, 0);
  results.forEach((r, i) => {
    assert.is(Number(decodeReport(r.bytes).rawChecksum), internetChecksum(frames[i]), `length ${frames[i].length}`);
  });
});

const V4_FRAMES = [
  eth({ vlan: [7] }, ipv4({ src: '10.0.0.1', dst: '10.9.9.9', ttl: 64 }, tcp({ seq: 0xfffffc00, flags: 'PA' }, 'abcdefg'))),
  eth({}, ipv4({ src: '172.16.5.4', dst: '8.8.8.8', ttl: 1, options: Uint8Array.of(1, 1, 1, 1) }, udp({ sport: 5000, dport: 53 }, 'q'))),
  eth({}, ipv4({ src: '192.168.0.10', dst: '255.255.255.255' }, udp({ checksum: 0 }, 'no checksum'))),
];
for (let i = 0; i < 40; i++) {
  const b = bytes(8, 1000 + i);
  V4_FRAMES.push(eth({}, ipv4({ src: fmtIp4(b, 0), dst: fmtIp4(b, 4), ttl: 2 + i, id: i }, i % 2 ? udp({ sport: i, dport: 1000 + i }, bytes(i, i)) : tcp({ seq: get32(b, 0) }, bytes(i, i + 1)))));
}

test('IPv4 incremental updates (TTL, address, TCP seq) keep every checksum valid', async () => {
  const { results, stats } = await runGuest(REWRITE, V4_FRAMES, { log: () => {} });
  assert.is(stats.traps, 0);
  results.forEach((r, i) => {
    const inp = V4_FRAMES[i], out = r.bytes;
    assert.is(r.action, Action.TX, `frame ${i}`);
    const p = parseFrame(out), q = parseFrame(inp);
    assert.ok(ipv4HeaderChecksumOk(out, p.l3Off), `frame ${i}: IPv4 header checksum`);
    assert.ok(l4ChecksumOk(out), `frame ${i}: L4 checksum`);
    assert.is(fmtIp4(p.ipDst!), '198.51.100.1');
    assert.is(out[p.l3Off + 8], inp[q.l3Off + 8] - 1, 'TTL decremented');
    if (p.proto === 6) assert.is(get32(out, p.l4Off + 4), (get32(inp, q.l4Off + 4) + 1000) >>> 0, 'seq + 1000');
  });
  // "No checksum" stays zero rather than becoming a wrong one.
  const none = results[2].bytes;
  assert.is(get16(none, parseFrame(none).l4Off + 6), 0);
});

test('IPv6 full recompute after a payload change, across extension headers', async () => {
  const frames = [
    eth({}, ipv6({}, udp({ dport: 7 }, 'hello'))),
    eth({}, ipv6({ ext: [{ type: 'hop' }, { type: 'dest' }] }, tcp({}, 'odd'))),
    eth({}, ipv6({ ext: [{ type: 'routing', addresses: ['2001:db8::5', '2001:db8::6'] }] }, udp({}, 'via routing header'))),
    eth({ vlan: [1, 2] }, ipv6({}, icmp6Echo({}, 'ping'))),
  ];
  const { results } = await runGuest(REWRITE, frames, { log: () => {} });
  results.forEach((r, i) => {
    assert.is(r.action, Action.TX, `frame ${i}`);
    assert.ok(l4ChecksumOk(r.bytes), `frame ${i}: L4 checksum after recompute`);
    assert.not.ok(l4ChecksumOk(Uint8Array.from(r.bytes, (b, j) => (j === r.bytes.length - 1 ? b ^ 1 : b))), 'the reference does notice a flipped bit');
    const p = parseFrame(r.bytes);
    assert.is.not(r.bytes[p.l4Off + (p.proto === 6 ? 20 : 8)], frames[i][p.l4Off + (p.proto === 6 ? 20 : 8)], 'payload changed');
  });
});

test('a packet with nothing to checksum is left alone', async () => {
  const f = eth({}, arp({}));
  const { results } = await runGuest(REWRITE, [f], { log: () => {} });
  assert.is(results[0].action, Action.PASS);
  assert.equal(results[0].bytes, f);
});

test.run();
