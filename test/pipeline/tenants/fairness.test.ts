// Fairness between tenants on one queue (offline, real sandboxes): a tenant
// stage that spins on every frame gets at most its fuelPerBatch per batch
// however many frames it has, is never re-run, and is quarantined after 10
// traps within a second; the other tenant's frames get their own stage's
// verdicts in every batch throughout. Same for a stage that traps.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Action } from '../../../host/abi.js';
import { ACME_NET, chainConfig, chainPort, example, GLOBEX_NET, guest, udpTo } from '../../helpers/chain.js';

const test = suite('fairness: a spinning or trapping tenant is bounded per batch and quarantined');

for (const [what, g] of [['spins', 'spin-all'], ['traps', 'trap-on-marker']] as const) {
  test(`a tenant that ${what} on every frame: bounded, quarantined, the other tenant served in every batch`, async () => {
    const { port, chain } = await chainPort(chainConfig([{ stage: 'fw', program: { path: guest('chain-fw') } }], [
      { name: 'acme', dst: ACME_NET, quota: { fuelPerBatch: 200_000 }, chain: [{ stage: 'bad', program: { path: guest(g), failVerdict: 'drop' } }] },
      { name: 'globex', dst: GLOBEX_NET, chain: [{ stage: 'echo', program: { path: example('udp-reflector') } }] },
    ]));
    const a = udpTo('198.51.100.3', 53);
    a[0] = 0xee; // trap-on-marker's trigger (spin-all spins on anything)
    const batch = [...Array(256)].map((_, i) => (i % 2 ? udpTo('203.0.113.3', 7) : a));
    const bad = chain.runner.tenants[0].stages[0].sandbox;
    for (let b = 0; b < 20; b++) {
      const out = port.process(batch);
      assert.ok(out.filter((r) => r.tenant === 2).every((r) => r.action === Action.TX), `batch ${b}: every globex frame echoed`);
      assert.ok(out.filter((r) => r.tenant === 1).every((r) => r.action === Action.ABORTED || r.action === Action.DROP));
      assert.ok(bad.stats.traps <= Math.min(b + 1, 11), `at most one trap per batch (no re-run), then none: ${bad.stats.traps} after ${b + 1}`);
    }
    assert.ok(bad.quarantined, 'quarantined after 10 traps within a second');
    assert.is(bad.stats.traps, 11);
    assert.is(bad.stats.reruns, 0);
    if (what === 'spins') assert.match(bad.stats.lastTrap!, /fuel exhausted: .* capped at 200000 per batch/);
  });
}

test.run();
