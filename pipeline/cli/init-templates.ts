// The files `wasmxdp init` writes: a handler project outside this repository
// that depends on wasmxdp, builds with asc and asconfig.json, and tests its
// handler with wasmxdp/testing.

export interface ScaffoldOptions {
  name: string;
  /** npm spec of the wasmxdp dependency. */
  wasmxdp: string;
  /** Versions, pinned to the ones this wasmxdp is built and tested with. */
  assemblyscript: string;
  uvu: string;
}

const HANDLER = `// A wasmxdp packet handler: called for every frame, returns what to do with it.
import { Packet, Verdict, drop, pass, counterAdd } from "wasmxdp";

export const TELNET_PORT: u16 = 23;
export const COUNTER_DROPPED: u32 = 0;

export function handle(pkt: Packet): Verdict {
  const tcp = pkt.tcp();
  if (tcp != null && tcp.dstPort == TELNET_PORT) {   // no telnet from outside
    counterAdd(COUNTER_DROPPED);
    return drop();
  }
  return pass();
}
`;

const TEST = `// Unit tests of handler.ts: frames built with wasmxdp/testing, run through
// the same sandbox as \`wasmxdp run\`.
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { eth, ipv4, ipv6, runHandler, tcp, udp } from 'wasmxdp/testing';

const HANDLER = fileURLToPath(new URL('../handler.ts', import.meta.url));

test('TCP to port 23 is dropped, over IPv4 and tagged IPv6, and counted', async () => {
  const r = await runHandler(HANDLER, [
    eth({}, ipv4({ src: '192.0.2.1', dst: '10.0.0.1' }, tcp({ sport: 40000, dport: 23, flags: 'S' }))),
    eth({ vlan: [100] }, ipv6({ src: '2001:db8::1', dst: '2001:db8::2' }, tcp({ sport: 40000, dport: 23, flags: 'S' }))),
  ]);
  assert.equal(r.verdicts, ['drop', 'drop']);
  assert.is(r.sandbox.counter(0), 2);
});

test('everything else passes unchanged', async () => {
  const frames = [
    eth({}, ipv4({ src: '192.0.2.1', dst: '10.0.0.1' }, udp({ sport: 40000, dport: 53 }, 'query'))),
    eth({}, ipv4({ src: '192.0.2.1', dst: '10.0.0.1' }, tcp({ sport: 40000, dport: 80, flags: 'S' }))),
    eth({}, ipv4({ src: '192.0.2.1', dst: '10.0.0.1' }, udp({ sport: 40000, dport: 23 }, 'not tcp'))),
  ];
  const r = await runHandler(HANDLER, frames);
  assert.equal(r.verdicts, ['pass', 'pass', 'pass']);
  assert.equal(r.frames, frames);
});

test.run();
`;

const README = (name: string, spec: string) => `# ${name}

A [wasmxdp](https://www.npmjs.com/package/wasmxdp) packet handler.

\`\`\`sh
npm install     # wasmxdp (${spec}), AssemblyScript, uvu
npm test        # test/handler.test.js: frames from wasmxdp/testing through handler.ts
npm start       # runs handler.ts over wasmxdp's bundled capture, prints a verdict table
npm run build   # asc handler.ts --config asconfig.json --target release -> build/handler.wasm
\`\`\`

- \`handler.ts\` exports \`handle(pkt: Packet): Verdict\`; the SDK is \`import ... from "wasmxdp"\`
  (node_modules/wasmxdp/guest-sdk/README.md).
- \`asconfig.json\` extends wasmxdp's: the memory layout and the entry the host
  expects come from there, so \`npx asc handler.ts --config asconfig.json\` builds
  a module \`npx wasmxdp run build/handler.wasm --pcap <capture>\` accepts.
- \`tsconfig.json\` lets editors type-check the handler (\`npx tsc -p .\` if TypeScript is installed).
- Run on your own capture: \`npx wasmxdp run handler.ts --pcap my.pcapng\`; live on an
  interface (root): \`npx wasmxdp run handler.ts --iface eth0\`. The live backend is
  built by wasmxdp's install script (Debian: libxdp-dev libbpf-dev clang llvm); if npm
  did not run it (npm 11 asks first: \`npm install-scripts approve wasmxdp\`), run
  \`node node_modules/wasmxdp/native/build.mjs\`.
`;

export function scaffoldFiles(o: ScaffoldOptions): Record<string, string> {
  const pkg = {
    name: o.name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+/, '') || 'handler',
    version: '0.1.0',
    private: true,
    type: 'module',
    scripts: {
      build: 'asc handler.ts --config asconfig.json --target release -o build/handler.wasm',
      test: 'uvu test',
      start: 'wasmxdp run handler.ts --pcap node_modules/wasmxdp/examples/captures/mix.pcapng',
    },
    dependencies: { wasmxdp: o.wasmxdp },
    devDependencies: { assemblyscript: o.assemblyscript, uvu: o.uvu },
  };
  return {
    'package.json': JSON.stringify(pkg, null, 2) + '\n',
    // Resolved through the package's exports, so asc sees its absolute path
    // and finds the transform beside it.
    'asconfig.json': JSON.stringify({ extends: 'wasmxdp/asconfig.json' }, null, 2) + '\n',
    'tsconfig.json': JSON.stringify({ extends: './node_modules/wasmxdp/guest-sdk/tsconfig.json', include: ['./*.ts'] }, null, 2) + '\n',
    'handler.ts': HANDLER,
    'test/handler.test.js': TEST,
    'README.md': README(o.name, o.wasmxdp),
    '.gitignore': 'node_modules/\nbuild/\n',
  };
}
