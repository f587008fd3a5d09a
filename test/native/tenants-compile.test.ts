// Tenant selector and quota validation and compilation (no kernel needed): the
// errors name the bad field, and the LPM candidate lists carry every rule
// whose prefix contains the entry, in config order.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  compileQuotas, compileSelectors, parsePrefix, TenantConfigError, type TenantLimits, type TenantSelector,
} from '../../native/tenants.js';

// A small program's limits, so the limit errors are reachable with short lists.
const LIMITS: TenantLimits = {
  maxTenants: 256, maxRules: 8, maxCandidates: 3, maxPrefixes: 4,
  flagVlan: 1, flagInnerVlan: 2, flagProto: 4, flagDport: 8, statFields: 4,
};

function refused(fn: () => unknown, field: string, text?: RegExp): void {
  try { fn(); } catch (e) {
    assert.instance(e, TenantConfigError);
    const te = e as TenantConfigError;
    assert.is(te.code, 'E_CONFIG');
    assert.is(te.field, field, te.message);
    assert.ok(te.message.startsWith(`${field}: `), te.message);
    if (text) assert.match(te.message, text);
    return;
  }
  assert.unreachable(`expected an error naming ${field}`);
}

test('prefixes: IPv4 and IPv6 (compressed, embedded IPv4), bare addresses are host routes', () => {
  assert.equal(parsePrefix('198.51.100.0/24', 'f'), { family: 4, addr: Uint8Array.of(198, 51, 100, 0), prefixlen: 24 });
  assert.equal(parsePrefix('192.0.2.1', 'f').prefixlen, 32);
  assert.equal(parsePrefix('0.0.0.0/0', 'f').prefixlen, 0);
  const v6 = parsePrefix('2001:db8:5::/48', 'f');
  assert.is(v6.family, 6);
  assert.equal(Array.from(v6.addr), [0x20, 0x01, 0x0d, 0xb8, 0, 5, ...Array(10).fill(0)]);
  assert.equal(Array.from(parsePrefix('::ffff:192.0.2.1', 'f').addr), [...Array(10).fill(0), 0xff, 0xff, 192, 0, 2, 1]);
  assert.equal(Array.from(parsePrefix('fe80::1:2/128', 'f').addr), [0xfe, 0x80, ...Array(10).fill(0), 0, 1, 0, 2]);
  assert.is(parsePrefix('::/0', 'f').prefixlen, 0);
});

test('prefixes: bad ones are refused naming the field', () => {
  refused(() => parsePrefix('198.51.100.0/33', 'rules[0].dst'), 'rules[0].dst', /0-32/);
  refused(() => parsePrefix('2001:db8::/129', 'x'), 'x', /0-128/);
  refused(() => parsePrefix('198.51.100.1/24', 'x'), 'x', /host bits.*198\.51\.100\.0\/24/);
  refused(() => parsePrefix('2001:db8::1/32', 'x'), 'x', /host bits/);
  refused(() => parsePrefix('300.1.1.1/8', 'x'), 'x', /not an IPv4 or IPv6/);
  refused(() => parsePrefix('example.com', 'x'), 'x');
  refused(() => parsePrefix('10.0.0.0/', 'x'), 'x');
  refused(() => parsePrefix('10.0.0.0/8/8', 'x'), 'x');
  refused(() => parsePrefix(42, 'x'), 'x');
});

test('selectors: fields compile to flags and values; proto names and numbers; dport as port or range', () => {
  const c = compileSelectors([
    { tenant: 1, dst: '2001:db8:5::/48', proto: 'udp', dport: 53 },
    { tenant: 2, vlan: 300, innerVlan: 20 },
    { tenant: 3, proto: 'TCP' as 'tcp', dport: [8000, 8080] },
    { tenant: 4, proto: 47 },
  ], LIMITS);
  assert.equal(c.rules, [
    { tenant: 1, flags: 4 | 8, vlan: 0, innerVlan: 0, proto: 17, dportLo: 53, dportHi: 53 },
    { tenant: 2, flags: 1 | 2, vlan: 300, innerVlan: 20, proto: 0, dportLo: 0, dportHi: 0 },
    { tenant: 3, flags: 4 | 8, vlan: 0, innerVlan: 0, proto: 6, dportLo: 8000, dportHi: 8080 },
    { tenant: 4, flags: 4, vlan: 0, innerVlan: 0, proto: 47, dportLo: 0, dportHi: 0 },
  ]);
  assert.equal(c.vlans, [{ vid: 300, cands: [1] }]);
  assert.equal(c.any, [2, 3]);
  assert.is(c.prefixes.length, 1);
  assert.equal(c.prefixes[0].cands, [0]);
});

test('selectors: each prefix entry lists every rule whose prefix contains it, ascending (first match wins in the kernel)', () => {
  const c = compileSelectors([
    { tenant: 1, dst: '10.1.0.0/16' },
    { tenant: 2, dst: '10.0.0.0/8' },
    { tenant: 3, dst: '10.1.2.0/24' },
    { tenant: 4, dst: '10.1.2.0/24', proto: 'tcp' },  // same prefix: one entry
    { tenant: 5, dst: '2001:db8::/32' },
  ], { ...LIMITS, maxCandidates: 4 });
  const byText = new Map(c.prefixes.map((p) => [`${p.family}:${Array.from(p.addr).join('.')}/${p.prefixlen}`, p.cands]));
  assert.equal(byText.get('4:10.1.0.0/16'), [0, 1]);
  assert.equal(byText.get('4:10.0.0.0/8'), [1]);
  assert.equal(byText.get('4:10.1.2.0/24'), [0, 1, 2, 3]);
  assert.equal(byText.get('6:32.1.13.184.0.0.0.0.0.0.0.0.0.0.0.0/32'), [4]);
  assert.is(c.prefixes.length, 4);
  assert.equal(c.any, []);
});

test('selectors: limits of the program are enforced with a message naming them', () => {
  refused(() => compileSelectors(Array.from({ length: 9 }, () => ({ tenant: 1, dst: '10.0.0.0/8' })), LIMITS), 'rules', /at most 8/);
  refused(() => compileSelectors([{ tenant: 1 }, { tenant: 2 }, { tenant: 3 }, { tenant: 4 }], LIMITS), 'rules', /without "dst" or "vlan".*at most 3/);
  refused(() => compileSelectors([1, 2, 3, 4].map((tenant) => ({ tenant, vlan: 9, proto: tenant })), LIMITS), 'rules', /for VLAN 9.*at most 3 per VLAN id/);
  // One VLAN id per tenant scales past the list limit: each id has its own list.
  const many = compileSelectors(Array.from({ length: 8 }, (_, i) => ({ tenant: i + 1, vlan: 100 + i })), LIMITS);
  assert.is(many.vlans.length, 8);
  assert.equal(many.any, []);
  refused(() => compileSelectors(['10.0.0.0/8', '10.1.0.0/16', '10.1.2.0/24', '10.1.2.3/32'].map((dst) => ({ tenant: 1, dst })), LIMITS), 'rules', /cover 10\.1\.2\.3\/32; at most 3/);
  refused(() => compileSelectors(['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24', '10.0.3.0/24', '10.0.4.0/24'].map((dst) => ({ tenant: 1, dst })), LIMITS), 'rules', /IPv4 prefixes; at most 4/);
});

test('selectors: bad fields are refused naming rules[i].field', () => {
  const cases: [unknown, string, RegExp?][] = [
    [{ tenant: 256 }, 'rules[0].tenant', /0-255/],
    [{ tenant: -1 }, 'rules[0].tenant'],
    [{ tenant: 1.5 }, 'rules[0].tenant'],
    [{}, 'rules[0].tenant'],
    [{ tenant: 1, vlan: 0 }, 'rules[0].vlan', /1-4094/],
    [{ tenant: 1, vlan: 4095 }, 'rules[0].vlan'],
    [{ tenant: 1, innerVlan: '300' }, 'rules[0].innerVlan'],
    [{ tenant: 1, proto: 'gre' }, 'rules[0].proto', /udp, tcp, icmp/],
    [{ tenant: 1, proto: 256 }, 'rules[0].proto'],
    [{ tenant: 1, dport: 65536 }, 'rules[0].dport', /0-65535/],
    [{ tenant: 1, dport: [10, 5] }, 'rules[0].dport'],
    [{ tenant: 1, dport: [1, 2, 3] }, 'rules[0].dport'],
    [{ tenant: 1, proto: 'icmp', dport: 1 }, 'rules[0].dport', /no ports/],
    [{ tenant: 1, dst: '10.0.0.1/8' }, 'rules[0].dst', /host bits/],
    [{ tenant: 1, port: 'edge' }, 'rules[0].port', /unknown selector field/],
    [null, 'rules[0]'],
  ];
  for (const [rule, field, text] of cases) refused(() => compileSelectors([rule as TenantSelector], LIMITS), field, text);
  refused(() => compileSelectors([{ tenant: 1 }, { tenant: 2, vlan: 5000 }], LIMITS), 'rules[1].vlan');
  refused(() => compileSelectors('nope' as unknown as TenantSelector[], LIMITS), 'rules');
});

test('quotas: GCRA parameters by tenant id; burst defaults to 100 ms worth; bad input names the field', () => {
  const q = compileQuotas([{ tenant: 1, pps: 1000, burst: 50 }, { tenant: 0, pps: 200000 }, { tenant: 7, pps: 3 }], LIMITS);
  assert.is(q.intervalNs[1], 1e6);
  assert.is(q.tauNs[1], 50e6);
  assert.is(q.intervalNs[0], 5000);
  assert.is(q.tauNs[0], 5000 * 20000);
  assert.is(q.intervalNs[7], 333333333);
  assert.is(q.tauNs[7], 333333333);  // burst ceil(0.3) = 1
  assert.is(q.intervalNs[2], 0, 'unlisted: unlimited');
  refused(() => compileQuotas([{ tenant: 1, pps: 0 }], LIMITS), 'quotas[0].pps');
  refused(() => compileQuotas([{ tenant: 1, pps: 1.5 }], LIMITS), 'quotas[0].pps');
  refused(() => compileQuotas([{ tenant: 1, pps: 10, burst: 0 }], LIMITS), 'quotas[0].burst');
  refused(() => compileQuotas([{ tenant: 300, pps: 10 }], LIMITS), 'quotas[0].tenant');
  refused(() => compileQuotas([{ tenant: 1, pps: 10 }, { tenant: 1, pps: 20 }], LIMITS), 'quotas[1].tenant', /already/);
});

test.run();
