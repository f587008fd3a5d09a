// The fleet's module store on a real etcd: a module is stored once under its
// sha256, read back only if its bytes still hash to its address, and refused
// over the size limit before anything is written.
import * as assert from 'uvu/assert';
import type { Etcd3 } from 'etcd3';
import { toolsMissingReason, toolSuite } from '../../helpers/tools.js';
import { TestEtcd } from '../../helpers/etcd.js';
import { connectEtcd } from '../../../pipeline/fleet/etcd.js';
import { getModule, putModule, sha256Hex } from '../../../pipeline/fleet/module-store.js';
import { keys } from '../../../pipeline/fleet/keys.js';

const test = toolSuite('fleet/module-store', ['etcd']);
let etcd: TestEtcd;
let client: Etcd3;

// Skipped (no etcd-server): nothing to start.
test.before(async () => { if (toolsMissingReason(['etcd'])) return; etcd = await TestEtcd.start(); client = connectEtcd(etcd.url); });
test.after(async () => { client?.close(); await etcd?.destroy(); });

test('stored once under its sha256, whoever stores it again', async () => {
  const bytes = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
  const a = await putModule(client, bytes);
  const b = await putModule(client, bytes);
  assert.is(a.sha256, sha256Hex(bytes));
  assert.equal([a.stored, b.stored], [true, false]);
  const rev = (await client.get(keys.module(a.sha256)).exec()).kvs[0].version;
  assert.is(String(rev), '1', 'the second put wrote nothing');
  assert.equal(await getModule(client, a.sha256), bytes);
});

test('bytes that no longer hash to their address are refused', async () => {
  const good = new Uint8Array([1, 2, 3, 4]);
  const { sha256 } = await putModule(client, good);
  await client.put(keys.module(sha256)).value(Buffer.from([9, 9, 9]));
  const e = await getModule(client, sha256).catch((x: Error & { code: string }) => x) as Error & { code: string };
  assert.is(e.code, 'E_DEPLOY');
  assert.match(e.message, /hashes to/);
});

test('a missing module and one over the size limit are clear errors', async () => {
  const missing = await getModule(client, 'ab'.repeat(32)).catch((x: Error & { code: string }) => x) as Error & { code: string };
  assert.is(missing.code, 'E_NOT_FOUND');
  const big = new Uint8Array(2048);
  const e = await putModule(client, big, 1024).catch((x: Error & { code: string }) => x) as Error & { code: string };
  assert.is(e.code, 'E_MODULE_TOO_LARGE');
  assert.is(await client.get(keys.module(sha256Hex(big))).exists(), false, 'nothing was written');
});

test('an unreachable etcd is E_FLEET_UNAVAILABLE naming the URL', async () => {
  const { withEtcd } = await import('../../../pipeline/fleet/etcd.js');
  const url = 'http://127.0.0.1:1';
  const dead = connectEtcd(url);
  try {
    const e = await withEtcd(url, () => putModule(dead, new Uint8Array([1]))).catch((x: Error & { code: string }) => x) as Error & { code: string };
    assert.is(e.code, 'E_FLEET_UNAVAILABLE');
    assert.match(e.message, /127\.0\.0\.1:1/);
  } finally {
    dead.close();
  }
});

test.run();
