// examples/udp-reflector: UDP to port 7 comes back (TX) with Ethernet, IP and
// UDP source and destination swapped and checksums that tshark accepts;
// everything else passes untouched.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { needing } from '../helpers/tools.js';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Action } from '../../host/abi.js';
import { PROJECT_ROOT } from '../../host/compile.js';
import { encodeClassicPcap } from '../../pipeline/capture/index.js';
import { assertAllocationFree, bundledFrames } from '../helpers/allocation.js';
import {
  arp, eth, fmtMac, get16, icmpEcho, ipv4, ipv4HeaderChecksumOk, ipv6, l4ChecksumOk, parseFrame, tcp, udp, IPPROTO_UDP,
  runHandler,
} from '../../pipeline/testing/index.js';

const HANDLER = path.join(PROJECT_ROOT, 'examples/udp-reflector/handler.ts');
const test = suite('examples/udp-reflector');
const withTshark = needing(test, 'tshark');
const A = '02:00:00:00:00:0a', B = '02:00:00:00:00:0b';

const ECHO_REQUESTS = [
  eth({ src: A, dst: B }, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', ttl: 17 }, udp({ sport: 40000, dport: 7 }, 'hello over IPv4'))),
  eth({ src: A, dst: B }, ipv6({ src: '2001:db8::1', dst: '2001:db8::2' }, udp({ sport: 40001, dport: 7 }, 'hello over IPv6'))),
  eth({ src: A, dst: B, vlan: [10] }, ipv4({ src: '10.1.0.1', dst: '10.1.0.2' }, udp({ sport: 40002, dport: 7 }, 'tagged v4, odd'))),
  eth({ src: A, dst: B, vlan: [10] }, ipv6({ src: 'fd00::1', dst: 'fd00::2' }, udp({ sport: 40003, dport: 7 }, 'tagged v6'))),
  eth({ src: A, dst: B, vlan: [100, 200] }, ipv4({ src: '192.0.2.1', dst: '192.0.2.2', options: Uint8Array.of(1, 1, 1, 0) }, udp({ sport: 40004, dport: 7 }, new Uint8Array(300).fill(0xab)))),
  eth({ src: A, dst: B }, ipv6({ src: '2001:db8::a', dst: '2001:db8::b', ext: [{ type: 'hop' }, { type: 'dest' }] }, udp({ sport: 40005, dport: 7 }, 'ext headers'))),
  eth({ src: A, dst: B }, ipv4({ src: '10.0.0.9', dst: '10.0.0.8' }, udp({ sport: 40006, dport: 7, checksum: 0 }, 'no UDP checksum over IPv4'))),
  eth({ src: A, dst: B }, ipv4({ src: '10.0.0.9', dst: '10.0.0.8' }, udp({ sport: 40007, dport: 7 }, ''))),
];

function tsharkChecksums(frames: Uint8Array[]): string[][] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasmxdp-reflector-'));
  try {
    const file = path.join(dir, 'out.pcap');
    fs.writeFileSync(file, encodeClassicPcap(frames.map((data) => ({ data }))));
    const res = spawnSync('tshark', ['-n', '-r', file, '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE',
      '-T', 'fields', '-E', 'separator=/t', '-e', 'ip.checksum.status', '-e', 'udp.checksum.status', '-e', 'udp.srcport', '-e', 'udp.dstport'], { encoding: 'utf8', timeout: 60_000 });
    if (res.error || res.status !== 0) throw new Error(`tshark failed (install the Debian package "tshark"): ${res.error?.message ?? res.stderr}`);
    return res.stdout.trimEnd().split('\n').map((l) => l.split('\t'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('echo requests come back with addresses and ports swapped', async () => {
  const { results } = await runHandler(HANDLER, ECHO_REQUESTS, { log: () => {} });
  results.forEach((r, i) => {
    const inp = ECHO_REQUESTS[i], out = r.frame, at = `frame ${i}`;
    assert.is(r.action, Action.TX, at);
    assert.is(out.length, inp.length, `${at}: length unchanged`);
    const p = parseFrame(out), q = parseFrame(inp);
    assert.is(p.src, q.dst, `${at}: eth src`);
    assert.is(p.dst, q.src, `${at}: eth dst`);
    assert.equal(p.vlans, q.vlans, `${at}: tags kept`);
    assert.equal(p.ipSrc, q.ipDst, `${at}: ip src`);
    assert.equal(p.ipDst, q.ipSrc, `${at}: ip dst`);
    assert.is(get16(out, p.l4Off), 7, `${at}: source port is the echo port`);
    assert.is(get16(out, p.l4Off + 2), get16(inp, q.l4Off), `${at}: destination port is the sender's`);
    assert.equal(out.subarray(p.l4Off + 8), inp.subarray(q.l4Off + 8), `${at}: payload unchanged`);
    if (p.ipVersion === 4) assert.ok(ipv4HeaderChecksumOk(out, p.l3Off), `${at}: IPv4 checksum`);
    assert.ok(l4ChecksumOk(out), `${at}: UDP checksum`);
  });
  assert.is(fmtMac(results[0].frame, 0), A);
});

withTshark('tshark validates the IP and UDP checksums of every reflected frame', async () => {
  const { results } = await runHandler(HANDLER, ECHO_REQUESTS, { log: () => {} });
  const rows = tsharkChecksums(results.map((r) => r.frame));
  assert.is(rows.length, ECHO_REQUESTS.length);
  rows.forEach(([ipStatus, udpStatus, sport], i) => {
    // 1 = good, 0 = bad, 3 = not present (UDP checksum 0 over IPv4 means none).
    const v4 = parseFrame(ECHO_REQUESTS[i]).ipVersion === 4;
    if (v4) assert.is(ipStatus, '1', `frame ${i}: ip.checksum.status`);
    const none = v4 && get16(ECHO_REQUESTS[i], parseFrame(ECHO_REQUESTS[i]).l4Off + 6) === 0;
    assert.is(udpStatus, none ? '3' : '1', `frame ${i}: udp.checksum.status`);
    assert.is(sport, '7');
  });
});

test('everything else passes untouched', async () => {
  const bad = ECHO_REQUESTS[0].slice();
  bad[bad.length - 1] ^= 0x20; // payload bit flip: UDP checksum no longer matches
  const badIp = ECHO_REQUESTS[0].slice();
  badIp[14 + 8] ^= 1; // TTL changed, IPv4 header checksum not updated
  const others = [
    eth({}, ipv4({}, udp({ sport: 5000, dport: 53 }, 'dns'))),
    eth({}, ipv4({}, tcp({ dport: 7 }, 'tcp to 7'))),
    eth({}, ipv4({}, icmpEcho({}, 'ping'))),
    eth({}, arp({})),
    eth({}, ipv4({}, udp({ sport: 7, dport: 40000 }, 'a reply from an echo server'))),
    eth({}, ipv4({}, udp({ sport: 7, dport: 7 }, 'echo to echo'))),
    eth({}, ipv4({ mf: true }, udp({ dport: 7, length: 2000 }, 'first fragment'))),
    eth({}, ipv4({ fragOffset: 10, proto: IPPROTO_UDP }, new Uint8Array(16))),
    eth({}, ipv6({}, udp({ dport: 7, checksum: 0 }, 'zero checksum is invalid over IPv6'))),
    bad, badIp,
    Uint8Array.of(1, 2, 3),
  ];
  const { results, sandbox } = await runHandler(HANDLER, others, { log: () => {} });
  results.forEach((r, i) => {
    assert.is(r.action, Action.PASS, `frame ${i}`);
    assert.equal(r.frame, others[i], `frame ${i} unchanged`);
  });
  // Counter 1 counts the bad checksums (the IPv6 zero one, the flipped bit, the stale IPv4 header).
  assert.is(sandbox.counter(1), 3);
});

test('the bundled capture: every valid echo request is reflected, nothing else', async () => {
  const frames = bundledFrames();
  const { results } = await runHandler(HANDLER, frames, { log: () => {} });
  let reflected = 0;
  results.forEach((r, i) => {
    const f = frames[i];
    const p = parseFrame(f.length >= 14 ? f : new Uint8Array(14));
    const isRequest = p.complete && p.proto === IPPROTO_UDP && p.l4Len >= 8 && f.length >= p.l4Off + 8
      && get16(f, p.l4Off + 2) === 7 && get16(f, p.l4Off) !== 7 && get16(f, p.l4Off + 4) >= 8 && get16(f, p.l4Off + 4) <= p.l4Len
      && l4ChecksumOk(f) && (p.ipVersion === 6 || ipv4HeaderChecksumOk(f, p.l3Off))
      && (p.ipVersion === 6 || (get16(f, p.l3Off + 6) & 0x3fff) === 0);
    assert.is(r.action, isRequest ? Action.TX : Action.PASS, `capture frame ${i + 1}`);
    if (isRequest) { reflected++; assert.ok(l4ChecksumOk(r.frame), `capture frame ${i + 1}: output checksum`); }
  });
  assert.ok(reflected > 100, `reflected ${reflected}`);
});

test('a million packets: no trap, no allocation', async () => {
  const ns = await assertAllocationFree(HANDLER, bundledFrames());
  console.log(`  udp-reflector: ${ns.toFixed(0)} ns/packet over the bundled capture mix`);
});

test.run();
