// The fleet part's measurements, run in a network namespace of its own (the
// part starts this script; reexecInOwnNetns puts it there): a real etcd and N
// `wasmxdp serve --fleet` daemons on veths, and `wasmxdp fleet deploy`
// alternating two modules. Prints one JSON line: FleetRow[].
import { reexecInOwnNetns } from '../helpers/netns.js';
import { FleetRig } from '../helpers/fleet-rig.js';
import { waitFor } from '../helpers/wait.js';
import type { RolloutResult } from '../../pipeline/fleet/rollout.js';
import { summarize } from './stats.js';
import type { FleetOptions, FleetRow } from './part-fleet.js';

await reexecInOwnNetns();
const o = JSON.parse(process.argv[2]) as FleetOptions;
const log = (s: string) => process.stderr.write(`# ${s}\n`);
const WAL = 'etcd_disk_wal_write_bytes_total';
const rows: FleetRow[] = [];

for (const nodes of o.nodes) {
  const t0 = Date.now();
  const rig = await FleetRig.start({ nodes, guests: ['swap-counter-v1', 'swap-counter-v2'], health: { packets: 0, ms: 0 }, ttl: 10 });
  try {
    log(`fleet: ${nodes} node(s) started in ${Date.now() - t0} ms`);
    await waitFor(`${nodes} nodes registered`, async () => {
      const r = await rig.fleet(['status', '--json']);
      return r.status === 0 && (JSON.parse(r.stdout) as { stages: unknown[] }).stages.length === nodes ? true : undefined;
    }, 60_000, 250);
    // Background writes (lease keepalives, reports) over a quiet second, to set against a rollout's.
    const idle0 = await rig.etcd.metric(WAL);
    await new Promise((r) => setTimeout(r, 1000));
    const idleBytesPerS = await rig.etcd.metric(WAL) - idle0;
    const wall: number[] = [], controller: number[] = [], bytes: number[] = [];
    for (let i = 0; i < o.reps; i++) {
      const guest = i % 2 === 0 ? 'swap-counter-v2' : 'swap-counter-v1';
      const w0 = await rig.etcd.metric(WAL);
      const s = Date.now();
      const r = await rig.fleet(['deploy', rig.wasm[guest], '--port', 'edge', '--canary', '1', '--json'], 180_000);
      const ms = Date.now() - s;
      if (r.status !== 0) throw new Error(`fleet deploy to ${nodes} node(s) failed: ${r.stderr}${r.stdout}`);
      const res = JSON.parse(r.stdout) as RolloutResult;
      if (res.nodes.some((x) => x.result !== 'ok')) throw new Error(`not every node converged: ${r.stdout}`);
      // The nodes' last reports land just after the controller saw them.
      await new Promise((res2) => setTimeout(res2, 300));
      wall.push(ms);
      controller.push(res.ms);
      bytes.push(await rig.etcd.metric(WAL) - w0);
    }
    rows.push({ nodes, wallMs: summarize(wall), controllerMs: summarize(controller), walBytes: summarize(bytes), idleWalBytesPerS: idleBytesPerS });
    log(`fleet: ${nodes} node(s): deploy to all in ${summarize(wall).median} ms (median), ${summarize(bytes).median} WAL bytes per rollout`);
  } finally {
    await rig.destroy();
  }
}
console.log(JSON.stringify(rows));
