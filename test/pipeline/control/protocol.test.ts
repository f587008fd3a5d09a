// The control socket against bad clients: malformed msgpack, a wrong protocol
// version, an unknown command, a truncated frame, a huge length prefix, a
// slow client, a client gone mid-request. Each gets an error reply or a
// closed connection, and the daemon keeps serving: the next good request
// succeeds. A daemon without ports is enough here (no root needed).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ControlClient, requestOnce } from '../../../pipeline/control/client.js';
import { Daemon } from '../../../pipeline/control/daemon.js';
import { PROTOCOL_VERSION } from '../../../pipeline/control/protocol.js';
import { ControlServer } from '../../../pipeline/control/server.js';
import { wasmxdp } from '../../helpers/cli.js';
import { frame, RawConnection, rawRequest } from '../../helpers/control-raw.js';

const READ_TIMEOUT_MS = 300;
const MAX_BYTES = 64 * 1024;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-ctl-'));
const sockPath = path.join(tmp, 'wx.sock');

const test = suite<{ daemon: Daemon; server: ControlServer }>('control protocol', {} as never);

test.before(async (ctx) => {
  ctx.daemon = await Daemon.start({ ports: [] });
  ctx.server = await ControlServer.listen({ path: sockPath, readTimeoutMs: READ_TIMEOUT_MS, maxMessageBytes: MAX_BYTES }, (r) => ctx.daemon.handle(r));
});

test.after(async (ctx) => {
  await ctx.server?.close();
  await ctx.daemon?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const request = rawRequest;
class Raw extends RawConnection { constructor() { super(sockPath); } }

async function stillServing(): Promise<void> {
  const r = await requestOnce(sockPath, 'ping') as { protocol: number };
  assert.is(r.protocol, PROTOCOL_VERSION);
}

test('the socket is mode 0600 and a good request is answered', async () => {
  assert.is(fs.statSync(sockPath).mode & 0o777, 0o600);
  const c = await ControlClient.connect(sockPath);
  const s = await c.request('status') as { ports: unknown[]; tenant: string };
  assert.equal(s.ports, []);
  assert.is(s.tenant, 'default');
  c.close();
});

test('malformed msgpack gets an error reply; the same connection then serves a good request', async () => {
  const raw = new Raw();
  raw.write(frame(Uint8Array.from([0x92, 0x01]))); // an array of two announced, one given
  raw.write(request({ v: PROTOCOL_VERSION, id: 7, cmd: 'ping', args: {} }));
  await raw.until(() => raw.responses.length >= 2);
  raw.destroy();
  const [bad, good] = raw.responses as { ok: boolean; id: unknown; error?: { code: string; message: string } }[];
  assert.is(bad.ok, false);
  assert.is(bad.error!.code, 'E_PROTOCOL');
  assert.match(bad.error!.message, /msgpack/);
  assert.is(good.ok, true);
  assert.is(good.id, 7);
});

test('a request that is not a map, a wrong version and an unknown command get error replies naming the problem', async () => {
  const raw = new Raw();
  raw.write(request([1, 2, 3]));
  raw.write(request({ v: 99, id: 1, cmd: 'ping', args: {} }));
  raw.write(request({ v: PROTOCOL_VERSION, id: 2, cmd: 'reboot', args: {} }));
  raw.write(request({ v: PROTOCOL_VERSION, id: 3, cmd: 'deploy', args: { port: 'nope', program: { name: 'x', bytes: new Uint8Array(1) } } }));
  raw.write(request({ v: PROTOCOL_VERSION, id: 4, cmd: 'ping', args: {} }));
  await raw.until(() => raw.responses.length >= 5);
  raw.destroy();
  const r = raw.responses as { ok: boolean; id: unknown; error?: { code: string; message: string } }[];
  assert.is(r.length, 5);
  assert.match(r[0].error!.message, /must be a msgpack map/);
  assert.is(r[1].id, 1);
  assert.match(r[1].error!.message, /protocol version 99 is not supported.*speaks version 1/);
  assert.is(r[2].id, 2);
  assert.match(r[2].error!.message, /unknown command 'reboot'/);
  assert.is(r[3].error!.code, 'E_NOT_FOUND');
  assert.match(r[3].error!.message, /no port named 'nope'/);
  assert.is(r[4].ok, true);
});

test('a truncated frame from a client that then leaves costs the daemon nothing', async () => {
  const raw = new Raw();
  const full = request({ v: PROTOCOL_VERSION, id: 1, cmd: 'status', args: {} });
  raw.write(full.subarray(0, full.length - 3));
  raw.destroy();
  await raw.until(() => raw.closed);
  await stillServing();
});

test('a huge length prefix gets an error reply and the connection is closed', async () => {
  const raw = new Raw();
  const b = Buffer.alloc(8);
  b.writeUInt32BE(0xffffffff, 0);
  raw.write(b);
  await raw.until(() => raw.closed);
  assert.ok(raw.closed, 'the daemon closed the connection');
  const r = raw.responses[0] as { ok: boolean; error: { code: string; message: string } };
  assert.is(r.ok, false);
  assert.match(r.error.message, new RegExp(`length 4294967295 exceeds the limit of ${MAX_BYTES}`));
  await stillServing();
});

test('a slow client that stops mid-message is told and disconnected after the read timeout', async () => {
  const raw = new Raw();
  const t0 = Date.now();
  raw.write(Uint8Array.from([0, 0])); // half a length prefix, then nothing
  await raw.until(() => raw.closed, READ_TIMEOUT_MS * 10);
  console.log(`# slow client disconnected after ${Date.now() - t0} ms (read timeout ${READ_TIMEOUT_MS} ms)`);
  assert.ok(raw.closed, 'the daemon closed the stalled connection');
  assert.match((raw.responses[0] as { error: { message: string } }).error.message, /incomplete message/);
  await stillServing();
});

test('a client gone before its answer: the daemon keeps serving', async () => {
  for (let i = 0; i < 20; i++) {
    const raw = new Raw();
    raw.write(request({ v: PROTOCOL_VERSION, id: i, cmd: 'stats', args: {} }));
    raw.destroy();
  }
  await stillServing();
});

test('a message over the size limit is refused by the client before sending', async () => {
  const c = await ControlClient.connect(sockPath);
  // The client's own limit is the default (8 MiB); the daemon here allows 64 KiB.
  const err = await c.request('deploy', { port: 'x', program: { name: 'big', bytes: new Uint8Array(MAX_BYTES + 10) } }).catch((e) => e);
  assert.instance(err, Error);
  assert.match(String((err as Error).message), /closed the connection|exceeds the limit/);
  c.close();
  await stillServing();
});

test('the CLI says clearly when no daemon is running', () => {
  const missing = path.join(tmp, 'nobody.sock');
  const r = wasmxdp(['status', '--socket', missing]);
  assert.is(r.status, 1);
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`no wasmxdp daemon at ${missing.replace(/[/.]/g, '\\$&')}: start one with wasmxdp serve --config`));
});

test.run();
