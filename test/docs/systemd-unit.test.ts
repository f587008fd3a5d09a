// The systemd unit in docs/systemd/wasmxdp.service: systemd-analyze verify
// finds nothing to say about it, docs/operations.md shows it verbatim, and
// the daemon really runs as an unprivileged user holding only the unit's
// capabilities: it attaches a port in a test namespace, judges frames,
// reinjects PASS verdicts, and detaches on SIGTERM.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { compileHandlerCached } from '../../host/compile.js';
import { ROOT } from '../helpers/cli.js';
import { TestDaemon } from '../helpers/daemon.js';
import { liveSuite } from '../helpers/live.js';
import { NetLab, type Veth } from '../helpers/netns.js';
import { sendFrames } from '../helpers/traffic.js';
import { rawFrame, waitFor } from '../pipeline/ops/ops-helpers.js';

const test = await liveSuite('docs: the systemd unit (verify, capabilities instead of root)');

const UNIT = path.join(ROOT, 'docs/systemd/wasmxdp.service');
const unitText = fs.readFileSync(UNIT, 'utf8');
const caps = /^AmbientCapabilities=(.+)$/m.exec(unitText)![1].split(/\s+/);

function missingTool(tool: string, pkg: string): boolean {
  if (spawnSync(tool, ['--version']).error === undefined) return false;
  const hint = `${tool} is not installed (Debian: apt-get install ${pkg})`;
  if (process.env.WASMXDP_REQUIRE_LIVE === '1') throw new Error(`WASMXDP_REQUIRE_LIVE=1 but ${hint}`);
  console.log(`# skipping: ${hint}`);
  return true;
}

const verifyTest = missingTool('systemd-analyze', 'systemd') ? test.skip : test;
verifyTest('systemd-analyze verify: no warning about the unit', () => {
  const r = spawnSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8', timeout: 60_000 });
  // verify exits 0 on warnings it "ignores" (a bad value): any line naming the unit is a failure.
  const about = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.includes('wasmxdp.service'));
  assert.is(r.status, 0, r.stderr);
  assert.equal(about, []);
});

test('docs/operations.md shows the unit file verbatim', () => {
  const doc = fs.readFileSync(path.join(ROOT, 'docs/operations.md'), 'utf8');
  const block = /```ini\n([\s\S]*?)```/.exec(doc);
  assert.ok(block, 'an ```ini block in docs/operations.md');
  assert.is(block![1], unitText);
});

test('the unit grants what AF_XDP needs and no more: no CAP_SYS_ADMIN, bounding set = ambient set', () => {
  assert.equal([...caps].sort(), ['CAP_BPF', 'CAP_IPC_LOCK', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_PERFMON']);
  assert.is(/^CapabilityBoundingSet=(.+)$/m.exec(unitText)![1], caps.join(' '));
  assert.match(unitText, /^RuntimeDirectory=wasmxdp$/m);
  assert.match(unitText, /--socket \/run\/wasmxdp\/wasmxdp\.sock/);
  assert.match(unitText, /^LimitMEMLOCK=infinity$/m);
});

const setpriv = missingTool('setpriv', 'util-linux') ? test.skip : test;
let lab: NetLab | null = null;
let daemon: TestDaemon | null = null;
let tmp = '';
test.after(async () => {
  await daemon?.stop();
  lab?.destroy();
  if (daemon) process.stdout.write(`# daemon log:\n${daemon.log().replace(/^/gm, '#   ')}\n`);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

setpriv('as user nobody with only the unit\'s capabilities: attaches, judges, reinjects PASS, detaches', async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-unit-'));
  fs.chownSync(tmp, 65534, 65534); // the socket is created here by the daemon's user
  const wasm = path.join(tmp, 'pass.wasm');
  fs.writeFileSync(wasm, await compileHandlerCached(path.join(ROOT, 'test/pipeline/guests/trap-on-marker.ts')));
  lab = new NetLab();
  const peerNs = lab.addNetns();
  const veth: Veth = lab.addVeth({ peerNs });
  const capList = caps.map((c) => `+${c.replace(/^CAP_/, '').toLowerCase()}`).join(',');
  daemon = await TestDaemon.start(tmp, { ports: [{ name: 'edge', iface: veth.name, program: { path: wasm } }] }, 30_000, [], [
    'setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', `--inh-caps=-all,${capList}`, `--ambient-caps=-all,${capList}`, `--bounding-set=-all,${capList}`,
  ]);
  const status = fs.readFileSync(`/proc/${daemon.child.pid}/status`, 'utf8');
  assert.match(status, /^Uid:\s+65534\s/m);
  const eff = BigInt(`0x${/^CapEff:\s+([0-9a-f]+)/m.exec(status)![1]}`);
  const NUM: Record<string, number> = { CAP_NET_ADMIN: 12, CAP_NET_RAW: 13, CAP_IPC_LOCK: 14, CAP_PERFMON: 38, CAP_BPF: 39 };
  assert.is(eff, caps.reduce((m, c) => m | (1n << BigInt(NUM[c])), 0n), 'effective capabilities are exactly the unit\'s');

  const N = 300;
  assert.is(await sendFrames(lab, peerNs, veth.peer, [rawFrame(veth)], N, { gapUs: 100 }), N);
  type Stats = { packets: number; verdicts: { pass: number }; applied: { pass: number; passErrors: number } };
  const s = await waitFor('every frame judged', async () => {
    const x = ((await daemon!.client.request('stats')) as { ports: Stats[] }).ports[0];
    return x.packets >= N && x.applied.pass >= N ? x : undefined;
  });
  assert.is(s.verdicts.pass, N);
  assert.is(s.applied.pass, N, 'every PASS reinjected into the stack');
  assert.is(s.applied.passErrors, 0);

  assert.is(await daemon.stop(), 0, 'SIGTERM: a clean exit');
  const link = spawnSync('ip', ['-d', 'link', 'show', 'dev', veth.name], { encoding: 'utf8' }).stdout;
  assert.not.match(link, /prog\/xdp/, 'no XDP program left attached');
});

test.run();
