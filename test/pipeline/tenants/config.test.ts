// tenants[] and ports[].chain in pipeline.json: the shape is
// accepted, every mistake names its key path, quotas bound the chain, and a
// program over a tenant's module-size or map-bytes quota is refused at load
// naming the quota.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { validateConfig } from '../../../pipeline/control/config.js';
import { loadChain } from '../../../pipeline/control/load-chain.js';
import { ROOT } from '../../helpers/cli.js';
import { ACME_NET, chainConfig, example, guest } from '../../helpers/chain.js';

const test = suite('tenants config and quotas');

const stage = (name = 's', program: Record<string, unknown> = {}) => ({ stage: name, program: { path: guest('chain-count'), ...program } });
const base = (tenant: Record<string, unknown> = {}, port: Record<string, unknown> = {}) => ({
  ports: [{ name: 'edge', iface: 'eth1', queue: 'all', chain: [stage('fw')], ...port }],
  tenants: [{ name: 'acme', socket: { path: '/run/wasmxdp/acme.sock', uid: 1001, mode: '0600' }, match: [{ port: 'edge', dst: '198.51.100.0/24' }, { port: 'edge', vlan: 300 }], quota: { pps: 200000, fuelPerPacket: 50000, heapPages: 32, mapBytes: 4194304, stages: 4 }, chain: [stage('filter', { failVerdict: 'pass' })], ...tenant }],
});

function refused(raw: unknown, pattern: RegExp): void {
  try { validateConfig(raw, ROOT); } catch (e) {
    assert.is((e as { code?: string }).code, 'E_CONFIG');
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable(`accepted ${JSON.stringify(raw)}`);
}

test('the issue\'s shape: tenants get ids in order, quotas fill in stage defaults', () => {
  const c = validateConfig(base(), ROOT);
  const t = c.tenants[0];
  assert.is(t.id, 1);
  assert.is(t.socket.mode, 0o600);
  assert.is(t.quota.pps, 200000);
  assert.is(t.chain[0].program.fuelPerPacket, 50000, 'a stage without fuelPerPacket gets the quota\'s');
  assert.is(t.chain[0].program.heapPages, 32);
  assert.is(t.chain[0].program.failVerdict, 'pass');
  assert.equal(t.chain[0].chainActions, ['pass']);
  assert.equal(c.ports[0].chain.map((s) => s.stage), ['fw']);
  assert.is(c.ports[0].program, c.ports[0].chain[0].program);
});

test('mistakes name the key path', () => {
  refused(base({ match: [{ port: 'nope', dst: '10.0.0.0/8' }] }), /tenants\[0\]\.match\[0\]\.port: must name a port/);
  refused(base({ match: [{ port: 'edge', dst: '10.0.0.1/8' }] }), /tenants\[0\]\.match\[0\]\.dst: 10\.0\.0\.1\/8 has host bits set/);
  refused(base({ match: [{ port: 'edge', dst: '2001:db8::/129' }] }), /match\[0\]\.dst: prefix length must be 0 to 128/);
  refused(base({ match: [{ port: 'edge', dport: 53 }] }), /match\[0\]\.dport: needs proto "tcp" or "udp"/);
  refused(base({ match: [{ port: 'edge' }] }), /match\[0\]: needs at least one of dst, vlan, proto/);
  refused(base({ match: [{ port: 'edge', vlan: 4095 }] }), /match\[0\]\.vlan: must be a VLAN id/);
  refused(base({ name: 'operator' }), /tenants\[0\]\.name: 'operator' is reserved/);
  refused(base({ socket: { path: 'rel.sock', uid: 1 } }), /tenants\[0\]\.socket\.path: must be an absolute path/);
  refused(base({ socket: { path: '/run/a.sock' } }), /tenants\[0\]\.socket\.uid: is required/);
  refused(base({ socket: { path: '/run/a.sock', uid: 1, mode: '0666' } }), /socket\.mode: 0666 lets every user/);
  refused(base({ chain: [stage('a'), stage('a')] }), /tenants\[0\]\.chain\[1\]\.stage: 'a' is used by an earlier stage/);
  refused(base({ chain: [{ stage: 'a', program: { path: guest('chain-count') }, chainActions: ['bounce'] }] }), /chain\[0\]\.chainActions: must be an array of verdicts/);
  refused(base({}, { program: { path: guest('chain-count') } }), /ports\[0\]\.chain: give program \(one stage\) or chain, not both/);
  refused(base({ quota: { heapPages: 0 } }), /tenants\[0\]\.quota\.heapPages: must be an integer/);
  const two = base({ queues: [1] }) as { tenants: Record<string, unknown>[] };
  two.tenants.push({ ...two.tenants[0], name: 'globex', socket: { path: '/run/g.sock', uid: 2 } });
  refused(two, /tenants\[1\]\.queues: queue 1 of port edge is already dedicated to tenant acme/);
});

test('quotas bound the configured chain, naming the quota', () => {
  refused(base({ quota: { stages: 1 }, chain: [stage('a'), stage('b')] }), /tenants\[0\]\.chain: 2 stages are over the tenant's quota stages 1/);
  refused(base({ quota: { heapPages: 8 }, chain: [stage('a', { heapPages: 16 })] }), /chain\[0\]\.program\.heapPages: 16 is over the tenant's quota heapPages 8/);
  refused(base({ quota: { fuelPerPacket: 1000 }, chain: [stage('a', { fuelPerPacket: 5000 })] }), /chain\[0\]\.program\.fuelPerPacket: 5000 is over the tenant's quota fuelPerPacket 1000/);
  refused(base({ chain: [stage('a', { metering: false })] }), /chain\[0\]\.program\.metering: a tenant stage is always metered/);
});

async function loadRefused(quota: Record<string, unknown>, program: string, pattern: RegExp): Promise<void> {
  const cfg = validateConfig(chainConfig([stage('fw')], [{ name: 'acme', dst: ACME_NET, quota, chain: [{ stage: 's', program: { path: program } }] }]), ROOT);
  try { await loadChain(cfg, 'edge', { log: () => {} }); } catch (e) {
    assert.is((e as { code?: string }).code, 'E_QUOTA');
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable('loaded a program over its quota');
}

test('a program over moduleBytes or mapBytes is refused at load, naming the quota', async () => {
  await loadRefused({ moduleBytes: 1024 }, example('udp-reflector'), /tenant acme: the module of \d+ bytes is over the quota moduleBytes \(\d+ > 1024\)/);
  await loadRefused({ mapBytes: 16 }, guest('chain-count'), /tenant acme: its maps \(seen: \d+ bytes\) is over the quota mapBytes/);
});

test.run();
