// examples/dns-guard: UDP/53 queries for blocklisted names (and names below
// them) or of QTYPE ANY are dropped, malformed queries too (compression loops,
// overruns, bad label types); everything else passes. The bundled capture is
// checked against tshark's reading of its DNS questions.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { needing } from '../helpers/tools.js';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Action } from '../../host/abi.js';
import { PROJECT_ROOT } from '../../host/compile.js';
import { openCapture } from '../../pipeline/capture/index.js';
import { assertAllocationFree, bundledFrames, BUNDLED_CAPTURE } from '../helpers/allocation.js';
import {
  concat, dnsLabels, dnsName, dnsPointer, dnsQuery, eth, ipv4, ipv6, tcp, udp, DnsQueryOptions, DNS_TYPE_AAAA, DNS_TYPE_ANY,
  runHandler,
} from '../../pipeline/testing/index.js';

const HANDLER = path.join(PROJECT_ROOT, 'examples/dns-guard/handler.ts');
const test = suite('examples/dns-guard');
const withTshark = needing(test, 'tshark');
const { DROP, PASS } = { DROP: Action.DROP, PASS: Action.PASS };
const BLOCKLIST = ['ads.example.com', 'example.net', 'doubleclick.test', 'malware.invalid'];
const C_BLOCKED = 0, C_ANY = 1, C_MALFORMED = 2, C_FRAGMENTED = 3, C_PASSED = 4;

const q4 = (dns: Uint8Array) => eth({}, ipv4({ src: '10.0.0.1', dst: '10.0.0.53' }, udp({ sport: 33333, dport: 53 }, dns)));
const q6 = (dns: Uint8Array) => eth({ vlan: [10] }, ipv6({ ext: [{ type: 'hop' }] }, udp({ sport: 33333, dport: 53 }, dns)));
const query = (o: DnsQueryOptions) => q4(dnsQuery(o));

async function verdicts(frames: Uint8Array[]) {
  const { results, sandbox, stats } = await runHandler(HANDLER, frames, { log: () => {} });
  assert.is(stats.traps, 0, `trapped: ${stats.lastTrap}`);
  results.forEach((r, i) => assert.equal(r.frame, frames[i], `frame ${i} unchanged`));
  return { actions: results.map((r) => r.action), counter: (i: number) => sandbox.counter(i) };
}

test('listed names and names below them are dropped, on whole labels, any case', async () => {
  const names: [string, number][] = [
    ['ads.example.com', DROP], ['ADS.Example.COM', DROP], ['x.y.ads.example.com', DROP], ['ads.example.com.', DROP],
    ['example.com', PASS], ['mail.example.com', PASS], ['notads.example.com', PASS], ['ads.example.com.evil', PASS],
    ['example.net', DROP], ['tracker.example.net', DROP], ['badexample.net', PASS], ['net', PASS],
    ['www.example.org', PASS], ['MALWARE.invalid', DROP], ['doubleclick.test', DROP],
  ];
  const { actions, counter } = await verdicts(names.map(([qname]) => query({ qname })));
  names.forEach(([n, want], i) => assert.is(actions[i], want, n));
  assert.is(counter(C_BLOCKED), names.filter(([, v]) => v === DROP).length);
  assert.is(counter(C_PASSED), names.filter(([, v]) => v === PASS).length);
});

test('QTYPE ANY is dropped for any name, over IPv4 and IPv6 (tagged, with extension headers)', async () => {
  const { actions, counter } = await verdicts([
    query({ qname: 'www.example.org', qtype: DNS_TYPE_ANY }), q6(dnsQuery({ qname: 'www.example.org', qtype: DNS_TYPE_ANY })),
    q6(dnsQuery({ qname: 'www.example.org', qtype: DNS_TYPE_AAAA })), q6(dnsQuery({ qname: 'tracker.example.net' })),
  ]);
  assert.equal(actions, [DROP, DROP, PASS, DROP]);
  assert.is(counter(C_ANY), 2);
});

test('compression pointers to earlier names are followed', async () => {
  // "mail.example.com" at offset 12; "example.com" starts at 17.
  const first = { qname: 'mail.example.com' };
  const { actions } = await verdicts([
    query({ ...first, questions: [{ nameRaw: concat(dnsLabels('ads'), dnsPointer(17)) }] }),
    query({ ...first, questions: [{ nameRaw: concat(dnsLabels('www'), dnsPointer(17)) }] }),
    query({ ...first, questions: [{ nameRaw: dnsPointer(12) }, { nameRaw: concat(dnsLabels('x'), dnsPointer(34)) }] }),
  ]);
  assert.equal(actions, [DROP, PASS, PASS]);
});

// Pointer chains: a first question whose one label holds pointer pairs, each
// pointing at the pair before it (the first at the question's name), and a
// second question that points at the last pair. `pairs + 1` pointers in all.
function pointerChain(pairs: number): Uint8Array {
  const label = new Uint8Array(1 + 2 * pairs);
  label[0] = 2 * pairs;
  for (let i = 0; i < pairs; i++) label.set(dnsPointer(i === 0 ? 12 : 13 + 2 * (i - 1)), 1 + 2 * i);
  return dnsQuery({ nameRaw: concat(label, Uint8Array.of(0)), questions: [{ nameRaw: dnsPointer(13 + 2 * (pairs - 1)) }] });
}

test('malformed names are dropped: loops, forward and outside pointers, overruns, bad label types, length', async () => {
  const long = Array.from({ length: 4 }, () => 'a'.repeat(63)).join('.'); // 4*64 + 1 = 257 bytes on the wire
  const ok253 = [63, 63, 63, 61].map((n) => 'b'.repeat(n)).join('.'); // 255 bytes on the wire: the limit
  const cases: [string, Uint8Array, number][] = [
    ['self pointer', dnsQuery({ nameRaw: dnsPointer(12) }), DROP],
    ['pointer to the pointer itself in a later question', dnsQuery({ qname: 'a.b', questions: [{ nameRaw: dnsPointer(21) }] }), DROP],
    ['two-name loop', dnsQuery({ nameRaw: concat(dnsLabels('a'), dnsPointer(20)), questions: [{ nameRaw: concat(dnsLabels('b'), dnsPointer(12)) }] }), DROP],
    ['forward pointer', dnsQuery({ nameRaw: dnsPointer(40), extra: concat(new Uint8Array(20), dnsName('example.org')) }), DROP],
    ['pointer past the message', dnsQuery({ nameRaw: dnsPointer(0x3fff) }), DROP],
    ['pointer into the header', dnsQuery({ qname: 'x.org', questions: [{ nameRaw: dnsPointer(4) }] }), DROP],
    ['pointer cut in half', concat(dnsQuery({ qname: 'x' }).subarray(0, 12), Uint8Array.of(0xc0)), DROP],
    ['label overruns the message', concat(dnsQuery({ qname: 'x' }).subarray(0, 12), Uint8Array.of(50, 0x61, 0x62)), DROP],
    ['no root label', concat(dnsQuery({ qname: 'x' }).subarray(0, 12), dnsLabels('example.com')), DROP],
    ['QTYPE cut off', dnsQuery({ qname: 'example.org' }).subarray(0, 12 + 13 + 1), DROP],
    ['extended label type 0x40', dnsQuery({ nameRaw: Uint8Array.of(0x41, 0, 0) }), DROP],
    ['reserved label type 0x80', dnsQuery({ nameRaw: Uint8Array.of(0x81, 0x61, 0) }), DROP],
    ['name over 255 bytes', dnsQuery({ qname: long }), DROP],
    ['name of exactly 255 bytes', dnsQuery({ qname: ok253 }), PASS],
    ['header only, 11 bytes', dnsQuery({ qname: 'x' }).subarray(0, 11), DROP],
    ['no question', dnsQuery({ qname: 'x', qdcount: 0 }), DROP],
    ['five questions', dnsQuery({ qname: 'x', qdcount: 5 }), DROP],
    ['more questions announced than present', dnsQuery({ qname: 'x', qdcount: 2 }), DROP],
    ['16 pointers in a chain', pointerChain(15), PASS],
    ['17 pointers in a chain', pointerChain(16), DROP],
  ];
  const { actions, counter } = await verdicts(cases.map(([, dns]) => q4(dns)));
  cases.forEach(([name, , want], i) => assert.is(actions[i], want, name));
  assert.is(counter(C_MALFORMED), cases.filter(([, , v]) => v === DROP).length);
});

test('not a query, not UDP/53, or a fragment: passes (fragments of queries: dropped)', async () => {
  const resp = dnsQuery({ qname: 'ads.example.com', flags: 0x8180 });
  const notify = dnsQuery({ qname: 'ads.example.com', flags: 0x2000 });
  const { actions, counter } = await verdicts([
    q4(resp), q4(notify),
    eth({}, ipv4({}, udp({ sport: 53, dport: 40000 }, dnsQuery({ qname: 'ads.example.com' })))),
    eth({}, ipv4({}, tcp({ dport: 53 }, dnsQuery({ qname: 'ads.example.com' })))),
    eth({}, ipv4({}, udp({ dport: 5353 }, dnsQuery({ qname: 'ads.example.com' })))),
    eth({}, ipv4({ mf: true }, udp({ dport: 53, length: 3000 }, dnsQuery({ qname: 'www.example.org' })))),
    eth({}, ipv4({}, udp({ dport: 53, length: 7 }, 'x'))),
  ]);
  assert.equal(actions, [PASS, PASS, PASS, PASS, PASS, DROP, PASS]);
  assert.is(counter(C_FRAGMENTED), 1);
});

function tsharkDns(): Map<number, { names: string[]; types: number[]; response: boolean }> {
  const res = spawnSync('tshark', ['-n', '-r', BUNDLED_CAPTURE, '-o', 'ip.defragment:FALSE', '-Y', 'dns && udp.dstport == 53', '-T', 'fields',
    '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=|', '-e', 'frame.number', '-e', 'dns.qry.name', '-e', 'dns.qry.type', '-e', 'dns.flags.response'], { encoding: 'utf8', timeout: 60_000 });
  if (res.error || res.status !== 0) throw new Error(`tshark failed (install the Debian package "tshark"): ${res.error?.message ?? res.stderr}`);
  const out = new Map();
  for (const line of res.stdout.trimEnd().split('\n')) {
    const [n, names, types, resp] = line.split('\t');
    out.set(Number(n), { names: names.split('|'), types: types.split('|').map(Number), response: resp === '1' || resp === 'True' });
  }
  return out;
}

const blocked = (name: string) => BLOCKLIST.some((b) => name.toLowerCase() === b || name.toLowerCase().endsWith('.' + b));

withTshark('the bundled capture agrees with tshark\'s reading of every DNS question', async () => {
  const packets = [...openCapture(BUNDLED_CAPTURE)];
  const dns = tsharkDns();
  assert.ok(dns.size > 200, `tshark found ${dns.size} DNS queries`);
  const { results, stats } = await runHandler(HANDLER, packets.map((p) => p.data), { log: () => {} });
  assert.is(stats.traps, 0);
  let dropped = 0;
  results.forEach((r, i) => {
    const kind = (packets[i].comment ?? '').replace(/^kind=/, '');
    if (kind.startsWith('bad-')) { assert.ok(r.action === PASS || r.action === DROP, `frame ${i + 1}`); return; }
    const q = dns.get(i + 1);
    const expected = q && !q.response && q.types.some((t, j) => t === 255 || blocked(q.names[j])) ? DROP : PASS;
    assert.is(r.action, expected, `frame ${i + 1} (${kind}) ${q ? q.names.join(',') : ''}`);
    if (expected === DROP) dropped++;
  });
  assert.ok(dropped > 50, `dropped ${dropped}`);
});

test('a million packets: no trap, no allocation', async () => {
  const ns = await assertAllocationFree(HANDLER, bundledFrames());
  console.log(`  dns-guard: ${ns.toFixed(0)} ns/packet over the bundled capture mix`);
});

test.run();
