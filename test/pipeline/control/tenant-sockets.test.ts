// Tenant sockets (offline, no ports): each is created with the configured
// owner and mode; every request on it reaches the handler as that tenant,
// whatever tenant it names; a socket directory others may write is refused.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ControlClient } from '../../../pipeline/control/client.js';
import type { Request } from '../../../pipeline/control/protocol.js';
import type { ControlServer } from '../../../pipeline/control/server.js';
import { listenTenantSockets } from '../../../pipeline/control/tenant-sockets.js';
import { DEFAULT_QUOTA, TenantConfig } from '../../../pipeline/tenants/config.js';

const test = suite('tenant sockets: owner and mode from the config, identity from the socket');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-tsock-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const tenant = (id: number, name: string, dir: string, mode = 0o600): TenantConfig => ({
  id, name, socket: { path: path.join(dir, `${name}.sock`), uid: process.getuid!(), gid: process.getgid!(), mode },
  match: [], quota: { ...DEFAULT_QUOTA }, chain: [], queues: [],
});

test('requests act as the socket\'s tenant; the files carry the configured mode', async () => {
  const dir = path.join(tmp, 'run');
  const seen: string[] = [];
  const servers: ControlServer[] = await listenTenantSockets([tenant(1, 'acme', dir), tenant(2, 'globex', dir, 0o660)],
    async (req: Request) => { seen.push(req.tenant); return { tenant: req.tenant }; }, { log: () => {} });
  try {
    assert.is(fs.statSync(dir).mode & 0o777, 0o755, 'created without write access for others');
    assert.is(fs.statSync(path.join(dir, 'acme.sock')).mode & 0o777, 0o600);
    assert.is(fs.statSync(path.join(dir, 'globex.sock')).mode & 0o777, 0o660);
    const c = await ControlClient.connect(path.join(dir, 'acme.sock'), 'globex');
    try {
      assert.equal(await c.request('status'), { tenant: 'acme' }, 'the forged field is overwritten');
    } finally { c.close(); }
    const g = await ControlClient.connect(path.join(dir, 'globex.sock'));
    try { assert.equal(await g.request('status'), { tenant: 'globex' }); } finally { g.close(); }
    assert.equal(seen, ['acme', 'globex']);
  } finally {
    await Promise.all(servers.map((s) => s.close()));
  }
});

test('a socket directory others may write is refused, naming it', async () => {
  const dir = path.join(tmp, 'open');
  fs.mkdirSync(dir);
  fs.chmodSync(dir, 0o777);
  const e = await listenTenantSockets([tenant(1, 'acme', dir)], async () => null, {}).then(() => null, (x: Error & { code: string }) => x);
  assert.ok(e);
  assert.is(e!.code, 'E_PERMISSION');
  assert.ok(e!.message.includes(`refusing to create the control socket in ${dir}: the directory is writable by every user (mode 777)`), e!.message);
  assert.not.ok(fs.existsSync(path.join(dir, 'acme.sock')));
});

test.run();
