// AF_XDP ports over a WebAssembly.Memory: one UMEM (the ABI's frame area) shared
// by every port of a pipeline, zero copy between the kernel and the guest.
// Setup and teardown are ordinary calls; receive() (which can apply the
// previous burst's verdicts first) and apply() are the per-burst calls and
// work on batch arrays bound once (host/batch.ts Batch).
import {
  BPF_STAT_KEYS, DEFAULT_FRAME_SIZE, FRAME_AREA_OFFSET, FRAME_AREA_SIZE, type FrameSize, MIN_TAILROOM, XDP_PACKET_HEADROOM, checkFrameSize,
  checkQueue,
} from '../host/abi.js';
import { XSKMAP_ENTRIES } from '../host/generated/abi.js';
import type { Batch } from '../host/batch.js';
import { WasmxdpError } from '../host/errors.js';
import { choiceText, isChoice, OPTIONS, type CopyMode, type XdpMode } from '../host/options.js';
import { mapNativeError } from './errno.js';
import { BPF_OBJECT_PATH, loadNative, type NativeXskSet } from './load.js';
import {
  compileQuotas, compileSelectors, decodeTenantStats, tenantLimits, type TenantCounters, type TenantQuota, type TenantSelector,
} from './tenants.js';

export type { XdpMode, CopyMode } from '../host/options.js';

export interface PortSetOptions {
  memory: WebAssembly.Memory;
  /** 2048 (default) or 4096. */
  frameSize?: FrameSize;
  /** Bytes before a received packet in its frame; at least 256 (the kernel's XDP headroom). Default 256. */
  headroom?: number;
  /** Fill and completion ring sizes (powers of two); default: the frame count, capped at 8192. */
  fillSize?: number;
  compSize?: number;
  /** UMEM region in the memory; defaults to the ABI v1 frame area. */
  umemOffset?: number;
  umemSize?: number;
}

export interface PortOptions {
  ifname: string;
  queue?: number;
  /** XDP attach mode of the steering program: 'skb' (generic, default) or 'drv' (native). */
  mode?: XdpMode;
  copy?: CopyMode;
  needWakeup?: boolean;
  rxSize?: number;
  txSize?: number;
  /** SO_BUSY_POLL microseconds (with SO_PREFER_BUSY_POLL); 0 = off. */
  busyPollUsec?: number;
  busyPollBudget?: number;
  /** Replace an XDP program that is not wasmxdp's. */
  force?: boolean;
}

/**
 * The arrays of a host/batch.ts Batch; every array must hold at least as many
 * entries as receive()'s max. `tenant` is optional: when given, receive() writes
 * each frame's tenant id there (from the XDP metadata the classifier put in front
 * of the packet; 0 = no tenant rule matched, or no metadata, counted in
 * tenantMetaMissing).
 */
export type BatchArrays = Pick<Batch, 'addr' | 'len' | 'port' | 'queue' | 'headroom' | 'tailroom' | 'action' | 'target' | 'outAddr' | 'outLen'>
  & { tenant?: Uint16Array };

/** XDP_STATISTICS of one socket. */
export interface XdpSocketStats {
  rxDropped: number; rxInvalidDescs: number; txInvalidDescs: number;
  rxRingFull: number; rxFillRingEmptyDescs: number; txRingEmptyDescs: number;
}

/** Verdicts as applied by user space, per port. */
export interface PortCounters {
  rx: number; drop: number; tx: number; redirectOut: number; redirectIn: number; pass: number;
  passErrors: number; txRingFull: number; invalidVerdicts: number; kicks: number; kickErrors: number;
  /** TX/REDIRECT frames the kernel completed (reaped back into the pool): equals tx + redirectIn once all are sent. */
  txCompleted: number;
  /**
   * Kicks (sendto) answered with EAGAIN/EBUSY/ENOBUFS, each followed by another
   * kick. In copy mode EAGAIN also means "sent my 32 frames, more are queued".
   */
  kicksBusy: number;
  /** errno of the last PASS reinjection that failed (counted in passErrors); 0 when none did. */
  passLastErrno: number;
  /** Frames received with a tenant array bound but without tenant metadata (given tenant 0). */
  tenantMetaMissing: number;
}

/**
 * Counters of the interface's XDP program (summed over CPUs): what the steering
 * program returned per XDP action (aborted .. redirect), frames PASS verdicts
 * reinjected into the stack (reinjected, counted by the egress classifier),
 * and frames passed because no socket sits on their queue
 * (noSocket). `drop` counts frames over their tenant's packet-rate quota.
 * abi/contract.json lists them.
 */
export type ProgramStats = Record<(typeof BPF_STAT_KEYS)[number], number>;

/** Where every UMEM frame is: total === free + fill + tx + held, always. */
export interface FrameAccounting {
  total: number; free: number; fill: number; tx: number; held: number;
  /** Addresses handed to apply() that receive() did not hand out (ignored). */
  invalidAddrs: number;
}

export interface PortInfo { index: number; ifname: string; queue: number; mode: XdpMode }

/** CPU time of the calling thread so far, microseconds (a live worker's own: where its core went). */
export function threadCpu(): { userUs: number; sysUs: number } {
  const t = loadNative().threadCpu();
  return { userUs: t[0], sysUs: t[1] };
}

/** Receive queues one interface can have sockets on: the size of the XSKMAP (abi/contract.json). */
export const MAX_QUEUES = XSKMAP_ENTRIES;

// Re-binding a queue right after a close fails with EBUSY while the kernel
// tears the old socket down (~300 ms here).
const BIND_RETRY_MS = 1500;

function pow2(n: number): boolean { return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0; }
function sleepSync(ms: number): void { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms); }

export class XskPortSet {
  readonly frameSize: number;
  readonly headroom: number;
  readonly umemOffset: number;
  readonly umemSize: number;
  private native: NativeXskSet | null;
  private readonly portList: PortInfo[] = [];

  private constructor(native: NativeXskSet, frameSize: number, headroom: number, umemOffset: number, umemSize: number) {
    this.native = native;
    this.frameSize = frameSize;
    this.headroom = headroom;
    this.umemOffset = umemOffset;
    this.umemSize = umemSize;
  }

  /** Registers the memory's frame area as a UMEM. The memory must not grow while open. */
  static open(opts: PortSetOptions): XskPortSet {
    const frameSize = checkFrameSize(opts.frameSize ?? DEFAULT_FRAME_SIZE);
    const headroom = opts.headroom ?? XDP_PACKET_HEADROOM;
    if (!Number.isInteger(headroom) || headroom < XDP_PACKET_HEADROOM || headroom > frameSize - MIN_TAILROOM) {
      throw new WasmxdpError('E_CONFIG', `headroom must be an integer from ${XDP_PACKET_HEADROOM} to ${frameSize - MIN_TAILROOM}, got ${headroom}`);
    }
    const umemOffset = opts.umemOffset ?? FRAME_AREA_OFFSET;
    const umemSize = opts.umemSize ?? FRAME_AREA_SIZE;
    if (umemOffset % 4096 !== 0 || umemSize <= 0 || umemSize % frameSize !== 0) {
      throw new WasmxdpError('E_CONFIG', `the UMEM must start page aligned and hold whole frames (offset ${umemOffset}, size ${umemSize})`);
    }
    const buffer = opts.memory.buffer;
    if (umemOffset + umemSize > buffer.byteLength) {
      throw new WasmxdpError('E_MEMORY_LAYOUT', `the memory (${buffer.byteLength} bytes) does not contain the UMEM region [${umemOffset}, ${umemOffset + umemSize})`);
    }
    const frames = umemSize / frameSize;
    const ringDefault = Math.min(8192, 2 ** Math.ceil(Math.log2(frames)));
    const fillSize = opts.fillSize ?? ringDefault;
    const compSize = opts.compSize ?? ringDefault;
    if (!pow2(fillSize) || !pow2(compSize)) throw new WasmxdpError('E_CONFIG', 'fillSize and compSize must be powers of two');
    const addon = loadNative();
    try {
      const native = new addon.XskSet(new Uint8Array(buffer), {
        umemOffset, umemSize, frameSize, frameHeadroom: headroom - XDP_PACKET_HEADROOM, fillSize, compSize, bpfObject: BPF_OBJECT_PATH,
      });
      return new XskPortSet(native, frameSize, headroom, umemOffset, umemSize);
    } catch (e) {
      throw mapNativeError(e);
    }
  }

  get ports(): readonly PortInfo[] { return this.portList; }
  get frameCount(): number { return this.umemSize / this.frameSize; }

  /** Opens an AF_XDP socket on (ifname, queue), attaching the XDP program to ifname on its first port. Returns the port index. */
  addPort(opts: PortOptions): number {
    const n = this.live();
    if (typeof opts.ifname !== 'string' || opts.ifname.length === 0 || opts.ifname.length > 15) {
      throw new WasmxdpError('E_CONFIG', `ifname must be an interface name of 1-15 characters, got ${JSON.stringify(opts.ifname)}`);
    }
    const queue = opts.queue ?? OPTIONS.queue.default;
    const mode = opts.mode ?? OPTIONS.xdpMode.default;
    const copy = opts.copy ?? OPTIONS.copyMode.default;
    if (!isChoice(OPTIONS.xdpMode, mode)) throw new WasmxdpError('E_CONFIG', `mode must be ${choiceText(OPTIONS.xdpMode)}, got ${JSON.stringify(mode)}`);
    if (!isChoice(OPTIONS.copyMode, copy)) throw new WasmxdpError('E_CONFIG', `copy must be ${choiceText(OPTIONS.copyMode)}, got ${JSON.stringify(copy)}`);
    for (const [k, v] of [['rxSize', opts.rxSize], ['txSize', opts.txSize]] as const) {
      if (v !== undefined && !pow2(v)) throw new WasmxdpError('E_CONFIG', `${k} must be a power of two, got ${v}`);
    }
    checkQueue(queue);
    const deadline = Date.now() + BIND_RETRY_MS;
    for (;;) {
      try {
        // The addon takes enumerations as their index in abi/contract.json's lists.
        const index = n.addPort({ ...opts, queue, mode: OPTIONS.xdpMode.values.indexOf(mode), copy: OPTIONS.copyMode.values.indexOf(copy) });
        this.portList.push({ index, ifname: opts.ifname, queue, mode });
        return index;
      } catch (e) {
        const ne = e as { op?: string; errno?: number };
        if (ne.op === 'xsk_socket_create' && ne.errno === 16 && Date.now() < deadline) { sleepSync(50); continue; }
        throw mapNativeError(e, `${opts.ifname} queue ${queue} ${mode}`, { mode });
      }
    }
  }

  /** Binds the arrays receive() fills and apply() reads; call once (again only to switch batches). */
  bindBatch(batch: BatchArrays): void {
    try { this.live().bindBatch(batch); } catch (e) { throw mapNativeError(e); }
  }

  /**
   * Receives up to `max` frames from all ports into the bound arrays: addr is
   * absolute in the memory, headroom/tailroom the frame's room around the
   * packet. Refills fill rings and reaps completions first. When nothing is
   * there and timeoutMs != 0, blocks in poll() that long (-1: forever).
   * applyFirst = n applies the verdicts of the bound batch's first n entries
   * before receiving (as apply(n)), in the same call into the addon: a busy
   * loop's one crossing per burst.
   */
  receive(max: number, timeoutMs = 0, applyFirst = 0): number {
    return this.live().receive(max, timeoutMs, applyFirst);
  }

  /**
   * Applies the verdicts of the first n entries: action (XDP numbering),
   * target (REDIRECT port), outAddr/outLen (packet after head/tail changes),
   * addr (as received). DROP/ABORTED recycle the frame; TX/REDIRECT queue it
   * zero copy; PASS reinjects a copy into the ingress interface's stack.
   */
  apply(n: number): void {
    this.live().apply(n);
  }

  xdpStats(port: number): XdpSocketStats {
    try { return this.live().xdpStats(port) as unknown as XdpSocketStats; } catch (e) { throw mapNativeError(e); }
  }

  counters(port: number): PortCounters {
    return this.live().counters(port) as unknown as PortCounters;
  }

  programStats(port: number): ProgramStats {
    const v = this.live().programStats(port);
    const out = {} as ProgramStats;
    BPF_STAT_KEYS.forEach((name, i) => { out[name] = v[i]; });
    return out;
  }

  /**
   * Null while the port's interface exists and its socket is bound; else the
   * failure, e.g. the interface was removed. The kernel unbinds the socket
   * without waking poll(), so the owner of a port calls this once a second.
   */
  linkError(port: number): WasmxdpError | null {
    const errno = this.live().linkError(port);
    if (errno === 0) return null;
    const p = this.portList[port];
    const what = errno === 19 ? 'was removed' : errno === 100 ? 'went away (socket error ENETDOWN)' : `failed (socket error errno ${errno})`;
    return new WasmxdpError('E_NO_SUCH_IFACE', `interface ${p.ifname} ${what} while queue ${p.queue} was running: the port no longer receives; recreate the interface and restart`);
  }

  /** Replaces the tenant selectors of `port`'s device (see native/tenants.ts). */
  setTenantSelectors(port: number, rules: readonly TenantSelector[]): void {
    const n = this.live();
    const c = compileSelectors(rules);
    try { n.setTenantSelectors(port, c.rules, c.prefixes, c.any, c.vlans); } catch (e) { throw mapNativeError(e); }
  }

  /** Replaces the packet-rate quotas of `port`'s device; tenants not listed are unlimited. */
  setTenantQuotas(port: number, quotas: readonly TenantQuota[]): void {
    const n = this.live();
    const q = compileQuotas(quotas);
    try { n.setTenantQuotas(port, q.intervalNs, q.tauNs); } catch (e) { throw mapNativeError(e); }
  }

  /** Kernel per-tenant counters of `port`'s device, tenants with any non-zero counter. */
  tenantCounters(port: number): TenantCounters[] {
    try { return decodeTenantStats(this.live().tenantStats(port), tenantLimits().statFields); } catch (e) { throw mapNativeError(e); }
  }

  frames(): FrameAccounting {
    return this.live().frames() as unknown as FrameAccounting;
  }

  get closed(): boolean { return this.native === null; }

  /** Closes the sockets, detaches the XDP programs and releases the memory. Idempotent. */
  close(): void {
    if (!this.native) return;
    this.native.close();
    this.native = null;
  }

  private live(): NativeXskSet {
    if (!this.native) throw new WasmxdpError('E_SOCKET', 'the port set is closed');
    return this.native;
  }
}
