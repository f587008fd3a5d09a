// loadNative() and the option checks XskPortSet makes before touching the
// kernel (these need neither root nor a network).
import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { memoryPages } from '../../host/abi.js';
import { isWasmxdpError } from '../../host/errors.js';
import { ADDON_PATH, BPF_OBJECT_PATH, BUILD_HINT, XskPortSet, loadNative, nativeAvailable, threadCpu } from '../../native/index.js';

const test = suite('native/load');

test('the build hint names the Debian packages and the build command', () => {
  assert.match(BUILD_HINT, /libxdp-dev libbpf-dev clang llvm/);
  assert.match(BUILD_HINT, /node native\/build\.mjs/);
});

test('threadCpu: counts the calling thread\'s own CPU time, not time asleep nor another thread\'s', async () => {
  if (!nativeAvailable()) { assert.throws(() => threadCpu(), (e: unknown) => isWasmxdpError(e) && e.code === 'E_NATIVE_UNAVAILABLE'); return; }
  const total = (t: { userUs: number; sysUs: number }) => t.userUs + t.sysUs;
  // Another thread spins while this one sleeps: the process's CPU grows, this thread's does not.
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const spinner = new Worker('const f = new Int32Array(require("node:worker_threads").workerData); Atomics.store(f, 0, 1); const e = Date.now() + 300; while (Date.now() < e) {}', { eval: true, workerData: flag.buffer });
  try {
    while (Atomics.load(flag, 0) === 0) await new Promise((r) => setTimeout(r, 5));
    const p0 = process.cpuUsage(), t0 = total(threadCpu());
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 150);
    const asleep = total(threadCpu()) - t0, proc = process.cpuUsage(p0);
    assert.ok(asleep < 20_000, `asleep 150 ms charged ${asleep} us`);
    assert.ok(proc.user + proc.system > asleep + 30_000, `the process ran ${proc.user + proc.system} us meanwhile`);
  } finally { await spinner.terminate(); }
  // Busy until it has counted 50 ms (a loaded machine gives this thread less than the wall clock).
  const t1 = total(threadCpu()), deadline = performance.now() + 10_000;
  let spins = 0;
  while (total(threadCpu()) - t1 < 50_000 && performance.now() < deadline) spins++;
  assert.ok(total(threadCpu()) - t1 >= 50_000, `10 s busy charged ${total(threadCpu()) - t1} us`);
  assert.ok(spins > 100, 'it counted up in steps, not at once');
});

test('loadNative: the addon when built, else E_NATIVE_UNAVAILABLE with the hint', () => {
  if (fs.existsSync(ADDON_PATH) && fs.existsSync(BPF_OBJECT_PATH)) {
    const a = loadNative();
    assert.type(a.XskSet, 'function');
    assert.is(loadNative(), a, 'loaded once');
    assert.ok(nativeAvailable());
  } else {
    try { loadNative(); assert.unreachable(); } catch (e) {
      assert.ok(isWasmxdpError(e));
      assert.is(e.code, 'E_NATIVE_UNAVAILABLE');
      assert.match(e.message, /native\/build\.mjs/);
    }
    assert.not.ok(nativeAvailable());
  }
});

const mem = () => { const p = memoryPages(1); return new WebAssembly.Memory({ initial: p, maximum: p }); };
const bad: [string, Parameters<typeof XskPortSet.open>[0], string, RegExp][] = [
  ['frame size', { memory: mem(), frameSize: 1024 as 2048 }, 'E_CONFIG', /2048 or 4096/],
  ['headroom below the kernel\'s 256', { memory: mem(), headroom: 128 }, 'E_CONFIG', /headroom/],
  ['unaligned UMEM', { memory: mem(), umemOffset: 100 }, 'E_CONFIG', /page aligned/],
  ['UMEM of partial frames', { memory: mem(), umemSize: 3000 }, 'E_CONFIG', /whole frames/],
  ['UMEM past the memory', { memory: new WebAssembly.Memory({ initial: 2, maximum: 2 }) }, 'E_MEMORY_LAYOUT', /does not contain/],
  ['ring sizes', { memory: mem(), fillSize: 1000 }, 'E_CONFIG', /powers of two/],
];
for (const [what, opts, code, text] of bad) {
  test(`XskPortSet.open refuses: ${what}`, () => {
    try { XskPortSet.open(opts).close(); assert.unreachable(); } catch (e) {
      assert.ok(isWasmxdpError(e), String(e));
      assert.is(e.code, code);
      assert.match(e.message, text);
    }
  });
}

test.run();
