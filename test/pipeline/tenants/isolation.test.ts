// Memory isolation between tenants sharing a queue: a hostile tenant stage
// that scans its whole linear memory for the other tenant's payload marker
// finds nothing, while the same scanner finds the marker when it runs where
// the marker legitimately is (the owner's stage, the operator's UMEM stage):
// the scan works, the frames are simply not there.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MapsRegion } from '../../../host/maps/region.js';
import { buildChain, StageSpec } from '../../../pipeline/chain/build-chain.js';
import { ChainPort } from '../../../pipeline/chain/chain-port.js';
import type { ChainStage } from '../../../pipeline/chain/stage.js';
import { loadProgramBytes } from '../../../pipeline/program/load-program.js';
import { TenantClassifier } from '../../../pipeline/tenants/classifier.js';
import { DEFAULT_QUOTA, TenantConfig } from '../../../pipeline/tenants/config.js';
import { parseSelector } from '../../../pipeline/tenants/selector.js';
import { ACME_NET, GLOBEX_NET, guest, marker, udpTo } from '../../helpers/chain.js';

const test = suite('tenant isolation: a hostile stage scanning its memory');

// Scanning 33 MiB per packet needs more CPU than any fuel quota allows: the
// scanner runs unmetered here, an attacker stronger than a real tenant.
const scannerStage = async (stage: string): Promise<StageSpec> => ({
  owner: '', program: await loadProgramBytes(guest('memory-scanner')),
  config: { stage, chainActions: ['pass'], program: { path: guest('memory-scanner'), metering: false, health: { packets: 0, ms: 0 } } },
});
const tenant = (id: number, name: string, dst: string): TenantConfig => ({
  id, name, socket: { path: `/tmp/x-${name}`, uid: 1000 + id, gid: 0, mode: 0o600 }, match: [parseSelector({ port: 'edge', dst }, 'm', ['edge'])],
  quota: { ...DEFAULT_QUOTA, moduleBytes: 4 << 20 }, chain: [], queues: [],
});
const found = (s: ChainStage) => Number(MapsRegion.of(s.sandbox.memory).find('found')!.counter(0).total);

test('the scanner in acme\'s stage never finds globex\'s marker; in globex\'s and the operator\'s it does', async () => {
  const acme = tenant(1, 'acme', ACME_NET), globex = tenant(2, 'globex', GLOBEX_NET);
  const built = buildChain([await scannerStage('op-scan')], [
    { config: acme, stages: [await scannerStage('scan')] },
    { config: globex, stages: [await scannerStage('scan')] },
  ], { log: () => {} });
  const port = new ChainPort(built.runner, built.umem, new TenantClassifier([acme, globex], 'edge'));
  const secret = new Uint8Array(64);
  secret.set(marker(), 20);
  // globex's frames first and last, acme's in between: acme runs while globex's frames sit in the UMEM.
  const frames = [udpTo('203.0.113.4', 53, secret), udpTo('198.51.100.4', 53, 'acme'), udpTo('198.51.100.5', 53, 'acme'), udpTo('203.0.113.5', 53, secret)];
  const out = port.process(frames);
  assert.equal(out.map((r) => r.tenant), [2, 1, 1, 2]);
  const [op] = built.runner.operator;
  const [acmeScan] = built.runner.tenants[0].stages;
  const [globexScan] = built.runner.tenants[1].stages;
  assert.is(acmeScan.sandbox.stats.packets, 2, 'acme\'s scanner ran on its two frames');
  assert.is(found(acmeScan), 0, 'acme found no trace of globex\'s payload anywhere in its memory');
  assert.ok(found(globexScan) > 0, 'positive control: the owner\'s stage has its frames (in its own memory)');
  assert.ok(found(op) > 0, 'positive control: the operator stage runs on the UMEM, where every frame is');
});

test.run();
