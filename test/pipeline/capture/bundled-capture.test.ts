// The bundled capture is generated, committed, and relied on by handler tests
// and examples: it must be exactly what the generator writes, hold what its
// README says, and look to Wireshark like what each frame claims to be.

import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openCapture } from '../../../pipeline/capture/index.js';
import { countByKind, KIND_DESCRIPTIONS, writeMix } from '../../helpers/gen-capture.js';
import { mixPcap, mixPcapng, removeDir, repoRoot, scratchDir, tsharkFields } from './tools.js';
import { needing } from '../../helpers/tools.js';

const test = suite('bundled-capture');
const withTshark = needing(test, 'tshark');
let dir = '';
test.before(() => { dir = scratchDir('bundled'); });
test.after(() => removeDir(dir));

const kindOf = (comment: string | undefined): string => (comment ?? '').replace(/^kind=/, '');

test('the committed files are exactly what the generator writes (else: npm run gen:capture)', () => {
  writeMix(dir);
  for (const f of ['mix.pcapng', 'mix.pcap', 'README.md']) {
    const committed = fs.readFileSync(path.join(repoRoot, 'examples/captures', f));
    assert.ok(committed.equals(fs.readFileSync(path.join(dir, f))), `examples/captures/${f} is stale: run npm run gen:capture and commit it`);
  }
});

test('a few thousand frames; the README table matches the per-kind counts in the file', () => {
  const packets = Array.from(openCapture(mixPcapng));
  assert.ok(packets.length >= 2000 && packets.length <= 10000, `${packets.length} frames`);
  const counts = new Map<string, number>();
  for (const p of packets) counts.set(kindOf(p.comment), (counts.get(kindOf(p.comment)) ?? 0) + 1);
  const readme = fs.readFileSync(path.join(repoRoot, 'examples/captures/README.md'), 'utf8');
  for (const kind of Object.keys(KIND_DESCRIPTIONS)) {
    const n = counts.get(kind) ?? 0;
    assert.ok(n > 0, `no ${kind} frames`);
    assert.ok(readme.includes(`| \`${kind}\` | ${n} |`), `README row for ${kind} should say ${n}`);
  }
  assert.equal([...counts.keys()].sort(), Object.keys(KIND_DESCRIPTIONS).sort());
  assert.ok(readme.includes(`| **total** | **${packets.length}** |`));
  assert.equal([...countByKind([])].length, Object.keys(KIND_DESCRIPTIONS).length);
  // The classic copy has the same frames in the same order.
  assert.is(Array.from(openCapture(mixPcap)).length, packets.length);
});

withTshark('tshark: well-formed kinds raise no error (checksums checked), every bad- frame raises a warning or worse', () => {
  const rows = tsharkFields(mixPcapng, ['frame.comment', '_ws.expert.severity', '_ws.expert.message'],
    ['-E', 'occurrence=a', '-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE']);
  const WARN = 0x600000, ERROR = 0x800000;
  for (const [comment, severities, messages] of rows) {
    const kind = kindOf(comment);
    const worst = Math.max(0, ...(severities ? severities.split(',').map(Number) : []));
    if (kind.startsWith('bad-')) assert.ok(worst >= WARN, `${kind} frame not flagged by tshark`);
    else assert.ok(worst < ERROR, `${kind} frame: tshark says ${messages}`);
  }
});

withTshark('tshark finds the traffic the README promises', () => {
  const rows = tsharkFields(mixPcapng, ['frame.protocols', 'dns.qry.name', 'dns.qry.type', 'udp.dstport', 'tcp.dstport', 'tcp.flags.str', 'frame.cap_len', 'ip.flags.mf', 'ip.frag_offset']);
  const has = (pred: (r: string[]) => boolean, what: string, min = 1): void => {
    const n = rows.filter(pred).length;
    assert.ok(n >= min, `expected at least ${min} frames with ${what}, found ${n}`);
  };
  for (const name of ['ads.example.com', 'tracker.example.net', 'www.example.org']) has((r) => r[1] === name, `DNS query for ${name}`);
  has((r) => r[2] === '255', 'DNS QTYPE ANY', 5);
  has((r) => r[3] === '7' && r[0].startsWith('eth:ethertype:ip:'), 'UDP echo over IPv4');
  has((r) => r[3] === '7' && r[0].startsWith('eth:ethertype:ipv6:'), 'UDP echo over IPv6');
  has((r) => r[3] === '7' && r[0].startsWith('eth:ethertype:vlan:'), 'UDP echo under a VLAN tag');
  has((r) => r[0].includes(':ntp'), 'NTP', 10);
  for (const port of ['22', '23', '80', '443']) has((r) => r[4] === port, `TCP to port ${port}`, 20);
  has((r) => r[5].includes('S') && !r[5].includes('A'), 'SYN');
  has((r) => r[5].includes('F'), 'FIN');
  has((r) => r[5].includes('R'), 'RST');
  has((r) => r[0].includes(':icmp:'), 'ICMP echo');
  has((r) => r[0].includes(':icmpv6'), 'ICMPv6 echo');
  has((r) => r[0].startsWith('eth:ethertype:arp'), 'ARP');
  has((r) => r[0].startsWith('eth:ethertype:ieee8021ad:ethertype:vlan'), 'QinQ');
  for (const ext of ['ipv6.hopopts', 'ipv6.dstopts', 'ipv6.routing', 'ipv6.fraghdr']) has((r) => r[0].includes(ext), ext);
  has((r) => r[7] === '1' || (r[8] !== '' && r[8] !== '0'), 'IPv4 fragments', 20);
  has((r) => Number(r[6]) < 14, 'runt frames');
});

test.run();
