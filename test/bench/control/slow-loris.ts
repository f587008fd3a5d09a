// 1000 slow-loris connections (a length prefix, then one byte a second)
// against a control socket with the default limits: how many the server
// holds after 3 s and after 15 s, and whether a legitimate ping is answered.
//   npx tsc -p tsconfig.json && node dist/test/bench/control/slow-loris.js
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { requestOnce } from '../../../pipeline/control/client.js';
import { Daemon } from '../../../pipeline/control/daemon.js';
import { ControlServer } from '../../../pipeline/control/server.js';

const N = 1000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-loris-'));
const daemon = await Daemon.start({ ports: [] });
const server = await ControlServer.listen({ path: path.join(dir, 's.sock') }, (r) => daemon.handle(r));
// Older servers (before the bounds) have no figures(): count their sockets.
const held = () => (server.figures ? server.figures().connections : (server as unknown as { sockets: Set<unknown> }).sockets.size);
const conns: net.Socket[] = [];
for (let i = 0; i < N; i++) {
  const c = net.connect(server.path);
  c.on('error', () => {});
  c.on('connect', () => c.write(Buffer.from([0, 0, 0, 100])));
  conns.push(c);
}
const trickle = setInterval(() => conns.forEach((c) => { if (!c.destroyed) c.write(Buffer.from([0x61])); }), 1000);
await sleep(3000);
const at3s = held();
const t0 = Date.now();
const ping = await requestOnce(server.path, 'ping', {}, 5000).then(() => `answered in ${Date.now() - t0} ms`, (e: Error) => e.message);
await sleep(12_000);
console.log(JSON.stringify({ connections: N, heldAt3s: at3s, heldAt15s: held(), legitimatePing: ping }));
clearInterval(trickle);
conns.forEach((c) => c.destroy());
await server.close();
await daemon.stop();
fs.rmSync(dir, { recursive: true, force: true });
