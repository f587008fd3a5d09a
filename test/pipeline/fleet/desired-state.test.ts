// Desired state on a real etcd: a rollout begins only by compare-and-swap on
// the record's revision while no controller holds it; of two controllers
// racing, one wins and the other gets E_FLEET_CONFLICT; a controller that
// lost its lease (crashed) leaves the rollout to the next one.
import * as assert from 'uvu/assert';
import type { Etcd3 } from 'etcd3';
import { toolsMissingReason, toolSuite } from '../../helpers/tools.js';
import { TestEtcd } from '../../helpers/etcd.js';
import { connectEtcd } from '../../../pipeline/fleet/etcd.js';
import { beginRollout, newRolloutId, readRollout, updateRollout, writeDesired, type RolloutRecord } from '../../../pipeline/fleet/desired-state.js';
import { keys } from '../../../pipeline/fleet/keys.js';

const test = toolSuite('fleet/desired-state', ['etcd']);
let etcd: TestEtcd;
let client: Etcd3;

// Skipped (no etcd-server): nothing to start.
test.before(async () => { if (toolsMissingReason(['etcd'])) return; etcd = await TestEtcd.start(); client = connectEtcd(etcd.url); });
test.after(async () => { client?.close(); await etcd?.destroy(); });

const record = (port: string, controller: string): RolloutRecord => ({
  id: newRolloutId(), kind: 'deploy', tenant: 'default', port, stage: 'main', targets: { n1: { sha256: 'a'.repeat(64), name: 'x' } }, from: { n1: null },
  canary: [], maxUnhealthy: 0, phase: 'rolling', unhealthy: [], note: null, controller, startedAt: '', updatedAt: '',
});

async function leased() {
  const l = client.lease(10, { autoKeepAlive: true });
  await l.grant();
  return l;
}

test('of two controllers beginning at once from the same revision, one wins and one gets E_FLEET_CONFLICT', async () => {
  const seen = await readRollout(client, 'default', 'p1', 'main');
  const [la, lb] = [await leased(), await leased()];
  const results = await Promise.allSettled([beginRollout(client, la, record('p1', 'A'), seen.revision, seen.record), beginRollout(client, lb, record('p1', 'B'), seen.revision, seen.record)]);
  const won = results.filter((r) => r.status === 'fulfilled');
  const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  assert.is(won.length, 1);
  assert.is(lost[0].reason.code, 'E_FLEET_CONFLICT');
  assert.match(lost[0].reason.message, /port p1 stage main: rollout \S+ .* is being driven by [AB]/);
  await la.revoke(); await lb.revoke();
});

test('a rollout whose controller holds its lease refuses a newcomer; once the lease is gone, the newcomer takes over', async () => {
  const seen = await readRollout(client, 'default', 'p2', 'main');
  const first = await leased();
  const h = await beginRollout(client, first, record('p2', 'first'), seen.revision, seen.record);
  const now = await readRollout(client, 'default', 'p2', 'main');
  const second = await leased();
  const e = await beginRollout(client, second, record('p2', 'second'), now.revision, now.record).catch((x: Error & { code: string }) => x) as Error & { code: string };
  assert.is(e.code, 'E_FLEET_CONFLICT');
  assert.match(e.message, /being driven by first/);
  // The first controller "crashes": its lease is revoked (or expires).
  await first.revoke();
  const h2 = await beginRollout(client, second, record('p2', 'second'), now.revision, now.record);
  assert.is((await readRollout(client, 'default', 'p2', 'main')).record?.controller, 'second');
  // The first one's later writes are refused: the record moved on.
  const stale = await updateRollout(client, h, { phase: 'done' }).catch((x: Error & { code: string }) => x) as Error & { code: string };
  assert.is(stale.code, 'E_FLEET_CONFLICT');
  const staleDesired = await writeDesired(client, h, ['n1'], () => ({ sha256: 'b'.repeat(64), name: 'old' })).catch((x: Error & { code: string }) => x) as Error & { code: string };
  assert.is(staleDesired.code, 'E_FLEET_CONFLICT');
  assert.is(await client.get(keys.desired('default', 'n1', 'p2', 'main')).exists(), false, 'nothing written by the superseded controller');
  await writeDesired(client, h2, ['n1'], () => ({ sha256: 'c'.repeat(64), name: 'new' }));
  assert.is((await client.get(keys.desired('default', 'n1', 'p2', 'main')).json() as { name: string }).name, 'new');
  await second.revoke();
});

test('names that would escape their key are refused', async () => {
  const { checkName } = await import('../../../pipeline/fleet/keys.js');
  assert.throws(() => checkName('--port', 'a/b'), /--port must be/);
  assert.throws(() => checkName('--node', ''), /--node must be/);
  assert.is(checkName('--node', 'edge-7'), 'edge-7');
});

test.run();
