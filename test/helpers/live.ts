// Decides whether live AF_XDP tests can run here (root or the capabilities,
// AF_XDP in the kernel, iproute2, the addon and the test tools built) and gives
// live suites their uvu suite:
//   - all there: the suite runs inside a namespace of its own (re-exec, see
//     netns.ts), so nothing it does reaches the machine's interfaces;
//   - something missing: every test is registered as skipped and the reason is
//     printed, unless WASMXDP_REQUIRE_LIVE=1, where the suite FAILS with it
//     (skip.ts, shared with the suites that need outside tools).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { suite, type Test } from 'uvu';
import { FRAME_AREA_OFFSET, memoryPages } from '../../host/abi.js';
import { NATIVE_DIR, XskPortSet, nativeAvailable, loadNative } from '../../native/index.js';
import { reexecInOwnNetns } from './netns.js';
import { unavailableSuite } from './skip.js';

export const WX_PKT = path.join(NATIVE_DIR, 'build/tools/wx-pkt');

const CAP_NET_ADMIN = 12, CAP_NET_RAW = 13, CAP_IPC_LOCK = 14, CAP_SYS_ADMIN = 21, CAP_PERFMON = 38, CAP_BPF = 39;

function effectiveCaps(): bigint {
  const m = /^CapEff:\s*([0-9a-f]+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? BigInt('0x' + m[1]) : 0n;
}

let cachedReason: string | null | undefined;

/** null when live tests can run, else why not. */
export function liveUnavailableReason(): string | null {
  if (cachedReason !== undefined) return cachedReason;
  cachedReason = (() => {
    if (process.platform !== 'linux') return 'AF_XDP needs Linux';
    const caps = effectiveCaps();
    const has = (c: number) => (caps >> BigInt(c)) & 1n;
    const missing = [
      !has(CAP_NET_RAW) && 'CAP_NET_RAW',
      !has(CAP_NET_ADMIN) && 'CAP_NET_ADMIN',
      !has(CAP_BPF) && !has(CAP_SYS_ADMIN) && 'CAP_BPF',
      !has(CAP_PERFMON) && !has(CAP_SYS_ADMIN) && 'CAP_PERFMON',
      !has(CAP_IPC_LOCK) && 'CAP_IPC_LOCK',
    ].filter(Boolean);
    if (missing.length) return `live AF_XDP tests need root (missing ${missing.join(', ')})`;
    if (spawnSync('ip', ['-V']).status !== 0) return 'iproute2 (`ip`) is not installed';
    if (!nativeAvailable()) {
      try { loadNative(); } catch (e) { return (e as Error).message; }
    }
    if (!fs.existsSync(WX_PKT)) return `test tool ${WX_PKT} is not built: run node native/build.mjs`;
    // A UMEM needs a working AF_XDP socket: the cheapest complete probe.
    try {
      const pages = memoryPages(1);
      const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
      XskPortSet.open({ memory, umemOffset: FRAME_AREA_OFFSET, umemSize: 64 * 2048 }).close();
    } catch (e) {
      return `AF_XDP is not usable here: ${(e as Error).message}`;
    }
    return null;
  })();
  return cachedReason;
}

/**
 * The uvu suite for a live test file. Call with top-level await before
 * registering tests; when live tests can run, the process continues inside its
 * own network namespace.
 */
export async function liveSuite<T = Record<string, never>>(name: string, context?: T): Promise<Test<T>> {
  const reason = liveUnavailableReason();
  if (reason === null) {
    await reexecInOwnNetns();
    return suite<T>(name, context);
  }
  return unavailableSuite<T>(name, reason, 'WASMXDP_REQUIRE_LIVE', context);
}
