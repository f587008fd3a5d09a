// "stateDir": a daemon killed with SIGKILL and started again runs the
// version it ran, with its history and the operator's map writes; rollback
// still goes back; a corrupt state file is reported and the port starts
// from the config.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { TestDaemon } from '../../helpers/daemon.js';
import { liveSuite } from '../../helpers/live.js';
import type { NetLab, Veth } from '../../helpers/netns.js';
import { sendFrames } from '../../helpers/traffic.js';
import { rawFrame, startServeLab, stopServeLab, waitFor, type ServeLab } from './ops-helpers.js';

const test = await liveSuite('stateDir: deploys, history and map writes survive a SIGKILL and a restart');

const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-state-'));
let s: ServeLab | null = null;
let lab: NetLab;
let veth: Veth;
let peerNs: string;
let config: unknown;

const daemon = () => s!.daemon;
type Status = { ports: { program: { version: number; name: string; sha256: string }; versions: { version: number; name: string; state: string }[] }[] };
const status = async () => ((await daemon().client.request('status')) as Status).ports[0];
const mapGet = async (key: string) => ((await daemon().client.request('map.get', { port: 'edge', map: 'hits', key })) as { total: string }).total;

async function restart(kill: 'SIGKILL' | 'SIGTERM'): Promise<void> {
  const old = daemon();
  old.client.close();
  if (kill === 'SIGKILL') { old.child.kill('SIGKILL'); await old.exited; } else await old.stop();
  s!.daemon = await TestDaemon.start(s!.tmp, config, 30_000, ['--log-format', 'json']);
}

test.before(async () => {
  s = await startServeLab(['swap-counter-v1', 'swap-counter-v2'], (wasm, [v]) => (config = {
    stateDir, ports: [{ name: 'edge', iface: v.name, program: { path: wasm['swap-counter-v1'], health: { packets: 0, ms: 0 } } }],
  }), { serveArgs: ['--log-format', 'json'] });
  ({ lab, peerNs, veths: [veth] } = s);
});

test.after(async () => {
  await stopServeLab(s);
  fs.rmSync(stateDir, { recursive: true, force: true });
});

test('after deploy, map writes and SIGKILL, the restarted daemon runs the same version with its history and map contents', async () => {
  const bytes = new Uint8Array(fs.readFileSync(s!.wasm['swap-counter-v2']));
  const dep = await daemon().client.request('deploy', { port: 'edge', program: { name: 'swap-counter-v2', bytes } }) as { version: number; sha256: string };
  assert.is(dep.version, 2);
  await daemon().client.request('map.set', { port: 'edge', map: 'hits', key: '5', value: '70' });
  await daemon().client.request('map.set', { port: 'edge', map: 'hits', key: '5', value: '77' });
  await daemon().client.request('map.set', { port: 'edge', map: 'hits', key: '6', value: '88' });
  assert.ok(fs.existsSync(path.join(stateDir, 'modules', `${dep.sha256}.wasm`)), 'the module is stored by its hash');

  await restart('SIGKILL');
  const st = await status();
  assert.is(st.program.version, 2);
  assert.is(st.program.name, 'swap-counter-v2');
  assert.is(st.program.sha256, dep.sha256);
  assert.equal(st.versions.map((v) => [v.version, v.name, v.state]), [[1, 'swap-counter-v1', 'previous'], [2, 'swap-counter-v2', 'active']]);
  assert.is(await mapGet('5'), '77', 'the last write of a key wins');
  assert.is(await mapGet('6'), '88');
  assert.match(daemon().log(), /restored from the state directory: v2 running, 2 version\(s\)/);
  assert.match(daemon().log(), /2 of 2 saved map write\(s\) replayed/);

  // The workers really run v2: it counts in slot 2 (v1 would count in slot 1).
  assert.is(await sendFrames(lab, peerNs, veth.peer, [rawFrame(veth)], 200, { gapUs: 100 }), 200);
  await waitFor('v2 to count the frames', async () => (BigInt(await mapGet('2')) >= 200n ? true : undefined));
  assert.is(await mapGet('1'), '0');
});

test('the history survives too: rollback after the restart goes back to v1, and that is kept', async () => {
  const back = await daemon().client.request('rollback', { port: 'edge' }) as { version: number; from: number };
  assert.equal([back.version, back.from], [1, 2]);
  await restart('SIGTERM');
  assert.is((await status()).program.version, 1);
  const next = await daemon().client.request('deploy', { port: 'edge', program: { name: 'swap-counter-v2', bytes: new Uint8Array(fs.readFileSync(s!.wasm['swap-counter-v2'])) } }) as { version: number };
  assert.is(next.version, 3, 'version numbers continue after a restart');
});

test('a corrupt state file is reported and the port starts from the config', async () => {
  await daemon().stop();
  fs.writeFileSync(path.join(stateDir, 'ports', 'edge.json'), '{"format": 1, "port": "edge", "chain": [9');
  s!.daemon = await TestDaemon.start(s!.tmp, config, 30_000, ['--log-format', 'json']);
  const st = await status();
  assert.is(st.program.version, 1);
  assert.equal(st.versions.map((v) => v.version), [1]);
  const line = daemon().log().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).find((l) => l.event === 'state-unusable');
  assert.ok(line, 'an error line about the state file');
  assert.is(line.level, 'error');
  assert.match(line.msg, /edge\.json is corrupt .*move it away to start from the config; starting from the config/);
  // The unusable file is replaced by the state the daemon now runs.
  assert.is(JSON.parse(fs.readFileSync(path.join(stateDir, 'ports', 'edge.json'), 'utf8')).chain.join(), '1');
});

test.run();
