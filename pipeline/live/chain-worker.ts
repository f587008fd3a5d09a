// A live chain port worker: one thread per queue, like port-worker.ts, but
// running the port's chain (chain-runner.ts) over each burst. The UMEM is the
// first operator stage's memory (or, on a queue dedicated to a tenant, that
// tenant's first stage's); every other stage runs on copies in its own
// memory. The XDP program classifies each frame and enforces the tenants'
// packet rates; the tenant id arrives with the descriptor. Each stage has its
// own control (hot swap, maps, health) on its own request port.

import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { Action, actionCounts, BATCH_CAPACITY } from '../../host/abi.js';
import { Batch } from '../../host/batch.js';
import { isWasmxdpError } from '../../host/errors.js';
import { XskPortSet, threadCpu } from '../../native/index.js';
import type { TenantSelector } from '../../native/tenants.js';
import { WorkerControl } from './worker-control.js';
import { runBurstLoop, RX_RING } from './burst-loop.js';
import { PortFigures, WorkerInit, WorkerMessage, WorkerStats } from './worker-protocol.js';
import { buildChain } from '../chain/build-chain.js';
import { MapsKeeper } from './maps-keeper.js';
import { stageStats, type ChainFigures, type ChainInit, type StageFigures, type TenantFiguresMsg } from './chain-protocol.js';
import type { ChainStage } from '../chain/stage.js';


function post(m: WorkerMessage): void { parentPort!.postMessage(m); }

/** The kernel selectors of this port, in config order (tenants in order, each one's match[] in order). */
export function kernelSelectors(chain: ChainInit): TenantSelector[] {
  const out: TenantSelector[] = [];
  for (const t of chain.tenants) {
    for (const m of t.config.match) {
      if (m.port !== chain.port) continue;
      out.push({ tenant: t.config.id, dst: m.dst?.text, vlan: m.vlan, proto: m.proto, dport: m.dport });
    }
  }
  return out.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as unknown as TenantSelector);
}

function main(init: WorkerInit): void {
  const chainInit = init.chain!;
  const flags = new Int32Array(init.control);
  const queue = init.ports[0].queue;
  let set: XskPortSet | null = null;
  try {
    const home = chainInit.dedicated[queue];
    const built = buildChain(chainInit.operator, chainInit.tenants, {
      frameSize: init.frameSize, portCount: init.ports.length, homeTenant: home,
      log: (l) => process.stderr.write(l + '\n'),
    });
    const runner = built.runner;
    set = XskPortSet.open({ memory: built.umem, frameSize: init.frameSize });
    for (const p of init.ports) set.addPort({ ifname: p.ifname, queue: p.queue, mode: p.mode, force: p.force, rxSize: RX_RING });
    const rules = kernelSelectors(chainInit);
    const quotas = chainInit.tenants.filter((t) => t.config.quota.pps !== undefined).map((t) => ({ tenant: t.config.id, pps: t.config.quota.pps! }));
    for (const p of set.ports) {
      set.setTenantSelectors(p.index, rules);
      set.setTenantQuotas(p.index, quotas);
    }
    const batch = new Batch();
    const tenantOf = new Uint16Array(BATCH_CAPACITY);
    set.bindBatch({ ...batchArrays(batch), tenant: tenantOf });
    set.receive(0, 0);
    post({ type: 'ready', ports: set.ports.map((p) => ({ ifname: p.ifname, queue: p.queue, mode: p.mode })) });

    const started = Date.now();
    let foreign = 0;
    const keys = new Map<ChainStage, string>();
    const specs = [...chainInit.operator, ...chainInit.tenants.flatMap((t) => t.stages)];
    runner.stages.forEach((s, i) => keys.set(s, specs[i].key));
    const controls = runner.stages.map((s) => new WorkerControl(
      s.sandbox, init.stagePorts?.[keys.get(s)!] as MessagePort | undefined,
      (m) => post(m.type === 'health' ? { ...m, stage: keys.get(s) } : m), () => stageStats(stats(false), keys.get(s)!), 1,
    ));
    runner.stages.forEach((s, i) => { controls[i].onCapture = (req) => s.tap.configure(req); });
    // Each stage's maps are kept across a restart of this worker (live/maps-keeper.ts).
    const keepers = runner.stages.map((s, i) => {
      const sab = init.mapsKeep?.[keys.get(s)!];
      if (!sab) return null;
      const k = new MapsKeeper(sab, s.sandbox.memory);
      controls[i].onMapsRestore = () => k.restore();
      return k;
    });
    const chainFigures = (): ChainFigures => {
      const stages: Record<string, StageFigures> = {};
      runner.stages.forEach((s, i) => {
        stages[keys.get(s)!] = { owner: s.owner, program: s.sandbox.stats.snapshot(), control: controls[i].snapshot(), copy: { ...s.copy }, zeroCopy: runner.zeroCopy(s) };
      });
      const kernel = set!.ports.flatMap((p) => set!.tenantCounters(p.index));
      const tenants: TenantFiguresMsg[] = [...runner.figures].map(([id, f]) => {
        const k = kernel.filter((c) => c.tenant === id);
        const sum = (f2: 'matched' | 'toUser' | 'overQuota' | 'noSocket') => k.reduce((a, c) => a + c[f2], 0);
        return {
          id, name: f.name, packets: f.packets,
          verdicts: actionCounts(f.verdicts),
          kernel: { matched: sum('matched'), toUser: sum('toUser'), overQuota: sum('overQuota'), noSocket: sum('noSocket') },
        };
      });
      return { stages, tenants, foreignOnDedicated: foreign };
    };
    const first = runner.stages[0];
    const stats = (final: boolean): WorkerStats => ({
      type: 'stats', final, uptimeMs: Date.now() - started,
      program: first.sandbox.stats.snapshot(),
      ports: set!.ports.map((p): PortFigures => ({ ifname: p.ifname, queue: p.queue, counters: set!.counters(p.index), socket: set!.xdpStats(p.index), xdp: set!.programStats(p.index) })),
      frames: set!.frames(),
      chain: chainFigures(),
      thread: threadCpu(),
    });

    runBurstLoop({
      set, flags, statsIntervalMs: init.statsIntervalMs, post, stats,
      poll: () => {
        let again = false;
        for (const c of controls) again = c.poll() || again;
        const now = Date.now();
        for (const k of keepers) k?.tick(now);
        return again;
      },
      burst: (n) => {
        // A queue dedicated to a tenant carries only its frames into its memory; anything else is dropped untouched.
        if (home !== undefined) for (let i = 0; i < n; i++) if (tenantOf[i] !== home) { tenantOf[i] = 0xffff; foreign++; }
        for (const c of controls) c.beforeBatch();
        batch.n = n;
        runner.run(batch, tenantOf);
        if (home !== undefined) for (let i = 0; i < n; i++) if (tenantOf[i] === 0xffff) batch.action[i] = Action.DROP;
        for (const c of controls) c.afterBatch();
      },
    });
  } catch (e) {
    post({ type: 'error', code: isWasmxdpError(e) ? e.code : 'E_SOCKET', message: (e as Error).message });
  } finally {
    set?.close();
  }
}

function batchArrays(b: Batch) {
  return { addr: b.addr, len: b.len, port: b.port, queue: b.queue, headroom: b.headroom, tailroom: b.tailroom, action: b.action, target: b.target, outAddr: b.outAddr, outLen: b.outLen };
}

if (parentPort) main(workerData as WorkerInit);
