// The control socket's resource bounds against a flooding client: a
// connection flood beyond the cap is cut while a legitimate client is still
// served; a slow-loris client trickling one byte at a time is cut at the
// message deadline; many connections with big partial messages hold at most
// the buffered-bytes budget, and nothing once they are gone (measured by the
// server's own figure, not by time).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { requestOnce } from '../../../pipeline/control/client.js';
import { Daemon } from '../../../pipeline/control/daemon.js';
import { PROTOCOL_VERSION } from '../../../pipeline/control/protocol.js';
import { ControlServer, type ServerOptions } from '../../../pipeline/control/server.js';
import { RawConnection } from '../../helpers/control-raw.js';

const test = suite('control socket: resource bounds');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-bounds-'));
let daemon: Daemon;
let n = 0;

test.before(async () => { daemon = await Daemon.start({ ports: [] }); });
test.after(async () => {
  await daemon.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function server(opts: Omit<ServerOptions, 'path'>): Promise<ControlServer> {
  return ControlServer.listen({ path: path.join(tmp, `s${n++}.sock`), ...opts }, (r, c) => daemon.handle(r, c));
}

const ping = async (s: ControlServer) => ((await requestOnce(s.path, 'ping', {}, 5000)) as { protocol: number }).protocol;

/** A length prefix announcing `len` bytes and `have` of them. */
function partial(len: number, have: number): Buffer {
  const b = Buffer.alloc(4 + have, 0x61);
  b.writeUInt32BE(len, 0);
  return b;
}

test('a connection flood beyond the cap: at most maxConnections are held, the rest are told and closed, a legitimate client is served', async () => {
  const s = await server({ maxConnections: 8, messageDeadlineMs: 60_000, readTimeoutMs: 60_000 });
  const flood: RawConnection[] = [];
  try {
    for (let i = 0; i < 200; i++) {
      const c = new RawConnection(s.path);
      c.write(partial(100, 1)); // an unfinished message, then nothing
      flood.push(c);
    }
    await flood[flood.length - 1].until(() => false, 300);
    await Promise.all(flood.slice(0, 150).map((c) => c.until(() => c.closed, 3000)));
    const f = s.figures();
    console.log(`# 200 connections opened, cap 8: ${f.connections} held, ${f.refused.evicted} evicted, ${f.refused.cap} refused at the cap`);
    assert.ok(f.connections <= 8, `held ${f.connections}`);
    assert.ok(flood.filter((c) => c.closed).length >= 192, 'the flood beyond the cap is closed');
    assert.match(flood[0].error, /maxConnections/);
    assert.is(await ping(s), PROTOCOL_VERSION, 'a legitimate client is served during the flood');
    assert.ok(s.figures().connections <= 8);
  } finally {
    flood.forEach((c) => c.destroy());
    await s.close();
  }
});

test('a slow-loris client sending one byte at a time is cut at the message deadline', async () => {
  const deadline = 400;
  const s = await server({ messageDeadlineMs: deadline, readTimeoutMs: 5000 });
  const c = new RawConnection(s.path);
  try {
    const t0 = Date.now();
    c.write(partial(1000, 0));
    // One byte every 50 ms never trips the 5 s no-data timeout.
    for (let i = 0; i < 100 && !c.closed; i++) { c.write(Buffer.from([0x61])); await sleep(50); }
    assert.ok(c.closed, 'the trickling connection was closed');
    const took = Date.now() - t0;
    console.log(`# slow-loris cut after ${took} ms (message deadline ${deadline} ms)`);
    assert.match(c.error, /not complete 400 ms after its first byte/);
    assert.is(s.figures().refused.deadline, 1);
    assert.is(await ping(s), PROTOCOL_VERSION);
  } finally {
    c.destroy();
    await s.close();
  }
});

test('big partial messages on many connections hold at most the buffered-bytes budget, and nothing once closed', async () => {
  const MiB = 1024 * 1024;
  const budget = 24 * MiB;
  const s = await server({ maxMessageBytes: 8 * MiB, maxBufferedBytes: budget, maxConnections: 64, messageDeadlineMs: 60_000, readTimeoutMs: 60_000 });
  const conns: RawConnection[] = [];
  const rss0 = process.memoryUsage().rss;
  try {
    // 40 connections x 6 MiB of an 8 MiB message: 240 MiB offered.
    const chunk = partial(8 * MiB, 6 * MiB);
    for (let i = 0; i < 40; i++) {
      const c = new RawConnection(s.path);
      c.write(chunk);
      conns.push(c);
    }
    let peak = 0;
    for (let i = 0; i < 100; i++) {
      peak = Math.max(peak, s.figures().bufferedBytes);
      await sleep(20);
    }
    const f = s.figures();
    console.log(`# 40 x 6 MiB partial messages: peak ${(peak / MiB).toFixed(1)} MiB buffered (budget ${budget / MiB} MiB), ${f.refused.budget} connections cut for the budget, rss +${((process.memoryUsage().rss - rss0) / MiB).toFixed(0)} MiB`);
    assert.ok(peak <= budget, `peak ${peak} over the budget`);
    assert.ok(peak > 0);
    assert.ok(f.refused.budget > 0, 'connections over the budget were cut');
    const cut = conns.find((c) => c.error);
    assert.match(cut!.error, /maxBufferedBytes/);
    assert.is(await ping(s), PROTOCOL_VERSION, 'small requests still pass');
  } finally {
    conns.forEach((c) => c.destroy());
  }
  await conns[0].until(() => conns.every((c) => c.closed), 3000);
  for (let i = 0; i < 50 && s.figures().connections > 0; i++) await sleep(20);
  const after = s.figures();
  assert.is(after.connections, 0);
  assert.is(after.bufferedBytes, 0, 'every byte held for the closed connections is released');
  await s.close();
});

test('an idle connection is closed after the idle timeout', async () => {
  const s = await server({ idleTimeoutMs: 200 });
  const c = new RawConnection(s.path);
  try {
    await c.until(() => c.closed, 3000);
    assert.ok(c.closed);
    assert.match(c.error, /no request for 200 ms/);
  } finally {
    c.destroy();
    await s.close();
  }
});

test.run();
