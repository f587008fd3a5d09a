// ns/packet of a wasm handler through the real host: a Sandbox (metered or
// not) running Batches of a given size over frames that sit in the frame area
// the way a live port leaves them (256 bytes of headroom, one frame per slot).
import { Action } from '../../host/abi.js';
import { Batch } from '../../host/batch.js';
import { compileHandlerCached, resolveHandlerSource } from '../../host/compile.js';
import { loadModule } from '../../host/load.js';
import { Sandbox } from '../../host/sandbox.js';
import { cpuNs } from './cpu-time.js';

const HEADROOM = 256;

export async function wasmSandbox(handler: string, metering: boolean): Promise<Sandbox> {
  const bytes = await compileHandlerCached(resolveHandlerSource(handler));
  return new Sandbox(loadModule(bytes, { metering }), { log: () => {}, quarantine: false, portCount: 1 });
}

/** Frames laid into slots 0.. and cut into batches of `batchSize`. */
export class Workload {
  readonly batches: Batch[] = [];
  constructor(readonly sb: Sandbox, readonly frames: Uint8Array[], batchSize: number) {
    if (frames.length > (16 << 20) / sb.frameSize) throw new Error('too many frames for the frame area');
    let b = new Batch();
    frames.forEach((f, i) => {
      const addr = sb.frameAddr(i) + HEADROOM;
      sb.bytes.set(f, addr);
      if (b.n === batchSize) { this.batches.push(b); b = new Batch(); }
      b.push(addr, f.length, 0, 0, HEADROOM, sb.frameSize - HEADROOM - f.length);
    });
    if (b.n) this.batches.push(b);
  }

  // A frame the handler rewrote (TX) is put back, as the next frame from the
  // wire would be fresh; only those (udp-reflector's echo frames) cost a copy.
  private restore(b: Batch, first: number): void {
    for (let i = 0; i < b.n; i++) {
      if (b.action[i] === Action.TX) this.sb.bytes.set(this.frames[first + i], b.addr[i]);
    }
  }

  /** Runs about `packets` packets (whole batches); returns CPU ns per packet. */
  run(packets: number): number {
    const bs = this.batches;
    let done = 0, k = 0, first = 0;
    const t0 = cpuNs();
    while (done < packets) {
      const b = bs[k];
      this.sb.run(b);
      this.restore(b, first);
      done += b.n;
      first += b.n;
      if (++k === bs.length) { k = 0; first = 0; }
    }
    return (cpuNs() - t0) / done;
  }

  /** Verdict histogram over one pass of every frame [aborted, drop, pass, tx, redirect]. */
  verdicts(): number[] {
    const h = [0, 0, 0, 0, 0];
    let first = 0;
    for (const b of this.batches) {
      this.sb.run(b);
      for (let i = 0; i < b.n; i++) h[b.action[i]]++;
      this.restore(b, first);
      first += b.n;
    }
    return h;
  }
}
