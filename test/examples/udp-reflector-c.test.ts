// examples/udp-reflector-c, the C port of examples/udp-reflector built with the
// C SDK (clang --target=wasm32 + wasm-ld): run by the same host, it gives the
// AssemblyScript version's verdicts, output bytes and counters on the bundled
// capture and on hand-made echo requests and non-requests.

import path from 'node:path';
import * as assert from 'uvu/assert';
import { Action } from '../../host/abi.js';
import { PROJECT_ROOT } from '../../host/compile.js';
import { assertAllocationFree, BUNDLED_CAPTURE, bundledFrames } from '../helpers/allocation.js';
import { wasmxdp } from '../helpers/cli.js';
import { runGuest, type RunGuestResult } from '../helpers/guest.js';
import { toolSuite } from '../helpers/tools.js';
import { eth, ipv4, ipv6, tcp, udp } from '../helpers/packets.js';

const C_HANDLER = path.join(PROJECT_ROOT, 'examples/udp-reflector-c');
const AS_HANDLER = path.join(PROJECT_ROOT, 'examples/udp-reflector/handler.ts');
// Without clang and wasm-ld every test is skipped (one line says what to
// install); under WASMXDP_REQUIRE_TOOLS=1 (CI) they fail instead.
const test = toolSuite('examples/udp-reflector-c', ['clang', 'wasm-ld']);

function assertTwins(c: RunGuestResult, as: RunGuestResult, what: string): void {
  assert.is(c.results.length, as.results.length);
  c.results.forEach((r, i) => {
    const a = as.results[i];
    assert.is(r.action, a.action, `${what} frame ${i + 1}: verdict`);
    assert.is(r.target, a.target, `${what} frame ${i + 1}: target`);
    assert.equal(r.bytes, a.bytes, `${what} frame ${i + 1}: output bytes`);
  });
  for (const k of [0, 1]) assert.is(c.sandbox.counter(k), as.sandbox.counter(k), `${what}: counter ${k}`);
  assert.equal(c.stats.verdicts, as.stats.verdicts, `${what}: verdict totals`);
  assert.is(c.stats.traps, 0);
}

test('the bundled capture: same verdicts, bytes and counters as the AssemblyScript reflector', async () => {
  const frames = bundledFrames();
  const quiet = { log: () => {} };
  const [c, as] = [await runGuest(C_HANDLER, frames, quiet), await runGuest(AS_HANDLER, frames, quiet)];
  assertTwins(c, as, 'capture');
  const tx = c.results.filter((r) => r.action === Action.TX).length;
  assert.ok(tx > 100, `reflected ${tx}`);
  console.log(`  mix.pcapng: ${frames.length} frames, ${tx} reflected, C and AssemblyScript identical`);
});

test('echo requests and edge cases: same answers as the AssemblyScript reflector', async () => {
  const A = '02:00:00:00:00:0a', B = '02:00:00:00:00:0b';
  const ok = eth({ src: A, dst: B }, ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, udp({ sport: 40000, dport: 7 }, 'hello')));
  const flipped = ok.slice();
  flipped[flipped.length - 1] ^= 0x20;
  const frames = [
    ok, flipped,
    eth({ src: A, dst: B, vlan: [100, 200] }, ipv4({ src: '192.0.2.1', dst: '192.0.2.2', options: Uint8Array.of(1, 1, 1, 0) }, udp({ sport: 40004, dport: 7 }, new Uint8Array(301).fill(0xab)))),
    eth({ src: A, dst: B }, ipv6({ src: '2001:db8::a', dst: '2001:db8::b', ext: [{ type: 'hop' }, { type: 'dest' }] }, udp({ sport: 40005, dport: 7 }, 'ext headers'))),
    eth({}, ipv6({}, udp({ dport: 7, checksum: 0 }, 'zero checksum is invalid over IPv6'))),
    eth({}, ipv4({}, udp({ sport: 40006, dport: 7, checksum: 0 }, 'none over IPv4'))),
    eth({}, ipv4({ mf: true }, udp({ dport: 7, length: 2000 }, 'first fragment'))),
    eth({}, ipv4({}, tcp({ dport: 7 }, 'tcp to 7'))),
    eth({}, ipv4({}, udp({ sport: 7, dport: 7 }, 'echo to echo'))),
    Uint8Array.of(1, 2, 3),
  ];
  const quiet = { log: () => {} };
  assertTwins(await runGuest(C_HANDLER, frames, quiet), await runGuest(AS_HANDLER, frames, quiet), 'hand-made');
});

test('wasmxdp run --pcap: the C example runs from its directory like the AssemblyScript one', () => {
  const run = (dir: string) => {
    const r = wasmxdp(['run', dir, '--pcap', BUNDLED_CAPTURE, '--json']);
    assert.is(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  const c = run('examples/udp-reflector-c'), as = run('examples/udp-reflector');
  assert.equal(c.verdicts, as.verdicts);
  assert.ok(c.verdicts.tx > 100, JSON.stringify(c.verdicts));
});

test('a million packets: no trap, no allocation (C and AssemblyScript ns/packet)', async () => {
  const frames = bundledFrames();
  const c = await assertAllocationFree(C_HANDLER, frames);
  const as = await assertAllocationFree(AS_HANDLER, frames);
  console.log(`  udp-reflector over the bundled capture: C ${c.toFixed(0)} ns/packet, AssemblyScript ${as.toFixed(0)} ns/packet (C/AS ${(c / as).toFixed(2)})`);
});

test.run();
