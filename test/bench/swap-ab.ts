// Hot-swap pauses of two builds, back to back in one lab: each round runs a
// daemon of build A and one of build B (order alternating), floods the port at
// full rate with wx-pkt (steady, unlike trafgen's -b, which sends in bursts
// and leaves most deploys in an idle stretch), deploys drop-all `swaps` times
// in process (no CLI process starting mid-flood) and reads the daemon's swap
// records. Needs root.
//
//   node dist/test/bench/swap-ab.js --a /work/main --b . [--rounds 3] [--swaps 8] [--frames 700000]
//
// Prints, per build, the medians of the records' figures (a build that does
// not record per-step gaps shows n/a there), frames lost with the socket's
// rx_ring_full count, and the load average.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROJECT_ROOT, compileHandlerCached } from '../../host/compile.js';
import { ControlClient } from '../../pipeline/control/client.js';
import { sweepStaleNamespaces } from '../helpers/netns.js';
import { sendFrames } from '../helpers/traffic.js';
import { benchFrame, createLab, exited } from './live/lab.js';

const { values } = parseArgs({ options: { a: { type: 'string' }, b: { type: 'string' }, rounds: { type: 'string' }, swaps: { type: 'string' }, frames: { type: 'string' } } });
if (!values.a || !values.b) { console.error('usage: swap-ab --a <build root> --b <build root> [--rounds n] [--swaps n] [--frames n]'); process.exit(2); }
const builds: Record<string, string> = { A: path.resolve(values.a, 'bin/wasmxdp.js'), B: path.resolve(values.b, 'bin/wasmxdp.js') };
const ROUNDS = Number(values.rounds ?? 3), SWAPS = Number(values.swaps ?? 8), FRAMES = Number(values.frames ?? 700_000);
const STEPS = ['receive', 'plan', 'prepare', 'rehearse', 'switch', 'finish', 'reply'];
const DROP = path.join(PROJECT_ROOT, 'test/bench/guests/drop.ts');

interface Rec { pauseUs: number | null; beforeUs: number | null; afterUs: number | null; blockedUs: number; instantiateUs: number; preparedUs?: number; gapsUs?: (number | null)[] }
interface Port { packets: number; socket?: { rxRingFull: number }; queues: { swaps: Rec[] }[] }

sweepStaleNamespaces();
const l = createLab();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-swap-ab-'));
const bytes = await compileHandlerCached(DROP);
const recs: Record<string, Rec[]> = { A: [], B: [] }, lost: Record<string, string[]> = { A: [], B: [] };
const loads: number[] = [];
try {
  for (let r = 0; r < ROUNDS; r++) {
    for (const b of r % 2 ? ['B', 'A'] : ['A', 'B']) {
      const socket = path.join(dir, `wx-${b}.sock`), config = path.join(dir, `pipeline-${b}.json`);
      fs.writeFileSync(config, JSON.stringify({ socket, ports: [{ name: 'bench', iface: l.veth.name, queue: 0, mode: 'skb', program: { path: DROP, metering: true, health: { packets: 100, ms: 100 } } }] }));
      const daemon = l.lab.spawn(l.rx, process.execPath, [builds[b], 'serve', '--config', config]);
      let client: ControlClient | null = null;
      for (let i = 0; i < 600 && !client; i++) { client = await ControlClient.connect(socket).catch(() => null); if (!client) await sleep(100); }
      try {
        if (!client) throw new Error(`build ${b}: the daemon did not listen`);
        const c = client;
        const port = async () => ((await c.request('stats', { port: 'bench' })) as { ports: Port[] }).ports[0];
        const before = (await port()).packets;
        const sending = sendFrames(l.lab, l.tx, l.veth.peer, [benchFrame(l, 9)], FRAMES, { gapUs: 0 });
        await sleep(500);
        for (let i = 0; i < SWAPS; i++) {
          await c.request('deploy', { port: 'bench', program: { name: 'drop', bytes: new Uint8Array(bytes) } });
          await sleep(150);
        }
        const sent = await sending;
        await sleep(700);
        const s = await port();
        lost[b].push(`${sent - (s.packets - before)} (rx_ring_full ${s.socket?.rxRingFull ?? '?'})`);
        recs[b].push(...s.queues.flatMap((q) => q.swaps));
        loads.push(os.loadavg()[0]);
        process.stderr.write(`# round ${r + 1} build ${b}: pauses ${s.queues.flatMap((q) => q.swaps).map((x) => x.pauseUs).join(' ')}\n`);
      } finally {
        client?.close();
        daemon.kill('SIGTERM');
        if (await Promise.race([exited(daemon), sleep(10_000).then(() => 'timeout' as const)]) === 'timeout') daemon.kill('SIGKILL');
      }
    }
  }
} finally {
  l.lab.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
}

const med = (xs: (number | null | undefined)[]): string => {
  const s = xs.filter((x): x is number => x != null).sort((a, b) => a - b);
  return s.length ? `${s[Math.floor((s.length - 1) / 2)]} (${s[0]}-${s[s.length - 1]}, n=${s.length})` : 'n/a';
};
for (const b of ['A', 'B']) {
  const R = recs[b];
  console.log(`${b} ${values[b.toLowerCase() as 'a' | 'b']}: pauseUs ${med(R.map((x) => x.pauseUs))}; before ${med(R.map((x) => x.beforeUs))}, after ${med(R.map((x) => x.afterUs))}, held ${med(R.map((x) => x.blockedUs))}, instantiate ${med(R.map((x) => x.instantiateUs))}, preparedUs ${med(R.map((x) => x.preparedUs))}`);
  console.log(`  gaps by step: ${STEPS.map((n, i) => `${n} ${med(R.map((x) => x.gapsUs?.[i]))}`).join('; ')}`);
  console.log(`  frames lost per round: ${lost[b].join(', ')}`);
}
console.log(`load average (1 min) over the rounds: ${Math.min(...loads).toFixed(2)}-${Math.max(...loads).toFixed(2)}`);
