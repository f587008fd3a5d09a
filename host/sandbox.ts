// The sandbox: one guest module instantiated on a host-owned, fixed-size memory
// whose layout is ABI v1 (docs/abi.md). It runs a Batch with one wasm call,
// validates every verdict against the host's own descriptors, survives traps
// by re-creating the instance on the same memory, and quarantines a program
// that keeps trapping. docs/sandbox.md describes the guarantees.

import {
  Action, ABI_VERSION, BATCH_CAPACITY, COUNTERS_COUNT, COUNTERS_OFFSET, DEFAULT_FRAME_SIZE, DESC_OFFSET, DEFAULT_HEAP_PAGES,
  FRAME_AREA_OFFSET, FRAME_AREA_SIZE, H_BATCH_N, H_NOW_NS, H_SEED, MAX_HEAP_PAGES, PAGE_SIZE, TARGET_MAX, VERDICT_OFFSET, VERDICT_SENTINEL,
  VERDICT_SIZE, VERDICT_WORD, checkFrameSize, memoryPages,
} from './abi.js';
import { performance } from 'node:perf_hooks';
import { Batch } from './batch.js';
import { batchCheck, GuestWindow } from './batch-check.js';
import { WasmxdpError } from './errors.js';
import { FailVerdict, inRange, isChoice, MAX_FUEL, OPTIONS, rangeText } from './options.js';
import { GuestLog } from './guest-log.js';
import { headerWords } from './header.js';
import { FUEL_GLOBAL_EXPORT, METERED_BATCH_EXPORT } from './host-functions.js';
import { checkHeapPages, LoadedModule } from './load.js';
import { MapDeclareImport, mapDeclareImport } from './maps/import.js';
import { Quarantine, QuarantinePolicy } from './quarantine.js';
import { ProgramStats } from './stats.js';
import { GuestAbort, TrapKind, classifyTrap, describeTrap, readAsString } from './trap.js';
import { answer } from './verdicts.js';

export { FAIL_VERDICTS, type FailVerdict } from './options.js';
const FAIL_ACTION: Record<FailVerdict, Action> = { aborted: Action.ABORTED, drop: Action.DROP, pass: Action.PASS };

export const DEFAULT_FUEL_PER_PACKET = OPTIONS.fuelPerPacket.default;

// The packet path writes descriptors and reads verdicts as u32 words of a
// Uint32Array, which has the host's byte order; wasm memory is little-endian.
if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) throw new Error('wasmxdp needs a little-endian host');

// Word indexes of the control block.
const W_SEED = H_SEED >>> 2, W_BATCH_N = H_BATCH_N >>> 2, W_NOW_LO = H_NOW_NS >>> 2, W_NOW_HI = W_NOW_LO + 1;
const REC_WORDS = VERDICT_SIZE >>> 2, REC_WORD0 = (VERDICT_OFFSET + VERDICT_WORD) >>> 2, DESC0 = DESC_OFFSET >>> 2;
/** 2^32, to split a u64 held in a double into words. */
const U32 = 0x100000000;
/**
 * process.hrtime.bigint() = performance.now() * 1e6 + HRTIME_OFFSET_NS (both
 * read the same monotonic clock): the batch time is taken from the one clock
 * read a batch needs anyway, with no BigInt allocated.
 */
const HRTIME_OFFSET_NS = Number(process.hrtime.bigint()) - Math.round(performance.now() * 1e6);
export const DEFAULT_MAX_RERUNS = 4;

export interface SandboxOptions {
  /** Guest heap quota in 64 KiB pages above MEMORY_BASE (default: the loaded module's, else 16 = 1 MiB). */
  heapPages?: number;
  /** Operator's ceiling for heapPages (default MAX_HEAP_PAGES). */
  maxHeapPages?: number;
  /** Frame size of the frame area: 2048 or 4096. */
  frameSize?: number;
  /** Number of ports a REDIRECT may target. */
  portCount?: number;
  /** Verdict for packets the guest gave no answer for (see FailVerdict). */
  failVerdict?: FailVerdict;
  /** Fuel units (about one wasm instruction each) per packet; a batch of n gets n times this. Metered modules only. */
  fuelPerPacket?: number;
  /** Ceiling on the fuel of one guest call, whatever the batch size (a tenant's CPU share per batch). */
  maxFuelPerBatch?: number;
  /**
   * After a trap, the packets behind the trapping one are re-run on the fresh
   * instance, at most this many times per batch (default 4); packets still
   * unanswered after that get the fail verdict. 0: never re-run.
   */
  maxRerunsPerBatch?: number;
  /** When to stop calling a program that keeps trapping; false: never. */
  quarantine?: QuarantinePolicy | false;
  /** An existing memory to run on (shared UMEM, hot swap). Created if absent. */
  memory?: WebAssembly.Memory;
  /** Where guest log lines go (rate-limited). */
  log?: (line: string) => void;
  name?: string;
  /** Version number of the program (control plane), shown with the name in log lines and errors. */
  version?: number;
  /**
   * When wx.map_declare works: 'start' (default) only while the module starts,
   * -EPERM afterwards; 'always' for test harnesses that drive the SDK's
   * declarations step by step. Never 'always' for an untrusted guest.
   */
  mapDeclare?: 'start' | 'always';
}

/** Who runs after a redeploy: log lines and errors name it from then on. */
export interface ProgramIdentity { name?: string; version?: number }

/** A program ready to be switched to (Sandbox.prepare, then commit). */
export interface PreparedProgram {
  readonly mod: WebAssembly.Module;
  readonly name: string;
  readonly version: number | null;
  /** The guest log's prefix for it, made before the switch (escaping the name is cold code). */
  readonly logPrefix: string;
  /** Its instance on the sandbox's scratch memory, until rehearse() has run a batch on it. */
  scratchExports: Record<string, unknown> | null;
}

/** warm()'s own memory and imports, and a one-packet batch to hand its rehearsal a frame. */
interface ScratchSpace {
  memory: WebAssembly.Memory;
  imports: WebAssembly.Imports;
  u8: Uint8Array;
  u32: Uint32Array;
  window: GuestWindow;
  batch: Batch;
}

/** What wx.map_declare returns once the module has started: -EPERM. */
export const MAP_DECLARE_AFTER_START = -1;

export class Sandbox {
  readonly memory: WebAssembly.Memory;
  readonly stats = new ProgramStats();
  /** performance.now() when the last run() with packets ended: the batch end for callers, without a clock read of their own. */
  lastRunEndMs = 0;
  private programName: string;
  private programVersion: number | null;
  readonly frameSize: number;
  readonly portCount: number;
  readonly heapPages: number;
  failVerdict: FailVerdict;
  fuelPerPacket: number;
  maxFuelPerBatch: number;
  maxRerunsPerBatch: number;
  /** null when quarantine is disabled. */
  readonly quarantine: Quarantine | null;
  private mod: WebAssembly.Module;
  private u8!: Uint8Array;
  private u32!: Uint32Array;
  private dv!: DataView;
  /** The guest memory's side of the batch check's copies. */
  private window!: GuestWindow;
  /** The static ABI header, copied in before every batch. */
  private readonly header: Uint32Array;
  private batchFn!: (n: number) => number;
  /** Metering's entry: sets the fuel counter, then runs wx_batch. */
  private meteredFn: ((n: number, fuel: number) => number) | null = null;
  private fuel: WebAssembly.Global | null = null;
  private readonly guestLog: GuestLog;
  private readonly importObject: WebAssembly.Imports;
  private seed = 0x9e3779b9;
  /** True while an instance is being created (its start function runs). */
  private starting = false;
  /** Set when the module cannot be re-instantiated: quarantined regardless of policy. */
  private broken: string | null = null;
  /** warm()'s memory, made on first use. */
  private scratch: ScratchSpace | null = null;

  constructor(module: WebAssembly.Module | LoadedModule, opts: SandboxOptions = {}) {
    this.programName = opts.name ?? 'program';
    this.programVersion = opts.version ?? null;
    const loaded = module instanceof WebAssembly.Module ? null : module;
    this.heapPages = opts.heapPages ?? loaded?.heapPages ?? DEFAULT_HEAP_PAGES;
    checkHeapPages(this.heapPages, opts.maxHeapPages ?? MAX_HEAP_PAGES);
    if (loaded) this.checkLoadedFor(loaded);
    this.frameSize = opts.frameSize ?? DEFAULT_FRAME_SIZE;
    checkFrameSize(this.frameSize);
    this.portCount = opts.portCount ?? 1;
    if (!Number.isInteger(this.portCount) || this.portCount < 1 || this.portCount > TARGET_MAX) {
      throw new WasmxdpError('E_CONFIG', `portCount must be an integer from 1 to ${TARGET_MAX}, got ${this.portCount}`);
    }
    this.failVerdict = opts.failVerdict ?? OPTIONS.failVerdict.default;
    if (!isChoice(OPTIONS.failVerdict, this.failVerdict)) {
      throw new WasmxdpError('E_CONFIG', `failVerdict must be one of ${OPTIONS.failVerdict.values.join(', ')}, got '${this.failVerdict}'`);
    }
    this.fuelPerPacket = opts.fuelPerPacket ?? DEFAULT_FUEL_PER_PACKET;
    if (!inRange(OPTIONS.fuelPerPacket, this.fuelPerPacket)) {
      throw new WasmxdpError('E_CONFIG', `fuelPerPacket must be an integer ${rangeText(OPTIONS.fuelPerPacket)}, got ${this.fuelPerPacket}`);
    }
    this.maxFuelPerBatch = opts.maxFuelPerBatch ?? MAX_FUEL;
    if (!Number.isInteger(this.maxFuelPerBatch) || this.maxFuelPerBatch < 1 || this.maxFuelPerBatch > MAX_FUEL) {
      throw new WasmxdpError('E_CONFIG', `maxFuelPerBatch must be an integer from 1 to ${MAX_FUEL}, got ${this.maxFuelPerBatch}`);
    }
    this.maxRerunsPerBatch = opts.maxRerunsPerBatch ?? DEFAULT_MAX_RERUNS;
    if (!Number.isInteger(this.maxRerunsPerBatch) || this.maxRerunsPerBatch < 0) {
      throw new WasmxdpError('E_CONFIG', `maxRerunsPerBatch must be a non-negative integer, got ${this.maxRerunsPerBatch}`);
    }
    this.quarantine = opts.quarantine === false ? null : new Quarantine(opts.quarantine ?? {});
    const pages = memoryPages(this.heapPages);
    if (opts.memory && opts.memory.buffer.byteLength !== pages * PAGE_SIZE) {
      throw new WasmxdpError('E_CONFIG', `the memory given has ${opts.memory.buffer.byteLength / PAGE_SIZE} pages, heapPages ${this.heapPages} needs exactly ${pages}`);
    }
    this.memory = opts.memory ?? new WebAssembly.Memory({ initial: pages, maximum: pages });
    this.guestLog = new GuestLog(this.label, opts.log ?? ((l) => process.stderr.write(l + '\n')));
    this.importObject = this.imports(opts.mapDeclare === 'always');
    this.mod = loaded ? loaded.module : (module as WebAssembly.Module);
    this.refreshViews();
    this.header = headerWords(this.frameSize, this.portCount);
    this.u32.set(this.header);
    this.instantiate();
  }

  get module(): WebAssembly.Module { return this.mod; }

  /** The running program's name. */
  get name(): string { return this.programName; }

  /** The running program's version, when the control plane gave one. */
  get version(): number | null { return this.programVersion; }

  /** Name and version, as log lines and errors show them ("firewall v3"). */
  get label(): string { return this.programVersion === null ? this.programName : `${this.programName} v${this.programVersion}`; }

  get frameCount(): number { return FRAME_AREA_SIZE / this.frameSize; }

  /** Absolute address of frame `i` of the frame area. */
  frameAddr(i: number): number { return FRAME_AREA_OFFSET + i * this.frameSize; }

  get bytes(): Uint8Array { return this.u8; }

  /** True when the running module carries the fuel instrumentation. */
  get metered(): boolean { return this.fuel !== null; }

  get quarantined(): boolean { return this.broken !== null || (this.quarantine?.active ?? false); }

  /** 'running' or 'quarantined: <why>'. */
  status(): string {
    if (this.quarantine?.active) return this.quarantine.status();
    return this.broken !== null ? `quarantined: ${this.broken}` : 'running';
  }

  /**
   * Replaces the program (hot swap at a batch boundary): the new module is
   * instantiated on the same memory, maps and frames untouched, and a
   * quarantine is lifted. On failure the old instance keeps running.
   */
  redeploy(module: WebAssembly.Module | LoadedModule, as: ProgramIdentity = {}): void {
    this.commit(this.identify(module, as));
  }

  /**
   * The part of a redeploy that can run before the switch: checks, the new
   * name's log prefix, and the first half of warm() (rehearse() is the
   * second). Touches nothing of the running program.
   */
  prepare(module: WebAssembly.Module | LoadedModule, as: ProgramIdentity = {}): PreparedProgram {
    const p = this.identify(module, as);
    p.scratchExports = this.instantiateScratch(p.mod);
    return p;
  }

  private identify(module: WebAssembly.Module | LoadedModule, as: ProgramIdentity): PreparedProgram {
    if (!(module instanceof WebAssembly.Module)) this.checkLoadedFor(module);
    const mod = module instanceof WebAssembly.Module ? module : module.module;
    const name = as.name ?? this.programName;
    const version = as.version ?? (as.name !== undefined ? null : this.programVersion);
    const label = version === null ? name : `${name} v${version}`;
    return { mod, name, version, logPrefix: GuestLog.prefixFor(label), scratchExports: null };
  }

  /**
   * The rest of warm() for a prepared program: its first batch, on the
   * scratch memory (a hot swap gives it a gap of its own).
   */
  rehearse(p: PreparedProgram): void {
    this.rehearse1(p.scratchExports);
    p.scratchExports = null;
  }

  /** The switch: instantiates a prepared program on the memory (see redeploy()). */
  commit(p: PreparedProgram): void {
    const was = { mod: this.mod, name: this.programName, version: this.programVersion };
    // Errors of the attempt name the version being deployed, not the running one.
    this.programName = p.name;
    this.programVersion = p.version;
    this.mod = p.mod;
    try {
      this.instantiate();
    } catch (e) {
      this.mod = was.mod;
      this.programName = was.name;
      this.programVersion = was.version;
      throw e;
    }
    this.guestLog.renameTo(p.logPrefix);
    this.quarantine?.clear();
    this.broken = null;
    this.stats.quarantined = false;
    this.stats.status = 'running';
  }

  /**
   * Instantiates `module` once on a scratch memory of the same shape and runs
   * the path a burst takes through it, then drops the instance, so that the
   * redeploy() and the first batch that follow are quick. A module's first
   * instance in a thread pays V8's per-thread setup (on these machines a
   * redeploy of a module new to the thread took 22 us for drop-all and 72 us
   * for the firewall, 8 and 21 us after warm()), its exports object builds
   * the JS-to-wasm wrappers on first access, and its functions are compiled
   * lazily on their first call (the first batch of a new instance took 20 us
   * where the next took 4): all of that is paid here, off the switch.
   *
   * Touches nothing of the running program: the scratch memory is its own
   * (made once and reused: a second memory of the sandbox's size per thread
   * that ever swaps), and so are the scratch imports (a log that writes
   * nothing, maps declared in the scratch memory). A metered module also
   * judges one frame there: a copy of the frame the running program's last
   * batch started with (the kernel may be refilling it: a torn copy is only
   * a different frame), under one packet's fuel, so that the functions a
   * real frame reaches are compiled. An unmetered module is not called: it
   * has no CPU bound, and a warm-up must not be able to hold the data path
   * longer than its own batch would. Best effort: a module that fails here
   * fails again, with its error, in redeploy().
   */
  warm(module: WebAssembly.Module | LoadedModule): void {
    const mod = module instanceof WebAssembly.Module ? module : module.module;
    this.rehearse1(this.instantiateScratch(mod));
  }

  /**
   * warm()'s first half: the instance on the scratch memory, its exports read
   * as instantiate() reads them. Null when it does not start (redeploy() says why).
   */
  private instantiateScratch(mod: WebAssembly.Module): Record<string, unknown> | null {
    try {
      const ex = new WebAssembly.Instance(mod, this.scratchSpace().imports).exports as Record<string, unknown>;
      // The exports instantiate() reads: their first reads make V8's wrappers.
      const ver = ex.wx_abi_version;
      if (typeof ex.wx_batch !== 'function' || !(ver instanceof WebAssembly.Global) || ver.value !== ABI_VERSION) return null;
      void ex[FUEL_GLOBAL_EXPORT];
      void ex[METERED_BATCH_EXPORT];
      return ex;
    } catch {
      return null;
    }
  }

  /** warm()'s second half: one frame judged on the scratch memory (a metered module only). */
  private rehearse1(ex: Record<string, unknown> | null): void {
    if (ex === null) return;
    const batchFn = ex.wx_batch, fuel = ex[FUEL_GLOBAL_EXPORT], metered = ex[METERED_BATCH_EXPORT];
    if (typeof batchFn !== 'function' || !(fuel instanceof WebAssembly.Global)) return;
    const scratch = this.scratchSpace();
    const w = scratch.u32;
    if (this.u32.length === 0) this.refreshViews();
    w.set(this.header);
    // The running program's first descriptor, checked: the guest may have written anything there.
    const real = this.u32;
    let addr = real[DESC0] >>> 0, len = real[DESC0 + 1] >>> 0;
    if (addr < FRAME_AREA_OFFSET || addr >= FRAME_AREA_OFFSET + FRAME_AREA_SIZE || len === 0 || (addr - FRAME_AREA_OFFSET) % this.frameSize + len > this.frameSize) {
      addr = FRAME_AREA_OFFSET;
      len = 60;
    }
    scratch.u8.set(this.u8.subarray(addr, addr + len), addr);
    // Port 0, queue 0, no headroom, the rest of the frame as tailroom; handed
    // out as a real batch's are (descriptor and sentinel record).
    const b = scratch.batch;
    b.addr[0] = addr;
    b.len[0] = len;
    b.port[0] = 0;
    b.queue[0] = 0;
    b.headroom[0] = 0;
    b.tailroom[0] = this.frameSize - (addr - FRAME_AREA_OFFSET) % this.frameSize - len;
    batchCheck(b).handOut(scratch.window, 0, 1);
    w[W_SEED] = this.seed;
    w[W_BATCH_N] = 1;
    const f = Math.min(this.fuelPerPacket, this.maxFuelPerBatch);
    try {
      if (typeof metered === 'function') (metered as (n: number, fuel: number) => number)(1, f);
      else { fuel.value = f; (batchFn as (n: number) => number)(1); }
    } catch {
      // A trap on a frame of the scratch memory: the real run handles its own.
    }
  }

  private scratchSpace(): ScratchSpace {
    if (this.scratch === null) {
      const pages = this.memory.buffer.byteLength / PAGE_SIZE;
      const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
      // The same arities as imports(): V8 makes a wasm-to-JS wrapper per
      // import kind, and a function whose parameter count differs from the
      // signature is another kind, so a warm-up with () => {} left the real
      // instance to make its own inside the switch.
      const fail = (_msg: number, _file: number, _line: number, _col: number) => { throw new Error('abort'); };
      const declare = mapDeclareImport(memory);
      const mapDeclare: MapDeclareImport = (namePtr, nameLen, kind, keySize, valueSize, maxEntries) => declare(namePtr, nameLen, kind, keySize, valueSize, maxEntries);
      const u32 = new Uint32Array(memory.buffer);
      this.scratch = {
        memory, u8: new Uint8Array(memory.buffer), u32, window: new GuestWindow(u32), batch: new Batch(),
        // The scratch maps are kept from one warm-up to the next: declaring the
        // same maps again finds them (re-creating one zeroes its body).
        imports: { env: { memory, abort: fail }, wx: { log: (_level: number, _ptr: number, _len: number) => {}, map_declare: mapDeclare } },
      };
    }
    return this.scratch;
  }

  // Validation checked the module's memory limits against the heap it was
  // loaded for; a different heap here would fail at link time, less clearly.
  private checkLoadedFor(loaded: LoadedModule): void {
    if (loaded.heapPages !== this.heapPages) {
      throw new WasmxdpError('E_CONFIG', `${this.label}: the module was loaded for heapPages ${loaded.heapPages} but the sandbox has ${this.heapPages}; pass the same heapPages to loadModule`);
    }
  }

  /** Guest counter `i` (untrusted: any u64 the guest wrote), as a number capped at 2^53 - 1. */
  counter(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= COUNTERS_COUNT) throw new RangeError(`counter index must be 0..${COUNTERS_COUNT - 1}, got ${i}`);
    if (this.memory.buffer !== this.u8.buffer) this.refreshViews();
    const at = COUNTERS_OFFSET + i * 8;
    const v = this.dv.getUint32(at + 4, true) * 0x100000000 + this.dv.getUint32(at, true);
    return Math.min(v, Number.MAX_SAFE_INTEGER);
  }

  private refreshViews(): void {
    this.u8 = new Uint8Array(this.memory.buffer);
    this.u32 = new Uint32Array(this.memory.buffer);
    this.dv = new DataView(this.memory.buffer);
    this.window = new GuestWindow(this.u32);
  }

  private imports(always: boolean): WebAssembly.Imports {
    const mem = () => this.u8;
    const declare = mapDeclareImport(this.memory);
    // Maps are declared by the start function; afterwards a declaration could
    // only be a guest spending host time, so it fails at once.
    const mapDeclare: MapDeclareImport = (namePtr, nameLen, kind, keySize, valueSize, maxEntries) =>
      (this.starting || always ? declare(namePtr, nameLen, kind, keySize, valueSize, maxEntries) : MAP_DECLARE_AFTER_START);
    return {
      env: {
        memory: this.memory,
        abort: (msg: number, file: number, line: number, col: number) => {
          throw new GuestAbort(readAsString(mem(), msg), readAsString(mem(), file), line >>> 0, col >>> 0);
        },
      },
      wx: {
        log: (level: number, ptr: number, len: number) => this.guestLog.write(level, mem(), ptr, len),
        map_declare: mapDeclare,
      },
    };
  }

  /** (Re-)creates the instance on the same memory; maps and frames are untouched. */
  private instantiate(): void {
    let inst: WebAssembly.Instance;
    this.starting = true;
    try {
      inst = new WebAssembly.Instance(this.mod, this.importObject);
    } catch (e) {
      if (this.memory.buffer !== this.u8.buffer) this.refreshViews();
      const fuel = WebAssembly.Module.exports(this.mod).some((x) => x.name === FUEL_GLOBAL_EXPORT);
      const kind = classifyTrap(e);
      const why = kind === 'unreachable' && fuel
        ? `its start function used up the start budget (or hit unreachable): ${(e as Error).message}`
        : describeTrap(e);
      throw new WasmxdpError('E_INSTANTIATE', `${this.label}: the module failed to start: ${why}`, { cause: e });
    } finally {
      this.starting = false;
    }
    const ex = inst.exports as Record<string, unknown>;
    if (typeof ex.wx_batch !== 'function') {
      throw new WasmxdpError('E_EXPORT_MISSING', `${this.label}: the module does not export wx_batch(n: i32): i32; build handlers with 'wasmxdp build'`);
    }
    const ver = ex.wx_abi_version as WebAssembly.Global | undefined;
    if (!(ver instanceof WebAssembly.Global) || ver.value !== ABI_VERSION) {
      throw new WasmxdpError('E_ABI_VERSION', `${this.label}: the module's wx_abi_version is ${ver instanceof WebAssembly.Global ? ver.value : 'missing'}, this host speaks ABI ${ABI_VERSION}; rebuild it with this wasmxdp`);
    }
    const fuel = ex[FUEL_GLOBAL_EXPORT];
    this.batchFn = ex.wx_batch as (n: number) => number;
    this.fuel = fuel instanceof WebAssembly.Global ? fuel : null;
    const metered = ex[METERED_BATCH_EXPORT];
    this.meteredFn = this.fuel !== null && typeof metered === 'function' ? metered as (n: number, fuel: number) => number : null;
    this.stats.instantiations++;
  }

  /**
   * Runs the guest over `batch` and fills its validated results. Never throws
   * for anything the guest does. `nowNs` is the batch time the guest sees
   * (process.hrtime.bigint()'s clock); by default the batch's start.
   */
  run(batch: Batch, nowNs?: bigint): void {
    const n = batch.n;
    if (n === 0) return;
    // The one clock read before the call: batch time, quarantine time and the timing of the batch.
    const t0 = performance.now();
    let nowLo: number, nowHi: number, nowMs: number;
    if (nowNs === undefined) {
      const ns = Math.floor(t0 * 1e6) + HRTIME_OFFSET_NS;
      nowLo = ns % U32;
      nowHi = (ns - nowLo) / U32;
      nowMs = ns / 1e6;
    } else {
      nowLo = Number(nowNs & 0xffffffffn);
      nowHi = Number((nowNs >> 32n) & 0xffffffffn);
      nowMs = Number(nowNs) / 1e6;
    }
    this.stats.batches++;
    this.stats.packets += n;
    const q = this.quarantine;
    if (q !== null) q.packets(n, nowMs);
    // The views go stale only if the memory grew, which a fixed-size memory
    // cannot; a stale view has length 0, and reading that is a field load
    // where memory.buffer is a call into V8.
    if (this.u32.length === 0) this.refreshViews();
    const w = this.u32, header = this.header;
    for (let i = 0; i < header.length; i++) w[i] = header[i];

    let start = 0;
    let reruns = 0;
    while (start < n && !this.quarantined) {
      const k = n - start;
      this.writeDescriptors(batch, start, k, nowLo, nowHi);
      // The first call starts (within the descriptor writes) at t0.
      const callStart = reruns === 0 ? t0 : performance.now();
      try {
        if (this.meteredFn !== null) this.meteredFn(k, Math.min(this.fuelPerPacket * k, this.maxFuelPerBatch));
        else this.batchFn(k);
        this.accept(batch, start, k);
        start = n;
        break;
      } catch (e) {
        // The quarantine sees the trap when it happened: batch time plus the
        // host time this run() has taken so far, and how long the call ran.
        const end = performance.now();
        const done = this.firstUnanswered(k);
        this.accept(batch, start, done);
        if (done < k) answer(batch, start + done, Action.ABORTED, this.stats);
        start += done < k ? done + 1 : done;
        this.onTrap(e, k, nowMs + (end - t0), end - callStart);
      }
      if (start < n && reruns >= this.maxRerunsPerBatch) break;
      if (start < n) { reruns++; this.stats.reruns++; }
    }
    if (start < n) {
      const fail = FAIL_ACTION[this.failVerdict];
      for (let i = start; i < n; i++) answer(batch, i, fail, this.stats);
      this.stats.failVerdicts += n - start;
    }
    const end = performance.now();
    this.lastRunEndMs = end;
    this.stats.recordBatch(n, (end - t0) * 1e6);
  }

  private accept(batch: Batch, start: number, count: number): void {
    if (this.u32.length === 0) this.refreshViews();
    batchCheck(batch).accept(this.window, start, count, this.portCount, this.stats);
  }

  private writeDescriptors(batch: Batch, start: number, k: number, nowLo: number, nowHi: number): void {
    const w = this.u32;
    batchCheck(batch).handOut(this.window, start, k);
    this.seed = (Math.imul(this.seed ^ (this.seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    w[W_SEED] = this.seed;
    w[W_BATCH_N] = k;
    w[W_NOW_LO] = nowLo;
    w[W_NOW_HI] = nowHi;
    // A metered module without metering's entry (instrumented by another wasmxdp) is refilled here.
    if (this.fuel !== null && this.meteredFn === null) this.fuel.value = Math.min(this.fuelPerPacket * k, this.maxFuelPerBatch);
  }

  // The guest answers in order, so the first record still holding the sentinel
  // is the packet it was working on when it trapped: that one is charged.
  private firstUnanswered(k: number): number {
    if (this.memory.buffer !== this.u8.buffer) this.refreshViews();
    for (let j = 0; j < k; j++) {
      if (this.u32[REC_WORD0 + j * REC_WORDS] === VERDICT_SENTINEL) return j;
    }
    return k;
  }

  private onTrap(e: unknown, k: number, nowMs: number, callMs: number): void {
    let kind: TrapKind = classifyTrap(e);
    let msg = describeTrap(e);
    if (kind === 'unreachable' && this.fuel !== null && (this.fuel.value as number) < 0) {
      kind = 'fuel';
      msg = `fuel exhausted: the batch of ${k} packet(s) used its CPU budget of ${Math.min(this.fuelPerPacket * k, this.maxFuelPerBatch)} units (fuelPerPacket ${this.fuelPerPacket}${this.fuelPerPacket * k > this.maxFuelPerBatch ? `, capped at ${this.maxFuelPerBatch} per batch` : ''})`;
    }
    this.stats.recordTrap(kind, msg);
    this.guestLog.trap(kind, msg);
    if (this.memory.buffer !== this.u8.buffer) this.refreshViews();
    const q = this.quarantine;
    if (q !== null && q.trap(kind, msg, nowMs, callMs)) {
      this.stats.quarantined = true;
      this.stats.status = this.status();
      this.guestLog.notice(this.stats.status);
      return;
    }
    try {
      this.instantiate();
    } catch (err) {
      // The module no longer starts (e.g. its start function depends on memory
      // the guest corrupted): stop calling it rather than stop the port.
      this.broken = `re-instantiation after a trap failed: ${(err as Error).message}`;
      this.stats.quarantined = true;
      this.stats.status = this.status();
      this.guestLog.notice(this.stats.status);
    }
  }
}
