// The guest side of issue 14 through `wasmxdp serve` on a veth port: guest log
// text cannot forge daemon lines and names the running version (after a swap,
// the new one); a module that takes seconds to meter leaves the control socket
// answering and SIGTERM prompt; a module over a shape limit is refused naming
// the limit and the version being deployed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as assert from 'uvu/assert';
import { WasmxdpError } from '../../../host/errors.js';
import { ControlClient } from '../../../pipeline/control/client.js';
import { TestDaemon, teardownDaemon } from '../../helpers/daemon.js';
import { liveSuite } from '../../helpers/live.js';
import { NetLab, type Veth } from '../../helpers/netns.js';
import { experimentalFrame } from '../../helpers/packets.js';
import { sendFrames } from '../../helpers/traffic.js';
import { shapedModule } from '../../helpers/wasm-builder.js';
import { loggerGuest } from '../../host/fixtures.js';

const test = await liveSuite('wasmxdp serve: guest log forging and attribution, isolated metering, shape limits');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-guest-sandbox-'));
const FORGED = '\n[wasmxdp] fake line\x1b[2J';

let lab: NetLab;
let veth: Veth;
let peerNs: string;
let daemon: TestDaemon | null = null;
let client: ControlClient;

const testFrame = () => experimentalFrame(veth.mac, veth.peerMac);

/** A daemon log line without the daemon's own prefix (time, level, port and queue): what the guest wrote. */
const guestText = (l: string) => l.replace(/^\S+ +[A-Z]+ +port \S+ queue \d+: /, '');

/** The daemon's log lines, prefixes removed, once one matches. */
async function waitForLog(pattern: RegExp, timeoutMs = 15_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = daemon!.log().split('\n').map(guestText);
    if (lines.some((l) => pattern.test(l))) return lines;
    if (Date.now() > deadline) throw new Error(`no daemon line matches ${pattern}:\n${daemon!.log()}`);
    await sleep(50);
  }
}

const deploy = (name: string, bytes: Uint8Array) => client.request('deploy', { port: 'edge', program: { name, bytes } }, 120_000) as Promise<{ version: number }>;

test.before(async () => {
  const v1 = path.join(tmp, 'logger-v1.wasm');
  fs.writeFileSync(v1, loggerGuest(FORGED));
  lab = new NetLab();
  peerNs = lab.addNetns();
  veth = lab.addVeth({ peerNs });
  daemon = await TestDaemon.start(tmp, {
    ports: [{ name: 'edge', iface: veth.name, queue: 0, mode: 'skb', program: { path: v1, health: { packets: 5, ms: 100 } } }],
    readTimeoutMs: 2000,
  });
  client = daemon.client;
});

test.after(() => teardownDaemon(daemon, lab, tmp));

test('a guest logging a newline, a fake daemon line and an escape sequence gets one escaped line, naming v1', async () => {
  await sendFrames(lab, peerNs, veth.peer, [testFrame()], 20, { gapUs: 1000 });
  const lines = await waitForLog(/^\[logger-v1 v1\] info: /);
  assert.ok(lines.some((l) => l === '[logger-v1 v1] info: \\x0a[wasmxdp] fake line\\x1b[2J'), daemon!.log());
  assert.not.ok(daemon!.log().split('\n').some((l) => l.startsWith('[wasmxdp] fake line')), 'no forged line of its own');
  assert.not.ok(daemon!.log().includes('\x1b'), 'no escape character reaches the output');
});

test('after a swap the lines name the new version', async () => {
  const r = await deploy('logger-v2', loggerGuest('v2 here'));
  assert.is(r.version, 2);
  await sendFrames(lab, peerNs, veth.peer, [testFrame()], 20, { gapUs: 1000 });
  const lines = await waitForLog(/^\[logger-v2 v2\] info: v2 here$/);
  const after = lines.slice(lines.findIndex((l) => /deployed v2/.test(l)));
  assert.not.ok(after.some((l) => l.startsWith('[logger-v1')), 'no line of the new version carries the old name');
});

test('a module over a shape limit is refused naming the limit and the version being deployed', async () => {
  try {
    await deploy('deep', shapedModule({ functions: 1, depth: 20_000 }));
    assert.unreachable('deployed');
  } catch (e) {
    assert.instance(e, WasmxdpError);
    assert.is((e as WasmxdpError).code, 'E_MODULE_LIMIT');
    assert.match((e as Error).message, /^deep v3: refused: .*maxNestingDepth = 1000/);
  }
});

let heavyMs = 0;

test('while a module takes seconds to meter, the control socket answers', async () => {
  const heavy = shapedModule({ functions: 9000, depth: 100 });
  const t0 = performance.now();
  let done = false;
  const deployed = deploy('heavy', heavy).finally(() => { done = true; });
  deployed.catch(() => {}); // awaited below; a failed status request must not leave it unhandled
  let answeredDuring = 0;
  // Another operator, on another connection.
  const other = await ControlClient.connect(daemon!.socket);
  while (!done) {
    const st = await other.request('status', {}, 5000) as { ports: { program: { version: number } }[] };
    // The swap may land between this answer and the deploy's own: v3 then, never anything else.
    const v = st.ports[0].program.version;
    assert.ok(v === 2 || v === 3, `version ${v} while deploying v3`);
    if (!done && v === 2) answeredDuring++;
    await sleep(100);
  }
  other.close();
  const r = await deployed;
  heavyMs = performance.now() - t0;
  assert.is(r.version, 3);
  assert.ok(answeredDuring >= 3, `${answeredDuring} status answers during a ${Math.round(heavyMs)} ms deploy`);
});

test('SIGTERM while a module is being metered: the daemon exits without waiting for it', async () => {
  const pending = deploy('heavy-again', shapedModule({ functions: 9000, depth: 100 })).catch((e: Error) => e);
  await sleep(300);
  const t0 = performance.now();
  const code = await daemon!.stop();
  const stopMs = performance.now() - t0;
  assert.is(code, 0);
  assert.ok(stopMs < heavyMs / 2, `stopped in ${Math.round(stopMs)} ms; metering that module took ${Math.round(heavyMs)} ms`);
  await pending;
});

test.run();
