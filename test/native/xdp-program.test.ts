// The XDP program's life on an interface: attached while a port set is open,
// gone after close (and after a crash: it hangs on a bpf_link), refuses to
// replace someone else's program unless forced, replaces a stale one of ours.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import { memoryPages } from '../../host/abi.js';
import { isWasmxdpError } from '../../host/errors.js';
import { BPF_OBJECT_PATH, XskPortSet } from '../../native/index.js';
import { liveSuite } from '../helpers/live.js';
import { NetLab, type Veth } from '../helpers/netns.js';
import { pump, sendFrames } from '../helpers/traffic.js';
import { eth } from '../helpers/packets.js';
import { Batch } from '../../host/batch.js';
import { foreignProgram, xdpOf } from '../helpers/xdp.js';

const test = await liveSuite('native/xdp-program');
const ROOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const newMemory = () => { const p = memoryPages(1); return new WebAssembly.Memory({ initial: p, maximum: p }); };


async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (cond()) return true; await new Promise((r) => setTimeout(r, 20)); }
  return cond();
}

function expectError(fn: () => unknown, code: string, text?: RegExp): void {
  try { fn(); } catch (e) {
    assert.ok(isWasmxdpError(e), `WasmxdpError, got ${e}`);
    assert.is(e.code, code, e.message);
    if (text) assert.match(e.message, text);
    return;
  }
  assert.unreachable(`expected ${code}`);
}

async function withVeth(fn: (lab: NetLab, v: Veth) => Promise<void> | void): Promise<void> {
  const lab = new NetLab();
  try { await fn(lab, lab.addVeth({ peerNs: lab.addNetns() })); } finally { lab.destroy(); }
}

for (const [mode, kernelMode] of [['skb', 2], ['drv', 1]] as const) {
  test(`${mode}: attached while open, nothing left after close`, () => withVeth((lab, v) => {
    const set = XskPortSet.open({ memory: newMemory() });
    set.addPort({ ifname: v.name, mode });
    const x = xdpOf(v.name);
    assert.is(x?.mode, kernelMode);
    assert.is(x?.prog?.name, 'wasmxdp_steer');
    set.close();
    set.close();  // idempotent
    assert.is(xdpOf(v.name), undefined);
    assert.is(lab.ip(null, ['link', 'show', 'dev', v.name]).includes('xdp'), false);
    assert.not.ok(fs.existsSync('/sys/fs/bpf') && fs.readdirSync('/sys/fs/bpf').some((n) => n.includes('wasmxdp')), 'nothing pinned');
    expectError(() => set.receive(1, 0), 'E_SOCKET', /closed/);
  }));
}

test('someone else\'s program: E_XDP_BUSY naming it; replaced only with force', () => withVeth((lab, v) => {
  lab.ip(null, ['link', 'set', 'dev', v.name, 'xdpgeneric', 'obj', foreignProgram(), 'sec', 'xdp']);
  const set = XskPortSet.open({ memory: newMemory() });
  try {
    expectError(() => set.addPort({ ifname: v.name }), 'E_XDP_BUSY', /foreign_pass/);
    assert.is(xdpOf(v.name)?.prog?.name, 'foreign_pass', 'left alone');
    assert.is(set.ports.length, 0);
    set.addPort({ ifname: v.name, force: true });
    assert.is(xdpOf(v.name)?.prog?.name, 'wasmxdp_steer');
  } finally {
    set.close();
  }
  assert.is(xdpOf(v.name), undefined);
}));

test('a stale program of ours (left attached by hand or an old build) is replaced', () => withVeth((lab, v) => {
  lab.ip(null, ['link', 'set', 'dev', v.name, 'xdpgeneric', 'obj', BPF_OBJECT_PATH, 'program', 'wasmxdp_steer']);
  const staleId = (xdpOf(v.name)?.prog as { id?: number } | undefined)?.id;
  const set = XskPortSet.open({ memory: newMemory() });
  try {
    set.addPort({ ifname: v.name, mode: 'drv' });
    const x = xdpOf(v.name) as unknown as { mode: number; prog: { id: number } };
    assert.is(x.mode, 1);
    assert.is.not(x.prog.id, staleId);
  } finally {
    set.close();
  }
  assert.is(xdpOf(v.name), undefined);
}));

test('port sets of one process share the device\'s program (one per queue); a queue taken stays taken', () => withVeth((_lab, v) => {
  const a = XskPortSet.open({ memory: newMemory() });
  const b = XskPortSet.open({ memory: newMemory() });
  try {
    a.addPort({ ifname: v.name, queue: 0 });
    expectError(() => b.addPort({ ifname: v.name, queue: 0 }), 'E_SOCKET', /busy/);
    assert.is(xdpOf(v.name)?.prog?.name, 'wasmxdp_steer');
    a.close();
    assert.is(xdpOf(v.name), undefined, 'detached once the last port set using it closed');
  } finally {
    a.close();
    b.close();
  }
}));

test('a port set in another process gets E_XDP_BUSY while ours holds the device', () => withVeth((_lab, v) => {
  const a = XskPortSet.open({ memory: newMemory() });
  try {
    a.addPort({ ifname: v.name, queue: 0 });
    const r = spawnSync(process.execPath, [path.join(ROOT_DIR, 'bin/wasmxdp.js'), 'run', 'test/pipeline/guests/drop-all.ts', '--iface', v.name, '--duration', '1'],
      { cwd: ROOT_DIR, encoding: 'utf8', timeout: 60000 });
    assert.is(r.status, 1);
    assert.match(r.stderr, /another XDP program|wasmxdp_steer/);
    assert.is(xdpOf(v.name)?.prog?.name, 'wasmxdp_steer', 'ours is untouched');
    // So is our PASS reinjection filter, which the refused one would have shared a handle with.
    assert.match(spawnSync('tc', ['filter', 'show', 'dev', v.name, 'egress'], { encoding: 'utf8' }).stdout, /wasmxdp_reinj_tc/);
  } finally {
    a.close();
  }
}));

test('no such interface: E_NO_SUCH_IFACE; mixed modes on one device refused', () => withVeth((_lab, v) => {
  const set = XskPortSet.open({ memory: newMemory() });
  try {
    expectError(() => set.addPort({ ifname: 'wxnonexist0' }), 'E_NO_SUCH_IFACE', /wxnonexist0/);
    expectError(() => set.addPort({ ifname: 'this-name-is-too-long' }), 'E_CONFIG');
    set.addPort({ ifname: v.name, mode: 'skb' });
    expectError(() => set.addPort({ ifname: v.name, queue: 0 }), 'E_CONFIG', /already exists/);
  } finally {
    set.close();
  }
}));

test('driver mode on a device without native XDP: E_DRIVER_MODE', () => withVeth(() => {
  // The loopback device of this suite's own namespace has no native XDP support.
  const set = XskPortSet.open({ memory: newMemory() });
  try {
    expectError(() => set.addPort({ ifname: 'lo', mode: 'drv' }), 'E_DRIVER_MODE', /skb/);
  } finally {
    set.close();
  }
}));

test('zero-copy on veth (copy-mode only): E_DRIVER_MODE, nothing left attached', () => withVeth((lab, v) => {
  const set = XskPortSet.open({ memory: newMemory() });
  try {
    expectError(() => set.addPort({ ifname: v.name, mode: 'drv', copy: 'zerocopy' }), 'E_DRIVER_MODE', /zero-copy/);
  } finally {
    set.close();
  }
  assert.is(xdpOf(v.name), undefined);
}));

test('the same queue can be bound again right after close, and receives', () => withVeth(async (lab, v) => {
  // The kernel tears a closed socket down asynchronously: the bind is retried on EBUSY.
  const memory = newMemory();
  for (let i = 0; i < 3; i++) {
    const set = XskPortSet.open({ memory });
    try {
      assert.is(set.addPort({ ifname: v.name, mode: i % 2 ? 'drv' : 'skb' }), 0);
      const batch = new Batch();
      set.bindBatch(batch);
      set.receive(0, 0);
      await sendFrames(lab, v.peerNs, v.peer, [eth({ src: v.peerMac, dst: v.mac, type: 0x88b5 }, new Uint8Array(46).fill(i))], 1);
      const r = await pump(set, batch, { until: (n) => n >= 1, timeoutMs: 5000 });
      assert.is(r.received, 1, `round ${i}`);
    } finally {
      set.close();
    }
  }
}));

test('a crashed process leaves no program behind (bpf_link)', () => withVeth(async (lab, v) => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const indexJs = path.resolve(here, '../../native/index.js');
  const script = `import { XskPortSet } from ${JSON.stringify(indexJs)};
    const m = new WebAssembly.Memory({ initial: 600, maximum: 600 });
    const s = XskPortSet.open({ memory: m }); s.addPort({ ifname: ${JSON.stringify(v.name)} });
    console.log('ready'); setTimeout(() => s.close(), 20000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const ready = await new Promise<boolean>((resolve) => {
      child.stdout.on('data', (d) => { if (String(d).includes('ready')) resolve(true); });
      child.on('exit', () => resolve(false));
      setTimeout(() => resolve(false), 10000);
    });
    assert.ok(ready, 'child attached');
    assert.is(xdpOf(v.name)?.prog?.name, 'wasmxdp_steer');
    child.kill('SIGKILL');
    assert.ok(await waitFor(() => xdpOf(v.name) === undefined, 3000), 'detached after SIGKILL');
  } finally {
    child.kill('SIGKILL');
  }
}));

test.run();
