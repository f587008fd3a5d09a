// The TS classifier (the kernel classifier's twin for offline runs):
// destination prefix (IPv4, IPv6), VLAN, protocol + destination port, first
// match in config order, unmatched frames are nobody's.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { validateConfig } from '../../../pipeline/control/config.js';
import { NO_TENANT, TenantClassifier } from '../../../pipeline/tenants/classifier.js';
import { ROOT } from '../../helpers/cli.js';
import { guest } from '../../helpers/chain.js';
import { eth, ipv4, ipv6, tcp, udp } from '../../helpers/packets.js';

const test = suite('tenant classifier: selectors, first match in config order');

const stage = [{ stage: 's', program: { path: guest('chain-count') } }];
const config = validateConfig({
  ports: [{ name: 'edge', iface: 'wxtest0', chain: stage }, { name: 'other', iface: 'wxtest1', chain: stage }],
  tenants: [
    { name: 'acme', socket: { path: '/tmp/a.sock', uid: 1001 }, chain: stage, match: [{ port: 'edge', dst: '198.51.100.0/24' }, { port: 'edge', vlan: 300 }] },
    { name: 'globex', socket: { path: '/tmp/g.sock', uid: 1002 }, chain: stage, match: [{ port: 'edge', dst: '2001:db8:5::/48', proto: 'udp', dport: 53 }, { port: 'edge', dst: '198.51.0.0/16' }] },
    { name: 'initech', socket: { path: '/tmp/i.sock', uid: 1003 }, chain: stage, match: [{ port: 'other', proto: 'tcp', dport: 80 }] },
  ],
}, ROOT);
const edge = new TenantClassifier(config.tenants, 'edge');
const other = new TenantClassifier(config.tenants, 'other');
const of = (c: TenantClassifier, f: Uint8Array) => c.classify(f, 0, f.length);
const v4 = (dst: string, l4 = udp({ dport: 53 }), vlan?: number[]) => eth({ vlan }, ipv4({ dst }, l4));

test('IPv4 prefixes, first match wins over a later, wider prefix', () => {
  assert.is(of(edge, v4('198.51.100.200')), 1);
  assert.is(of(edge, v4('198.51.7.1')), 2, 'only globex\'s /16 matches');
  assert.is(of(edge, v4('192.0.2.1')), NO_TENANT);
});

test('VLAN: the outermost tag; untagged frames do not match a VLAN selector', () => {
  assert.is(of(edge, v4('192.0.2.1', udp({ dport: 53 }), [300])), 1);
  assert.is(of(edge, v4('192.0.2.1', udp({ dport: 53 }), [301])), NO_TENANT);
  assert.is(of(edge, v4('192.0.2.1', udp({ dport: 53 }), [300, 5])), 1, 'QinQ: the outer tag');
});

test('IPv6 prefix with protocol and destination port', () => {
  const f = (dport: number, l4 = udp({ dport })) => eth({}, ipv6({ dst: '2001:db8:5:1::53' }, l4));
  assert.is(of(edge, f(53)), 2);
  assert.is(of(edge, f(54)), NO_TENANT, 'wrong port');
  assert.is(of(edge, f(0, tcp({ dport: 53 }))), NO_TENANT, 'wrong protocol');
  assert.is(of(edge, eth({}, ipv6({ dst: '2001:db8:6::1' }, udp({ dport: 53 })))), NO_TENANT, 'outside the /48');
  const ext = eth({}, ipv6({ dst: '2001:db8:5::1', ext: [{ type: 'hop' }, { type: 'dest' }] }, udp({ dport: 53 })));
  assert.is(of(edge, ext), 2, 'protocol and port after extension headers, as the XDP program reads them');
});

test('selectors apply to their port only; truncated and non-IP frames are nobody\'s', () => {
  assert.is(of(other, v4('198.51.100.1')), NO_TENANT);
  assert.is(of(other, v4('192.0.2.1', tcp({ dport: 80 }))), 3);
  const f = v4('198.51.100.1');
  assert.is(edge.classify(f, 0, 20), NO_TENANT, 'cut inside the IP header');
  assert.is(of(edge, eth({ type: 0x88b5 }, new Uint8Array(46))), NO_TENANT);
});

test('a later fragment carries no port: a port selector does not match it', () => {
  const frag = eth({}, ipv4({ dst: '2.2.2.2', fragOffset: 100 }, udp({ dport: 80 })));
  const c = new TenantClassifier(validateConfig({ ports: [{ name: 'edge', iface: 'x0', chain: stage }], tenants: [{ name: 't', socket: { path: '/tmp/t.sock', uid: 1 }, chain: stage, match: [{ port: 'edge', proto: 'udp', dport: 80 }] }] }, ROOT).tenants, 'edge');
  assert.is(of(c, frag), NO_TENANT);
});

test.run();
