// Cross-check against an independent decoder: the same frames go through the
// SDK (fields test guest, in a sandbox) and through tshark (from a classic pcap
// written by pipeline/capture), and every field both extract must agree,
// frame by frame. Requires tshark (Debian package "tshark").

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { toolSuite } from '../helpers/tools.js';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../host/compile.js';
import { encodeClassicPcap } from '../../pipeline/capture/index.js';
import { runGuest } from '../helpers/guest.js';
import {
  arp, eth, fmtIp4, fmtIp6, icmp6Echo, icmpEcho, ipv4, ipv6, tcp, udp, L4, Ipv6Ext, IPPROTO_UDP, IPPROTO_TCP,
} from '../helpers/packets.js';
import { decodeReport, has, signed, Report, F_ARP, F_ICMP, F_ICMP6, F_IPV4, F_IPV6, F_TCP, F_UDP } from './report.js';

const GUEST = path.join(PROJECT_ROOT, 'test/guest-sdk/guests/fields.ts');
const test = toolSuite('guest-sdk/tshark', ['tshark']);

const FIELDS = [
  'eth.src', 'eth.dst', 'vlan.id', 'ieee8021ad.id', 'ip.src', 'ip.dst', 'ip.ttl', 'ip.proto', 'ip.id', 'ip.frag_offset',
  'ipv6.src', 'ipv6.dst', 'ipv6.nxt', 'ipv6.hlim', 'ipv6.fraghdr.ident',
  'tcp.srcport', 'tcp.dstport', 'tcp.flags', 'tcp.seq_raw', 'tcp.ack_raw', 'tcp.window_size_value',
  'udp.srcport', 'udp.dstport', 'udp.length',
  'icmp.type', 'icmp.code', 'icmpv6.type', 'icmpv6.code', 'arp.opcode', 'arp.src.proto_ipv4', 'arp.dst.proto_ipv4',
] as const;
type Row = Record<(typeof FIELDS)[number], string>;

function tshark(frames: Uint8Array[]): Row[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasmxdp-tshark-'));
  try {
    const file = path.join(dir, 'frames.pcap');
    fs.writeFileSync(file, encodeClassicPcap(frames.map((data, i) => ({ data, tsNs: BigInt(i) * 1000n }))));
    const args = ['-n', '-r', file, '-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE', '-o', 'tcp.analyze_sequence_numbers:FALSE',
      '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', '-E', 'separator=/t', ...FIELDS.flatMap((f) => ['-e', f])];
    const res = spawnSync('tshark', args, { encoding: 'utf8', timeout: 60_000 });
    if (res.error) throw new Error(`cannot run tshark (install the Debian package "tshark"): ${res.error.message}`);
    if (res.status !== 0) throw new Error(`tshark failed: ${res.stderr}`);
    return res.stdout.trimEnd().split('\n').map((line) => {
      const cols = line.split('\t');
      return Object.fromEntries(FIELDS.map((f, i) => [f, cols[i] ?? ''])) as Row;
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// Deterministic variety: addresses, ports, flags, tags and ext chains from a seed.
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
}

function mixedFrames(): Uint8Array[] {
  const frames: Uint8Array[] = [
    eth({}, arp({ op: 1, senderIp: '192.168.1.1', targetIp: '192.168.1.2' })),
    eth({ vlan: [42] }, arp({ op: 2, senderIp: '10.0.0.2', targetIp: '10.0.0.1', targetMac: '02:00:00:00:00:01' })),
    eth({}, ipv4({ mf: true, id: 99 }, udp({ sport: 1111, dport: 2222, length: 3000 }, new Uint8Array(32)))),
    eth({}, ipv4({ fragOffset: 185, id: 99, proto: IPPROTO_UDP }, new Uint8Array(32))),
    eth({}, ipv6({ ext: [{ type: 'fragment', offset: 0, more: true, id: 7 }] }, udp({ sport: 3, dport: 4, length: 2000 }, new Uint8Array(16)))),
    eth({}, ipv6({ ext: [{ type: 'fragment', offset: 300, id: 7 }], proto: IPPROTO_TCP }, new Uint8Array(16))),
    eth({}, ipv4({ options: Uint8Array.of(0x94, 4, 0, 0) }, icmpEcho({ id: 1, seq: 2 }, 'opts'))),
  ];
  const next = rng(20261122);
  const chains: Ipv6Ext[][] = [[], [{ type: 'hop' }], [{ type: 'dest' }, { type: 'routing', addresses: ['2001:db8::77'] }],
    [{ type: 'hop' }, { type: 'routing', addresses: ['2001:db8::1', '2001:db8::2'] }, { type: 'dest', options: new Uint8Array(12) }]];
  for (let i = 0; i < 60; i++) {
    const r = next();
    const word = (k: number) => (next() >>> k) & 0xffff;
    const kind = r % 3;
    const l4: L4 = kind === 0 ? tcp({ sport: word(1), dport: word(3), seq: next(), ack: next(), flags: next() & 0xff, window: word(2) }, 'p'.repeat(i % 7))
      : kind === 1 ? udp({ sport: word(0), dport: word(5) }, 'u'.repeat(i % 5))
      : (i % 2 ? icmpEcho({ id: word(0), seq: word(4), type: i % 4 ? 8 : 0 }, 'e') : icmp6Echo({ id: word(0), seq: word(2) }, 'e'));
    const v6 = kind === 2 ? i % 2 === 0 : (r >>> 8) % 2 === 0;
    const vlan = [[], [word(0) & 0xfff || 1], [word(1) & 0xfff || 2, word(2) & 0xfff || 3]][(r >>> 12) % 3];
    const src = Uint8Array.from({ length: v6 ? 16 : 4 }, () => next() & 0xff);
    const dst = Uint8Array.from({ length: v6 ? 16 : 4 }, () => next() & 0xff);
    if (!v6) { src[0] = 1 + (src[0] % 223); dst[0] = 1 + (dst[0] % 223); }
    const macs = { src: Uint8Array.from({ length: 6 }, (_, j) => (j === 0 ? 2 : next() & 0xff)), dst: Uint8Array.from({ length: 6 }, () => next() & 0xfe) };
    frames.push(v6
      ? eth({ ...macs, vlan }, ipv6({ src, dst, hopLimit: next() & 0xff, ext: chains[i % chains.length] }, l4))
      : eth({ ...macs, vlan }, ipv4({ src, dst, ttl: 1 + (next() & 0x7f), id: word(0) }, l4)));
  }
  return frames;
}

const macText = (v: bigint) => v.toString(16).padStart(12, '0').replace(/(..)(?!$)/g, '$1:');
function v6Text(hi: bigint, lo: bigint): string {
  const b = new Uint8Array(16);
  new DataView(b.buffer).setBigUint64(0, hi);
  new DataView(b.buffer).setBigUint64(8, lo);
  return fmtIp6(b);
}
function v4Text(v: bigint): string {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, Number(v));
  return fmtIp4(b);
}
const first = (s: string) => s.split(',')[0];
const num = (s: string) => (s === '' ? NaN : Number(s));

function compare(i: number, r: Report, t: Row): void {
  const at = `frame ${i + 1}`;
  assert.is(macText(r.ethSrc), t['eth.src'], `${at}: eth.src`);
  assert.is(macText(r.ethDst), t['eth.dst'], `${at}: eth.dst`);
  // tshark names 802.1Q tags vlan.id and 802.1ad (QinQ outer) tags ieee8021ad.id.
  const tags = [[r.vlan0Tpid, r.vlan0Tci], [r.vlan1Tpid, r.vlan1Tci]].slice(0, Number(r.vlanCount));
  const ids = (tpid: number) => tags.filter(([p]) => Number(p) === tpid).map(([, tci]) => String(Number(tci) & 0xfff)).join(',');
  assert.is(ids(0x8100), t['vlan.id'], `${at}: vlan.id`);
  assert.is(ids(0x88a8), t['ieee8021ad.id'], `${at}: ieee8021ad.id`);
  assert.is(has(r, F_ARP), t['arp.opcode'] !== '', `${at}: ARP present`);
  if (has(r, F_ARP)) {
    assert.is(Number(r.arpOp), num(t['arp.opcode']), `${at}: arp.opcode`);
    assert.is(v4Text(r.arpSenderIp), t['arp.src.proto_ipv4'], `${at}: arp sender`);
    assert.is(v4Text(r.arpTargetIp), t['arp.dst.proto_ipv4'], `${at}: arp target`);
  }
  assert.is(has(r, F_IPV4), t['ip.src'] !== '', `${at}: IPv4 present`);
  if (has(r, F_IPV4)) {
    assert.is(v4Text(r.v4Src), first(t['ip.src']), `${at}: ip.src`);
    assert.is(v4Text(r.v4Dst), first(t['ip.dst']), `${at}: ip.dst`);
    assert.is(Number(r.v4Ttl), num(first(t['ip.ttl'])), `${at}: ip.ttl`);
    assert.is(Number(r.v4Proto), num(first(t['ip.proto'])), `${at}: ip.proto`);
    assert.is(Number(r.v4Id), Number(first(t['ip.id'])), `${at}: ip.id`);
    assert.is(Number(r.fragOffset) / 8, num(first(t['ip.frag_offset'])), `${at}: ip.frag_offset (8-byte units)`);
  }
  assert.is(has(r, F_IPV6), t['ipv6.src'] !== '', `${at}: IPv6 present`);
  if (has(r, F_IPV6)) {
    assert.is(v6Text(r.v6SrcHi, r.v6SrcLo), first(t['ipv6.src']), `${at}: ipv6.src`);
    assert.is(v6Text(r.v6DstHi, r.v6DstLo), first(t['ipv6.dst']), `${at}: ipv6.dst`);
    assert.is(Number(r.v6NextHeader), num(first(t['ipv6.nxt'])), `${at}: ipv6.nxt`);
    assert.is(Number(r.v6HopLimit), num(first(t['ipv6.hlim'])), `${at}: ipv6.hlim`);
    if (t['ipv6.fraghdr.ident'] !== '') assert.is(Number(r.fragId), Number(t['ipv6.fraghdr.ident']), `${at}: fragment id`);
  }
  assert.is(has(r, F_TCP), t['tcp.srcport'] !== '', `${at}: TCP present`);
  if (has(r, F_TCP)) {
    assert.is(Number(r.tcpSport), num(t['tcp.srcport']), `${at}: tcp.srcport`);
    assert.is(Number(r.tcpDport), num(t['tcp.dstport']), `${at}: tcp.dstport`);
    assert.is(Number(r.tcpFlags), Number(t['tcp.flags']) & 0xff, `${at}: tcp.flags`);
    assert.is(Number(r.tcpSeq), num(t['tcp.seq_raw']), `${at}: tcp.seq`);
    assert.is(Number(r.tcpWindow), num(t['tcp.window_size_value']), `${at}: tcp.window`);
  }
  assert.is(has(r, F_UDP), t['udp.srcport'] !== '', `${at}: UDP present`);
  if (has(r, F_UDP)) {
    assert.is(Number(r.udpSport), num(t['udp.srcport']), `${at}: udp.srcport`);
    assert.is(Number(r.udpDport), num(t['udp.dstport']), `${at}: udp.dstport`);
    assert.is(Number(r.udpLength), num(t['udp.length']), `${at}: udp.length`);
  }
  assert.is(has(r, F_ICMP), t['icmp.type'] !== '', `${at}: ICMP present`);
  assert.is(has(r, F_ICMP6), t['icmpv6.type'] !== '', `${at}: ICMPv6 present`);
  if (has(r, F_ICMP)) {
    assert.is(Number(r.icmpType), num(t['icmp.type']), `${at}: icmp.type`);
    assert.is(Number(r.icmpCode), num(t['icmp.code']), `${at}: icmp.code`);
  }
  if (has(r, F_ICMP6)) {
    assert.is(Number(r.icmpType), num(t['icmpv6.type']), `${at}: icmpv6.type`);
    assert.is(Number(r.icmpCode), num(t['icmpv6.code']), `${at}: icmpv6.code`);
  }
  if (has(r, F_TCP) || has(r, F_UDP)) assert.ok(signed(r.l4Proto) === 6 || signed(r.l4Proto) === 17, `${at}: l4Proto`);
}

test('the SDK and tshark extract the same fields from 67 mixed frames', async () => {
  const frames = mixedFrames();
  const rows = tshark(frames);
  assert.is(rows.length, frames.length, 'tshark read every frame');
  const { results, stats } = await runGuest(GUEST, frames, { log: () => {} });
  assert.is(stats.traps, 0);
  results.forEach((res, i) => compare(i, decodeReport(res.bytes), rows[i]));
  // The mix covers what it claims to.
  const reports = results.map((res) => decodeReport(res.bytes));
  for (const flag of [F_ARP, F_IPV4, F_IPV6, F_TCP, F_UDP, F_ICMP, F_ICMP6]) {
    assert.ok(reports.some((r) => has(r, flag)), `some frame has flag ${flag}`);
  }
  assert.ok(reports.some((r) => Number(r.vlanCount) === 2), 'some frame is QinQ');
});

test.run();
