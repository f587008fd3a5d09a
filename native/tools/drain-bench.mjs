#!/usr/bin/env node
// The addon's own per-frame cost, with the sender out of the way: N frames are
// queued in the RX ring first (nobody receives), then drained by receive() +
// apply() from Node with DROP or reflect (MAC swap + TX), and DROP with the
// per-descriptor tenant id delivered (tenant array bound, a tenant rule
// matching every frame; 'drop' and 'drop+tenant' alternate over `rounds`).
// Creates two namespaces and a veth pair of its own and deletes them on exit.
//   node native/tools/drain-bench.mjs [skb|drv] [frames<=8000] [rounds=1]
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const sh = (...a) => execFileSync('ip', a, { encoding: 'utf8' });

if (!process.env.WX_DRAIN_INNER) {
  const mode = process.argv[2] ?? 'skb', count = process.argv[3] ?? '8000', rounds = process.argv[4] ?? '1';
  const id = `${process.pid}-${Math.random().toString(16).slice(2, 6)}`;
  const rx = `wxt-${id}-rx`, tx = `wxt-${id}-tx`, a = `wxd${id.slice(-4)}a`, b = `wxd${id.slice(-4)}b`;
  try {
    sh('netns', 'add', rx); sh('netns', 'add', tx);
    sh('-n', rx, 'link', 'add', a, 'type', 'veth', 'peer', 'name', b, 'netns', tx);
    sh('-n', rx, 'link', 'set', a, 'up'); sh('-n', tx, 'link', 'set', b, 'up');
    const mac = JSON.parse(sh('-n', rx, '-j', 'link', 'show', a))[0].address;
    spawnSync('ip', ['netns', 'exec', rx, process.execPath, fileURLToPath(import.meta.url), a, tx, b, mac, mode, count, rounds],
      { stdio: 'inherit', env: { ...process.env, WX_DRAIN_INNER: '1' }, timeout: 60000 });
  } finally {
    spawnSync('ip', ['netns', 'del', rx]); spawnSync('ip', ['netns', 'del', tx]);
  }
} else {
  const { XskPortSet } = await import(path.join(root, 'dist/native/index.js'));
  const { Batch } = await import(path.join(root, 'dist/host/batch.js'));
  const { memoryPages } = await import(path.join(root, 'dist/host/abi.js'));
  const [ifname, peerNs, peer, mac, mode, countArg, roundsArg] = process.argv.slice(2);
  const count = Math.min(8000, Number(countArg));
  const pages = memoryPages(1);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  const bytes = new Uint8Array(memory.buffer);
  const frame = mac.replace(/:/g, '') + '020000000001' + '88b5' + '00'.repeat(46);
  const rounds = Math.max(1, Number(roundsArg ?? 1));
  // peek: DROP after reading the EtherType, as any handler reads the frame.
  const pairs = [['drop', 'drop+tenant'], ['peek', 'peek+tenant']];
  const variants = [...Array.from({ length: rounds }, (_, r) => pairs.flatMap((p) => (r % 2 ? [p[1], p[0]] : p))).flat(), 'reflect'];
  let sink = 0;
  const sums = {};
  for (const what of variants) {
    const set = XskPortSet.open({ memory });
    set.addPort({ ifname, mode, rxSize: 8192 });
    const b = new Batch();
    const tenant = what.endsWith('+tenant') ? new Uint16Array(b.addr.length) : undefined;
    set.bindBatch(tenant ? { ...b, tenant } : b);
    set.setTenantSelectors(0, tenant ? [{ tenant: 7 }] : []);
    set.receive(0, 0);
    execFileSync('ip', ['netns', 'exec', peerNs, path.join(root, 'native/build/tools/wx-pkt'), 'send', peer, String(count), '-1', '0', frame]);
    const act = what === 'reflect' ? 3 : 1;
    const peek = what.startsWith('peek');
    let total = 0;
    const t0 = process.hrtime.bigint();
    for (;;) {
      const n = set.receive(256, 0);
      if (!n) break;
      for (let i = 0; i < n; i++) {
        const a = b.addr[i];
        if (peek) sink += bytes[a + 12];
        if (act === 3) for (let k = 0; k < 6; k++) { const x = bytes[a + k]; bytes[a + k] = bytes[a + 6 + k]; bytes[a + 6 + k] = x; }
        b.action[i] = act; b.outAddr[i] = a; b.outLen[i] = b.len[i];
      }
      set.apply(n);
      total += n;
    }
    const ns = Number(process.hrtime.bigint() - t0);
    console.log(`${mode} ${what}: ${total} frames in ${(ns / 1e6).toFixed(2)} ms = ${(total * 1e3 / ns).toFixed(2)} Mpps, ${(ns / total).toFixed(0)} ns/frame`);
    if (tenant && total && tenant[0] !== 7) throw new Error(`tenant id not delivered (got ${tenant[0]})`);
    (sums[what] ??= []).push(ns / total);
    set.close();
  }
  if (rounds > 1) {
    // The first rounds warm up the JIT and the caches: the median of the second half.
    const med = (a) => { const h = a.slice(a.length >> 1).sort((x, y) => x - y); return h[h.length >> 1]; };
    for (const [base, withTenant] of pairs) {
      const d = med(sums[base]), t = med(sums[withTenant]);
      console.log(`${mode} median of rounds ${(rounds >> 1) + 1}-${rounds}: ${base} ${d.toFixed(0)} ns/frame, ${withTenant} ${t.toFixed(0)} ns/frame (+${(t - d).toFixed(0)} ns, x${(t / d).toFixed(2)})`);
    }
    if (sink < 0) console.log(sink);
  }
}
