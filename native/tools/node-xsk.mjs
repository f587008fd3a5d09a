#!/usr/bin/env node
// The Node counterpart of xsk-drop: drives XskPortSet directly (no wasm) to
// measure the addon's own cost. Needs `npx tsc` (dist/) and node native/build.mjs.
//   node native/tools/node-xsk.mjs <ifname> [--reflect] [--drv] [--seconds N] [--burst N]
// Prints packets per second each second and a final "total <n> pps <rate>".
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { XskPortSet } = await import(path.join(root, 'dist/native/index.js'));
const { Batch } = await import(path.join(root, 'dist/host/batch.js'));
const { memoryPages } = await import(path.join(root, 'dist/host/abi.js'));

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : dflt; };
const ifname = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.match(/^--(seconds|burst)$/));
if (!ifname) { console.error('usage: node-xsk.mjs <ifname> [--reflect] [--drv] [--seconds N] [--burst N]'); process.exit(2); }
const reflect = args.includes('--reflect');
const seconds = opt('--seconds', 10), burst = opt('--burst', 256);

const pages = memoryPages(1);
const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
const bytes = new Uint8Array(memory.buffer);
const set = XskPortSet.open({ memory });
set.addPort({ ifname, mode: args.includes('--drv') ? 'drv' : 'skb' });
const b = new Batch();
set.bindBatch(b);

const action = reflect ? 3 : 1;
let total = 0, last = 0;
const start = performance.now();
let tick = start;
while (performance.now() - start < seconds * 1000) {
  const n = set.receive(burst, 100);
  for (let i = 0; i < n; i++) {
    const a = b.addr[i];
    if (reflect) {  // swap MACs
      for (let k = 0; k < 6; k++) { const t = bytes[a + k]; bytes[a + k] = bytes[a + 6 + k]; bytes[a + 6 + k] = t; }
    }
    b.action[i] = action; b.outAddr[i] = a; b.outLen[i] = b.len[i];
  }
  if (n) set.apply(n);
  total += n;
  const now = performance.now();
  if (now - tick >= 1000) {
    console.log(`rx ${total} pps ${Math.round((total - last) * 1000 / (now - tick))}`);
    last = total; tick = now;
  }
}
console.log(`total ${total} pps ${Math.round(total * 1000 / (performance.now() - start))}`);
console.log(JSON.stringify({ stats: set.xdpStats(0), frames: set.frames() }));
set.close();
