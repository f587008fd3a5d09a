// Finds and loads the compiled addon and the XDP object built by
// native/build.mjs. Everything else in native/ goes through loadNative().
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WasmxdpError } from '../host/errors.js';
import type { TenantLimits } from './tenants.js';

/** The raw addon surface; use XskPortSet instead. */
export interface NativeXskSet {
  addPort(opts: object): number;
  bindBatch(batch: object): void;
  receive(max: number, timeoutMs: number, applyFirst?: number): number;
  apply(n: number): void;
  xdpStats(port: number): Record<string, number>;
  counters(port: number): Record<string, number>;
  programStats(port: number): number[];
  frames(): Record<string, number>;
  linkError(port: number): number;
  setTenantSelectors(port: number, rules: object[], prefixes: object[], any: number[], vlans: object[]): void;
  setTenantQuotas(port: number, intervalNs: Float64Array, tauNs: Float64Array): void;
  tenantStats(port: number): Float64Array;
  close(): void;
}
export interface NativeAddon {
  XskSet: new (memoryBytes: Uint8Array, opts: object) => NativeXskSet;
  /** Limits and encodings of native/bpf/tenant.h. */
  tenantLimits: TenantLimits;
  /** [user, system] CPU microseconds of the calling thread (getrusage RUSAGE_THREAD). */
  threadCpu(): Float64Array;
}

// This file runs from dist/native/ (compiled) or native/ (sources); the build
// outputs always live in <repo>/native/build.
function nativeDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'native');
    dir = path.dirname(dir);
  }
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../native');
}

export const NATIVE_DIR = nativeDir();
export const ADDON_PATH = path.join(NATIVE_DIR, 'build/Release/wasmxdp.node');
export const BPF_OBJECT_PATH = path.join(NATIVE_DIR, 'build/bpf/wasmxdp_kern.o');
export const XSK_DROP_TOOL = path.join(NATIVE_DIR, 'build/tools/xsk-drop');
export const BUILD_HINT =
  'build it with `node native/build.mjs` (needs the Debian packages libxdp-dev libbpf-dev clang llvm)';

let cached: NativeAddon | undefined;

/** Loads the addon; throws E_NATIVE_UNAVAILABLE with the build hint when it is absent. */
export function loadNative(): NativeAddon {
  if (cached) return cached;
  if (!fs.existsSync(ADDON_PATH)) {
    throw new WasmxdpError('E_NATIVE_UNAVAILABLE', `the AF_XDP addon is not built (${ADDON_PATH} is missing): ${BUILD_HINT}`);
  }
  if (!fs.existsSync(BPF_OBJECT_PATH)) {
    throw new WasmxdpError('E_NATIVE_UNAVAILABLE', `the XDP program is not built (${BPF_OBJECT_PATH} is missing): ${BUILD_HINT}`);
  }
  try {
    cached = createRequire(import.meta.url)(ADDON_PATH) as NativeAddon;
  } catch (e) {
    throw new WasmxdpError('E_NATIVE_UNAVAILABLE', `the AF_XDP addon failed to load (${(e as Error).message}): rebuild it; ${BUILD_HINT}`, { cause: e });
  }
  return cached;
}

/** True when loadNative() would succeed. */
export function nativeAvailable(): boolean {
  try {
    loadNative();
    return true;
  } catch {
    return false;
  }
}
