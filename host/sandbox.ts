// The sandbox: one guest module instantiated on a host-owned, fixed-size memory
// whose layout is ABI v1 (docs/abi.md). It runs a Batch with one wasm call,
// validates every verdict against the host's own descriptors, and survives
// traps by re-creating the instance on the same memory.

import {
  Action, ABI_MAGIC, ABI_VERSION, BATCH_CAPACITY, DEFAULT_FRAME_SIZE, DEFAULT_HEAP_PAGES,
  DESC_OFFSET, DESC_SIZE, FRAME_AREA_OFFSET, FRAME_AREA_SIZE, H_BATCH_CAPACITY, H_BATCH_N,
  H_FRAME_AREA_OFFSET, H_FRAME_AREA_SIZE, H_FRAME_SIZE, H_MAGIC, H_MAPS_OFFSET, H_MAPS_SIZE,
  H_MEMORY_BASE, H_NOW_NS, H_PORT_COUNT, H_SEED, H_VERSION, MAPS_OFFSET, MAPS_SIZE, MAX_HEAP_PAGES,
  MEMORY_BASE, VERDICT_OFFSET, VERDICT_SIZE, memoryPages,
} from './abi.js';
import { Batch } from './batch.js';
import { WasmxdpError } from './errors.js';
import { GuestLog } from './guest-log.js';
import { ProgramStats } from './stats.js';
import { GuestAbort, classifyTrap } from './trap.js';

export type FailVerdict = 'aborted' | 'drop' | 'pass';
const FAIL_ACTION: Record<FailVerdict, Action> = { aborted: Action.ABORTED, drop: Action.DROP, pass: Action.PASS };

export interface SandboxOptions {
  /** Guest heap quota in 64 KiB pages above MEMORY_BASE (default 16 = 1 MiB). */
  heapPages?: number;
  /** Frame size of the frame area: 2048 or 4096. */
  frameSize?: number;
  /** Number of ports a REDIRECT may target. */
  portCount?: number;
  /** Verdict for the packets left in a batch after the one that trapped. */
  failVerdict?: FailVerdict;
  /** An existing memory to run on (shared UMEM, hot swap). Created if absent. */
  memory?: WebAssembly.Memory;
  /** Where guest log lines go (rate-limited). */
  log?: (line: string) => void;
  name?: string;
}

const SENTINEL = 0xffffffff;

export class Sandbox {
  readonly memory: WebAssembly.Memory;
  readonly stats = new ProgramStats();
  readonly name: string;
  readonly frameSize: number;
  readonly portCount: number;
  failVerdict: FailVerdict;
  private u8!: Uint8Array;
  private dv!: DataView;
  private instance!: WebAssembly.Instance;
  private batchFn!: (n: number) => number;
  private readonly guestLog: GuestLog;
  private seed = 0x9e3779b9;

  constructor(readonly module: WebAssembly.Module, opts: SandboxOptions = {}) {
    const heapPages = opts.heapPages ?? DEFAULT_HEAP_PAGES;
    if (!Number.isInteger(heapPages) || heapPages < 1 || heapPages > MAX_HEAP_PAGES) {
      throw new WasmxdpError('E_CONFIG', `heapPages must be an integer from 1 to ${MAX_HEAP_PAGES}, got ${heapPages}`);
    }
    this.frameSize = opts.frameSize ?? DEFAULT_FRAME_SIZE;
    if (this.frameSize !== 2048 && this.frameSize !== 4096) {
      throw new WasmxdpError('E_CONFIG', `frameSize must be 2048 or 4096, got ${this.frameSize}`);
    }
    this.portCount = opts.portCount ?? 1;
    this.failVerdict = opts.failVerdict ?? 'aborted';
    this.name = opts.name ?? 'program';
    const pages = memoryPages(heapPages);
    this.memory = opts.memory ?? new WebAssembly.Memory({ initial: pages, maximum: pages });
    this.guestLog = new GuestLog(this.name, opts.log ?? ((l) => process.stderr.write(l + '\n')));
    this.refreshViews();
    this.writeHeader();
    this.instantiate();
  }

  get frameCount(): number { return FRAME_AREA_SIZE / this.frameSize; }

  /** Absolute address of frame `i` of the frame area. */
  frameAddr(i: number): number { return FRAME_AREA_OFFSET + i * this.frameSize; }

  get bytes(): Uint8Array { return this.u8; }

  private refreshViews(): void {
    this.u8 = new Uint8Array(this.memory.buffer);
    this.dv = new DataView(this.memory.buffer);
  }

  private writeHeader(): void {
    const dv = this.dv;
    dv.setUint32(H_MAGIC, ABI_MAGIC, true);
    dv.setUint32(H_VERSION, ABI_VERSION, true);
    dv.setUint32(H_BATCH_CAPACITY, BATCH_CAPACITY, true);
    dv.setUint32(H_FRAME_SIZE, this.frameSize, true);
    dv.setUint32(H_FRAME_AREA_OFFSET, FRAME_AREA_OFFSET, true);
    dv.setUint32(H_FRAME_AREA_SIZE, FRAME_AREA_SIZE, true);
    dv.setUint32(H_MAPS_OFFSET, MAPS_OFFSET, true);
    dv.setUint32(H_MAPS_SIZE, MAPS_SIZE, true);
    dv.setUint32(H_PORT_COUNT, this.portCount, true);
    dv.setUint32(H_MEMORY_BASE, MEMORY_BASE, true);
  }

  private imports(): WebAssembly.Imports {
    const mem = () => this.u8;
    return {
      env: {
        memory: this.memory,
        abort: (msg: number, file: number, line: number, col: number) => {
          throw new GuestAbort(readAsString(mem(), msg), readAsString(mem(), file), line >>> 0, col >>> 0);
        },
      },
      wx: {
        log: (level: number, ptr: number, len: number) => this.guestLog.write(level, mem(), ptr, len),
      },
    };
  }

  /** (Re-)creates the instance on the same memory; maps and frames are untouched. */
  private instantiate(): void {
    let inst: WebAssembly.Instance;
    try {
      inst = new WebAssembly.Instance(this.module, this.imports());
    } catch (e) {
      throw new WasmxdpError('E_INSTANTIATE', `${this.name}: the module failed to start: ${(e as Error).message}`, { cause: e });
    }
    const ex = inst.exports as Record<string, unknown>;
    if (typeof ex.wx_batch !== 'function') {
      throw new WasmxdpError('E_EXPORT_MISSING', `${this.name}: the module does not export wx_batch(n: i32): i32; build handlers with 'wasmxdp build'`);
    }
    const ver = ex.wx_abi_version as WebAssembly.Global | undefined;
    if (!(ver instanceof WebAssembly.Global) || ver.value !== ABI_VERSION) {
      throw new WasmxdpError('E_ABI_VERSION', `${this.name}: the module's wx_abi_version is ${ver instanceof WebAssembly.Global ? ver.value : 'missing'}, this host speaks ABI ${ABI_VERSION}; rebuild it with this wasmxdp`);
    }
    this.instance = inst;
    this.batchFn = ex.wx_batch as (n: number) => number;
    this.stats.instantiations++;
  }

  /** Runs the guest over `batch` and fills its validated results. */
  run(batch: Batch, nowNs: bigint = process.hrtime.bigint()): void {
    const n = batch.n;
    if (n === 0) return;
    if (this.memory.buffer !== this.u8.buffer) this.refreshViews();
    const dv = this.dv;
    for (let i = 0; i < n; i++) {
      const d = DESC_OFFSET + i * DESC_SIZE;
      dv.setUint32(d, batch.addr[i], true);
      dv.setUint32(d + 4, batch.len[i], true);
      dv.setUint16(d + 8, batch.port[i], true);
      dv.setUint16(d + 10, batch.queue[i], true);
      dv.setUint16(d + 12, batch.headroom[i], true);
      dv.setUint16(d + 14, batch.tailroom[i], true);
      dv.setUint32(VERDICT_OFFSET + i * VERDICT_SIZE, SENTINEL, true);
    }
    this.seed = (Math.imul(this.seed ^ (this.seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    dv.setUint32(H_SEED, this.seed, true);
    dv.setUint32(H_BATCH_N, n, true);
    dv.setBigUint64(H_NOW_NS, nowNs, true);

    let done = n;
    try {
      this.batchFn(n);
    } catch (e) {
      done = this.firstUnanswered(n);
      this.onTrap(e);
    }
    this.collect(batch, done);
    this.stats.batches++;
    this.stats.packets += n;
  }

  private firstUnanswered(n: number): number {
    for (let i = 0; i < n; i++) {
      if (this.dv.getUint32(VERDICT_OFFSET + i * VERDICT_SIZE, true) === SENTINEL) return i;
    }
    return n;
  }

  private onTrap(e: unknown): void {
    const kind = classifyTrap(e);
    const msg = e instanceof Error ? e.message : String(e);
    this.stats.recordTrap(kind, msg);
    this.guestLog.trap(kind, msg);
    if (this.memory.buffer !== this.u8.buffer) this.refreshViews();
    this.instantiate();
  }

  /** Validates the guest's answers for packets [0, done); the rest failed. */
  private collect(batch: Batch, done: number): void {
    const dv = this.dv;
    const st = this.stats.verdicts;
    const n = batch.n;
    for (let i = 0; i < n; i++) {
      let action: number = Action.ABORTED;
      let target = 0;
      let addr = batch.addr[i];
      let len = batch.len[i];
      if (i < done) {
        const r = VERDICT_OFFSET + i * VERDICT_SIZE;
        const v = dv.getUint32(r, true);
        const a = v & 0xff;
        const t = v >>> 8;
        const na = dv.getUint32(r + 4, true);
        const nl = dv.getUint32(r + 8, true);
        const lo = batch.addr[i] - batch.headroom[i];
        const hi = batch.addr[i] + batch.len[i] + batch.tailroom[i];
        const valid = a <= Action.REDIRECT
          && (a !== Action.REDIRECT || t < this.portCount)
          && na >= lo && nl <= hi - na;
        if (valid) { action = a; target = a === Action.REDIRECT ? t : 0; addr = na; len = nl; }
        else this.stats.invalidVerdicts++;
      } else if (i > done) {
        action = FAIL_ACTION[this.failVerdict];
      }
      batch.action[i] = action;
      batch.target[i] = target;
      batch.outAddr[i] = addr;
      batch.outLen[i] = len;
      st[action]++;
    }
  }
}

/** Reads an AssemblyScript string (UTF-16, byte length at ptr - 4) defensively. */
export function readAsString(u8: Uint8Array, ptr: number): string {
  ptr >>>= 0;
  if (ptr < 4 || ptr > u8.length) return '';
  const len = (u8[ptr - 4] | (u8[ptr - 3] << 8) | (u8[ptr - 2] << 16) | (u8[ptr - 1] << 24)) >>> 0;
  const bytes = Math.min(len, 2048, u8.length - ptr) & ~1;
  let s = '';
  for (let i = 0; i < bytes; i += 2) s += String.fromCharCode(u8[ptr + i] | (u8[ptr + i + 1] << 8));
  return s;
}
