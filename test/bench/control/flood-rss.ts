// Daemon RSS under a control-socket flood: N connections each sending an
// 8 MiB message but its last byte, held for a while, then closed. Prints the
// server process's RSS before, during and after, and how many flood
// connections it kept. Run it on two trees to compare (docs/control-plane.md):
//   npx tsc -p tsconfig.json && node dist/test/bench/control/flood-rss.js [connections=150]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const N = Number(process.argv[2] ?? 150);
const MSG = 8 * 1024 * 1024;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-flood-'));
const sock = path.join(dir, 'wx.sock');
const here = path.dirname(fileURLToPath(import.meta.url));
const child = spawn(process.execPath, ['--expose-gc', path.join(here, 'flood-server.js'), sock], { stdio: ['pipe', 'pipe', 'inherit'] });
await new Promise<void>((resolve, reject) => {
  child.stdout!.on('data', (d) => { if (String(d).includes('ready')) resolve(); });
  child.on('exit', (c) => reject(new Error(`server exited ${c}`)));
});

const rssMiB = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024;
const before = rssMiB();
const body = Buffer.alloc(4 + MSG - 1, 0x61);
body.writeUInt32BE(MSG, 0);
const conns: net.Socket[] = [];
let open = 0;
for (let i = 0; i < N; i++) {
  const c = net.connect(sock);
  c.on('error', () => {});
  c.on('connect', () => { open++; c.write(body); });
  c.on('close', () => { open--; });
  conns.push(c);
}
let peak = 0;
for (let i = 0; i < 40; i++) { peak = Math.max(peak, rssMiB()); await sleep(100); }
const during = rssMiB();
const heldDuring = open;
conns.forEach((c) => c.destroy());
await sleep(3000);
const after = rssMiB();
const collected = new Promise<void>((resolve) => child.stdout!.on('data', (d) => { if (String(d).includes('collected')) resolve(); }));
child.stdin!.write('gc\n');
await collected;
await sleep(500);
const afterGc = rssMiB();
console.log(JSON.stringify({ connections: N, messageBytes: MSG, rssMiB: { before: Math.round(before), peak: Math.round(peak), during: Math.round(during), after3s: Math.round(after), afterFullGc: Math.round(afterGc) }, floodConnectionsOpenAfter4s: heldDuring }));
child.kill('SIGTERM');
fs.rmSync(dir, { recursive: true, force: true });
