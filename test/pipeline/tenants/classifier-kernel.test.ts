// The TS classifier is the XDP program's twin: the same config's selectors,
// installed in the kernel (kernelSelectors, as the chain worker does), give
// every frame of a varied set the same tenant in the kernel (id delivered
// with the AF_XDP descriptor) as TenantClassifier gives the received bytes.
import * as assert from 'uvu/assert';
import { kernelSelectors } from '../../../pipeline/live/chain-worker.js';
import { validateConfig } from '../../../pipeline/control/config.js';
import { TenantClassifier } from '../../../pipeline/tenants/classifier.js';
import { ROOT } from '../../helpers/cli.js';
import { guest } from '../../helpers/chain.js';
import { liveSuite } from '../../helpers/live.js';
import { withTenantRig } from '../../helpers/tenant-rig.js';
import { eth, ipv4, ipv6, tcp, udp, icmpEcho } from '../../helpers/packets.js';
import { pump, sendFrames } from '../../helpers/traffic.js';

const test = await liveSuite('tenant classifier: the TS twin agrees with the XDP program');

const stage = [{ stage: 's', program: { path: guest('chain-count') } }];
const config = validateConfig({
  ports: [{ name: 'edge', iface: 'wxtest0', chain: stage }],
  tenants: [
    { name: 'a', socket: { path: '/tmp/a.sock', uid: 1 }, chain: stage, match: [{ port: 'edge', dst: '198.51.100.0/24' }, { port: 'edge', vlan: 300 }] },
    { name: 'b', socket: { path: '/tmp/b.sock', uid: 2 }, chain: stage, match: [{ port: 'edge', dst: '2001:db8:5::/48', proto: 'udp', dport: 53 }] },
    { name: 'c', socket: { path: '/tmp/c.sock', uid: 3 }, chain: stage, match: [{ port: 'edge', proto: 'tcp', dport: 8080 }, { port: 'edge', dst: '198.51.0.0/16' }] },
    { name: 'd', socket: { path: '/tmp/d.sock', uid: 4 }, chain: stage, match: [{ port: 'edge', proto: 'icmp' }] },
  ],
}, ROOT);

test('every frame gets the same tenant from the kernel and from TenantClassifier', () => withTenantRig('skb', async ({ lab, v, set, batch, tenant, bytes }) => {
    const chain = { port: 'edge', operator: [], tenants: config.tenants.map((t) => ({ config: t, stages: [] })), dedicated: {} };
    set.setTenantSelectors(0, kernelSelectors(chain));
    const e = (o: { vlan?: number[] }, l3: Parameters<typeof eth>[1]) => eth({ src: v.peerMac, dst: v.mac, vlan: o.vlan }, l3);
    const frames = [
      e({}, ipv4({ dst: '198.51.100.9' }, udp({ dport: 1 }, 'x'))),
      e({}, ipv4({ dst: '198.51.7.9' }, udp({ dport: 1 }, 'x'))),
      e({}, ipv4({ dst: '10.1.2.3' }, tcp({ dport: 8080 }))),
      e({}, ipv4({ dst: '10.1.2.3' }, tcp({ dport: 8081 }))),
      e({}, ipv4({ dst: '10.1.2.3', fragOffset: 100 }, tcp({ dport: 8080 }))),
      e({ vlan: [300] }, ipv4({ dst: '10.1.2.3' }, udp({ dport: 1 }, 'x'))),
      e({ vlan: [301] }, ipv4({ dst: '198.51.100.1' }, udp({ dport: 1 }, 'x'))),
      e({ vlan: [300, 5] }, ipv4({ dst: '10.1.2.3' }, udp({ dport: 1 }, 'x'))),
      e({}, ipv4({ dst: '10.9.9.9' }, icmpEcho())),
      e({}, ipv6({ dst: '2001:db8:5::53' }, udp({ dport: 53 }, 'q'))),
      e({}, ipv6({ dst: '2001:db8:5::53', ext: [{ type: 'hop' }, { type: 'dest' }] }, udp({ dport: 53 }, 'q'))),
      e({}, ipv6({ dst: '2001:db8:5::53' }, udp({ dport: 54 }, 'q'))),
      e({}, ipv6({ dst: '2001:db8:6::53' }, udp({ dport: 53 }, 'q'))),
      e({}, ipv6({ dst: '2001:db8:6::53' }, tcp({ dport: 8080 }))),
    ];
    const ts = new TenantClassifier(config.tenants, 'edge');
    const expected = frames.map((f) => ts.classify(f, 0, f.length));
    assert.ok(new Set(expected).size >= 5, `the set covers every tenant and none: ${expected.join(',')}`);
    const got = new Map<string, number>();
    const sent = sendFrames(lab, v.peerNs, v.peer, frames, frames.length);
    await pump(set, batch, {
      until: () => got.size >= frames.length, timeoutMs: 10_000,
      onFrame: (b, i) => { got.set(Buffer.from(bytes.subarray(b.addr[i], b.addr[i] + b.len[i])).toString('hex'), tenant[i]); },
    });
    assert.is(await sent, frames.length);
    frames.forEach((f, i) => {
      const k = got.get(Buffer.from(f).toString('hex'));
      assert.is(k, expected[i], `frame ${i}: kernel tenant ${k}, TS classifier ${expected[i]}`);
    });
}));

test.run();
