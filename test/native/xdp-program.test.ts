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

const test = await liveSuite('native/xdp-program');

const newMemory = () => { const p = memoryPages(1); return new WebAssembly.Memory({ initial: p, maximum: p }); };

function xdpOf(lab: NetLab, dev: string): { mode: number; prog?: { name: string } } | undefined {
  return JSON.parse(lab.ip(null, ['-j', 'link', 'show', 'dev', dev]))[0].xdp;
}

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

let foreignObj = '';
function foreignProgram(): string {
  if (foreignObj) return foreignObj;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-foreign-'));
  fs.writeFileSync(path.join(dir, 'f.c'), '#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n' +
    'SEC("xdp") int foreign_pass(struct xdp_md *ctx) { return XDP_PASS; }\nchar _license[] SEC("license") = "GPL";\n');
  const arch = spawnSync('gcc', ['-dumpmachine'], { encoding: 'utf8' }).stdout.trim() || 'x86_64-linux-gnu';
  const r = spawnSync('clang', ['-O2', '-target', 'bpf', `-I/usr/include/${arch}`, '-c', path.join(dir, 'f.c'), '-o', path.join(dir, 'f.o')], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return (foreignObj = path.join(dir, 'f.o'));
}

async function withVeth(fn: (lab: NetLab, v: Veth) => Promise<void> | void): Promise<void> {
  const lab = new NetLab();
  try { await fn(lab, lab.addVeth({ peerNs: lab.addNetns() })); } finally { lab.destroy(); }
}

for (const [mode, kernelMode] of [['skb', 2], ['drv', 1]] as const) {
  test(`${mode}: attached while open, nothing left after close`, () => withVeth((lab, v) => {
    const set = XskPortSet.open({ memory: newMemory() });
    set.addPort({ ifname: v.name, mode });
    const x = xdpOf(lab, v.name);
    assert.is(x?.mode, kernelMode);
    assert.is(x?.prog?.name, 'wasmxdp_steer');
    set.close();
    set.close();  // idempotent
    assert.is(xdpOf(lab, v.name), undefined);
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
    assert.is(xdpOf(lab, v.name)?.prog?.name, 'foreign_pass', 'left alone');
    assert.is(set.ports.length, 0);
    set.addPort({ ifname: v.name, force: true });
    assert.is(xdpOf(lab, v.name)?.prog?.name, 'wasmxdp_steer');
  } finally {
    set.close();
  }
  assert.is(xdpOf(lab, v.name), undefined);
}));

test('a stale program of ours (left attached by hand or an old build) is replaced', () => withVeth((lab, v) => {
  lab.ip(null, ['link', 'set', 'dev', v.name, 'xdpgeneric', 'obj', BPF_OBJECT_PATH, 'program', 'wasmxdp_steer']);
  const staleId = (xdpOf(lab, v.name)?.prog as { id?: number } | undefined)?.id;
  const set = XskPortSet.open({ memory: newMemory() });
  try {
    set.addPort({ ifname: v.name, mode: 'drv' });
    const x = xdpOf(lab, v.name) as unknown as { mode: number; prog: { id: number } };
    assert.is(x.mode, 1);
    assert.is.not(x.prog.id, staleId);
  } finally {
    set.close();
  }
  assert.is(xdpOf(lab, v.name), undefined);
}));

test('a second port set on an interface held by a running one gets E_XDP_BUSY', () => withVeth((lab, v) => {
  const a = XskPortSet.open({ memory: newMemory() });
  const b = XskPortSet.open({ memory: newMemory() });
  try {
    a.addPort({ ifname: v.name });
    expectError(() => b.addPort({ ifname: v.name, queue: 0 }), 'E_XDP_BUSY');
    assert.is(xdpOf(lab, v.name)?.prog?.name, 'wasmxdp_steer');
  } finally {
    a.close();
    b.close();
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
  assert.is(xdpOf(lab, v.name), undefined);
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
    assert.is(xdpOf(lab, v.name)?.prog?.name, 'wasmxdp_steer');
    child.kill('SIGKILL');
    assert.ok(await waitFor(() => xdpOf(lab, v.name) === undefined, 3000), 'detached after SIGKILL');
  } finally {
    child.kill('SIGKILL');
  }
}));

test.run();
