// The shared frame builder, checked by an independent decoder: tshark must
// find every checksum the builder computes good, and read back the fields it
// was given. Other suites build their frames with it, so it gets its own.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { needing } from '../../helpers/tools.js';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeClassicPcap } from '../../../pipeline/capture/index.js';
import {
  arp, concat, dnsLabels, dnsPointer, dnsQuery, eth, fmtIp6, icmp6Echo, icmpEcho, internetChecksum, ip6, ipv4,
  ipv4HeaderChecksumOk, ipv6, l4ChecksumOk, parseFrame, tcp, udp,
} from '../../../pipeline/testing/packets.js';

const test = suite('testing/packets');
const withTshark = needing(test, 'tshark');

function tshark(frames: Uint8Array[], fields: string[]): string[][] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasmxdp-packets-'));
  try {
    const file = path.join(dir, 'f.pcap');
    fs.writeFileSync(file, encodeClassicPcap(frames.map((data) => ({ data }))));
    const res = spawnSync('tshark', ['-n', '-r', file, '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE',
      '-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE', '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,',
      ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8', timeout: 60_000 });
    if (res.error || res.status !== 0) throw new Error(`tshark failed (install the Debian package "tshark"): ${res.error?.message ?? res.stderr}`);
    return res.stdout.replace(/\n$/, '').split('\n').map((l) => l.split('\t'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('internetChecksum matches the RFC 1071 worked example', () => {
  // RFC 1071 section 3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2.
  assert.is(internetChecksum(Uint8Array.of(0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7)), ~0xddf2 & 0xffff);
});

test('ip6 and fmtIp6 round-trip canonical text', () => {
  for (const a of ['2001:db8::1', '::', '::1', 'fe80::1:2', '2001:db8:0:1:1:1:1:1', '1::', '2001:0:0:1::1']) assert.is(fmtIp6(ip6(a)), a);
});

const FRAMES = [
  eth({ vlan: [100] }, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', ttl: 9, id: 77, options: Uint8Array.of(1, 1, 1) }, udp({ sport: 1000, dport: 53 }, dnsQuery({ qname: 'ads.example.com' })))),
  eth({ vlan: [10, 20] }, ipv6({ ext: [{ type: 'hop' }, { type: 'routing', addresses: ['2001:db8::99'] }, { type: 'fragment', more: false }, { type: 'dest' }] }, tcp({ flags: 'SA', options: Uint8Array.of(2, 4, 5, 0xb4) }, 'hello'))),
  eth({}, ipv6({}, icmp6Echo({ id: 5, seq: 6 }, 'ping'))),
  eth({}, ipv4({}, icmpEcho({ id: 5, seq: 6 }, 'odd'))),
  eth({}, ipv6({ src: 'fd00::1', dst: 'fd00::2' }, udp({ sport: 9, dport: 7 }, 'x'))),
  eth({}, ipv4({ src: '192.0.2.1', dst: '192.0.2.2' }, tcp({ sport: 1, dport: 2, seq: 0xffffffff, flags: 'FPU', urgent: 3 }, new Uint8Array(101).fill(7)))),
  eth({}, ipv4({}, udp({ dport: 53 }, dnsQuery({ qname: 'mail.example.com', questions: [{ nameRaw: concat(dnsLabels('ads'), dnsPointer(17)), qtype: 28 }] })))),
  eth({}, arp({ op: 2 })),
];

withTshark('tshark finds every checksum the builder computes good', () => {
  const rows = tshark(FRAMES, ['ip.checksum.status', 'udp.checksum.status', 'tcp.checksum.status', 'icmp.checksum.status', 'icmpv6.checksum.status']);
  assert.is(rows.length, FRAMES.length);
  rows.forEach((r, i) => {
    const present = r.filter((s) => s !== '');
    if (i === 7) { assert.equal(present, [], 'ARP has no checksum'); return; }
    assert.ok(present.length > 0, `frame ${i}: some checksum checked`);
    assert.ok(present.every((s) => s === '1'), `frame ${i}: statuses ${r.join(' ')}`);
  });
  for (const f of FRAMES.slice(0, 7)) {
    const p = parseFrame(f);
    if (p.ipVersion === 4) assert.ok(ipv4HeaderChecksumOk(f, p.l3Off));
    assert.ok(l4ChecksumOk(f));
  }
});

withTshark('tshark reads back the fields the builder was given', () => {
  const rows = tshark(FRAMES, ['vlan.id', 'ieee8021ad.id', 'ip.ttl', 'ip.id', 'ip.hdr_len', 'ipv6.nxt', 'tcp.flags', 'tcp.hdr_len', 'dns.qry.name', 'dns.qry.type', 'icmpv6.echo.identifier', 'arp.opcode']);
  assert.equal(rows[0].slice(0, 5), ['100', '', '9', '0x004d', '24']);
  assert.is(rows[0][8], 'ads.example.com');
  assert.equal(rows[1].slice(0, 2), ['20', '10']);
  assert.is(rows[1][5].split(',')[0], '0', 'hop-by-hop first');
  assert.is(rows[1][6], '0x0012');
  assert.is(rows[1][7], '24');
  assert.is(rows[2][10], '0x0005');
  assert.is(rows[5][6], '0x0029');
  assert.equal(rows[6].slice(8, 10), ['mail.example.com,ads.example.com', '1,28']);
  assert.is(rows[7][11], '2');
});

test.run();
