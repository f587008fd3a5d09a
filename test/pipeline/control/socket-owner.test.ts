// Who may sit at either end of the control socket. A non-root user who can
// write the socket's directory listens in the daemon's place: the client
// refuses to send it anything. The daemon refuses to create its socket in a
// directory others can write, and refuses a client running as another
// non-root user even when the socket's mode would let it connect.
// Needs root (to run the "other user" as uid 65534).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isWasmxdpError } from '../../../host/errors.js';
import { socketPeer } from '../../../native/peercred.js';
import { requestOnce } from '../../../pipeline/control/client.js';
import { Daemon } from '../../../pipeline/control/daemon.js';
import { decodeBody, encodeFrame, FrameDecoder, PROTOCOL_VERSION } from '../../../pipeline/control/protocol.js';
import { ControlServer } from '../../../pipeline/control/server.js';
import { wasmxdp } from '../../helpers/cli.js';
import { gatedTests } from '../../helpers/skip.js';
import { ADDON_PATH } from '../../../native/load.js';

const NOBODY = 65534;
const test = suite('control socket: owner checks on both ends');
const root = process.getuid?.() === 0;
const required = process.env.WASMXDP_REQUIRE_LIVE === '1';

// 0755 so that uid 65534 can reach the directories below it.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-owner-'));
fs.chmodSync(tmp, 0o755);

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Runs `script` with node as uid/gid 65534; resolves with its stdout when it exits (bounded). */
function asNobody(script: string, env: Record<string, string>, timeoutMs = 10_000): { child: ReturnType<typeof spawn>; done: Promise<string> } {
  const child = spawn(process.execPath, ['-e', script], { uid: NOBODY, gid: NOBODY, cwd: '/', env: { ...env, PATH: '/usr/bin:/bin' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<string>((resolve) => child.on('exit', () => { clearTimeout(timer); resolve(out); }));
  return { child, done };
}

const waitFor = async (cond: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
};

// SO_PEERCRED comes through the addon, which a machine without libxdp/clang does not build.
const addonMissing = fs.existsSync(ADDON_PATH) ? null : `the addon is not built (${ADDON_PATH}): node native/build.mjs`;
const withAddon = gatedTests(test, addonMissing, 'WASMXDP_REQUIRE_LIVE', () => console.log(`# skipping 1 test: ${addonMissing}`));

withAddon('peerCredentials reads the pid and uid at the other end of a Unix socket', async () => {
  const p = path.join(tmp, 'pc.sock');
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(p, () => r()));
  const accepted = new Promise<net.Socket>((r) => srv.once('connection', r));
  const c = net.connect(p);
  try {
    await new Promise((r) => c.once('connect', r));
    const s = await accepted;
    try {
      assert.equal(socketPeer(c), { pid: process.pid, uid: process.getuid!(), gid: process.getgid!() });
      assert.equal(socketPeer(s).pid, process.pid);
    } finally { s.destroy(); }
  } finally {
    // A failed assertion must not leave the server holding the process open.
    c.destroy();
    await new Promise((r) => srv.close(r));
  }
});

if (!root) {
  test('skipped', () => {
    if (required) assert.unreachable('WASMXDP_REQUIRE_LIVE=1: run as root (the test plays another user, uid 65534)');
    console.log('# skipped: run as root to play the other user (uid 65534)');
  });
} else {
  test('a squatter (uid 65534) listening on the socket path gets nothing from the client, which says why', async () => {
    const shared = path.join(tmp, 'shared');
    fs.mkdirSync(shared);
    fs.chmodSync(shared, 0o1777); // like /tmp
    const sock = path.join(shared, 'wasmxdp.sock');
    // Answers every request as a daemon would ("v99 pwned deployed") and reports what it received.
    const forged = encodeFrame({ v: PROTOCOL_VERSION, id: 1, ok: true, result: { port: 'edge', version: 99, name: 'pwned', health: 'healthy', resetMaps: [], instantiateUs: [1] } });
    const squatter = asNobody(`
      const net = require('net');
      const reply = Buffer.from(process.env.REPLY, 'hex');
      let got = 0;
      const srv = net.createServer((s) => { s.on('data', (d) => { got += d.length; s.write(reply); }); s.on('error', () => {}); });
      srv.listen(process.env.SOCK, () => console.log('listening'));
      setTimeout(() => { console.log('received ' + got); process.exit(0); }, 3000);
    `, { SOCK: sock, REPLY: forged.toString('hex') });
    await waitFor(() => fs.existsSync(sock), 5000);
    assert.is(fs.statSync(sock).uid, NOBODY, 'the squatter owns the socket');

    const err = await requestOnce(sock, 'deploy', { port: 'edge', program: { name: 'secret', bytes: new Uint8Array([0, 97, 115, 109]) } }).catch((e) => e);
    assert.ok(isWasmxdpError(err), String(err));
    assert.is(err.code, 'E_PERMISSION');
    assert.match(err.message, /refusing to talk to .*not root, you, or the owner of a socket directory only it can write \(pid \d+, uid 65534\)/);
    const cli = wasmxdp(['status', '--socket', sock]);
    assert.is(cli.status, 1);
    assert.match(cli.stderr, /refusing to talk to/);
    const out = await squatter.done;
    assert.match(out, /received 0\b/, `the squatter received nothing: ${out}`);
  });

  test('the daemon refuses a socket directory others can write, and one another user owns', async () => {
    const handler = async () => ({});
    for (const [dir, mode, want] of [['ww', 0o1777, /writable by every user/], ['gw', 0o770, /writable by its group/]] as const) {
      const d = path.join(tmp, dir);
      fs.mkdirSync(d);
      fs.chmodSync(d, mode);
      const err = await ControlServer.listen({ path: path.join(d, 'wx.sock') }, handler).catch((e) => e);
      assert.ok(isWasmxdpError(err), String(err));
      assert.is(err.code, 'E_PERMISSION');
      assert.match(err.message, want);
      assert.match(err.message, /\/run\/wasmxdp/);
      assert.not.ok(fs.existsSync(path.join(d, 'wx.sock')));
    }
    const theirs = path.join(tmp, 'theirs');
    fs.mkdirSync(theirs, { mode: 0o755 });
    fs.chownSync(theirs, NOBODY, NOBODY);
    const err = await ControlServer.listen({ path: path.join(theirs, 'wx.sock') }, handler).catch((e) => e);
    assert.match(String(err.message), /belongs to uid 65534/);
    // The CLI says the same, before attaching anything.
    const cfg = path.join(tmp, 'cfg.json');
    fs.writeFileSync(path.join(tmp, 'x.wasm'), '');
    fs.writeFileSync(cfg, JSON.stringify({ ports: [{ name: 'p', iface: 'wxnone0', program: 'x.wasm' }] }));
    const r = wasmxdp(['serve', '--config', cfg, '--socket', path.join(tmp, 'ww', 'wx.sock')]);
    assert.is(r.status, 1);
    assert.match(r.stderr, /refusing to create the control socket in .*writable by every user/);
  });

  test('a client running as another non-root user is refused by the daemon, even if the socket mode lets it in', async () => {
    const dir = path.join(tmp, 'daemon');
    fs.mkdirSync(dir, { mode: 0o755 });
    const sock = path.join(dir, 'wx.sock');
    const daemon = await Daemon.start({ ports: [] });
    let served = 0;
    const server = await ControlServer.listen({ path: sock }, (req, conn) => { served++; return daemon.handle(req, conn); });
    try {
      fs.chmodSync(sock, 0o666); // a misconfiguration the peer check must survive
      const client = asNobody(`
        const net = require('net');
        const s = net.connect(process.env.SOCK);
        const got = [];
        s.on('connect', () => s.write(Buffer.from(process.env.PING, 'hex')));
        s.on('data', (d) => got.push(d));
        s.on('error', (e) => console.log('error ' + e.code));
        s.on('close', () => { console.log('reply ' + Buffer.concat(got).toString('hex')); process.exit(0); });
      `, { SOCK: sock, PING: encodeFrame({ v: PROTOCOL_VERSION, id: 1, cmd: 'ping', args: {} }).toString('hex') });
      const out = await client.done;
      const hex = /reply ([0-9a-f]*)/.exec(out)?.[1];
      assert.ok(hex, out);
      const [body] = new FrameDecoder().push(Buffer.from(hex!, 'hex'));
      const r = decodeBody(body) as { ok: boolean; error: { code: string; message: string } };
      assert.is(r.ok, false);
      assert.is(r.error.code, 'E_PERMISSION');
      assert.match(r.error.message, /uid 65534 may not use this daemon/);
      assert.is(served, 0, 'no request of the other user reached the handler');
      assert.is(server.figures().refused.peer, 1);
      // Root still gets answers.
      assert.equal(((await requestOnce(sock, 'ping')) as { protocol: number }).protocol, PROTOCOL_VERSION);
    } finally {
      await server.close();
      await daemon.stop();
    }
  });
}

test.run();
