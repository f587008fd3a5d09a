// ns/packet of a plain-JavaScript twin: the same frames in one Buffer at the
// same slot offsets, the same batch loop shape (descriptor arrays, one
// verdict array, the batch time read once per batch), no sandbox.
import type { JsHandler } from './js/packet.js';
import { TX } from './js/packet.js';
import { cpuNs } from './cpu-time.js';

const SLOT = 2048, HEADROOM = 256;

export class JsWorkload {
  private readonly buf: Buffer;
  private readonly addr: Uint32Array;
  private readonly len: Uint32Array;
  private readonly verdict: Uint8Array;

  constructor(private readonly handler: JsHandler, private readonly frames: Uint8Array[], private readonly batchSize: number) {
    this.buf = Buffer.alloc(frames.length * SLOT);
    this.addr = new Uint32Array(frames.length);
    this.len = new Uint32Array(frames.length);
    this.verdict = new Uint8Array(frames.length);
    frames.forEach((f, i) => {
      this.addr[i] = i * SLOT + HEADROOM;
      this.len[i] = f.length;
      this.buf.set(f, this.addr[i]);
    });
  }

  private batch(first: number, n: number): void {
    const now = Number(process.hrtime.bigint());
    const { buf, addr, len, verdict, handler } = this;
    for (let i = first; i < first + n; i++) verdict[i] = handler(buf, addr[i], len[i], now);
    for (let i = first; i < first + n; i++) if (verdict[i] === TX) buf.set(this.frames[i], addr[i]);
  }

  /** Runs about `packets` packets in whole batches; returns CPU ns per packet. */
  run(packets: number): number {
    const total = this.frames.length;
    let done = 0, first = 0;
    const t0 = cpuNs();
    while (done < packets) {
      const n = Math.min(this.batchSize, total - first);
      this.batch(first, n);
      done += n;
      first += n;
      if (first === total) first = 0;
    }
    return (cpuNs() - t0) / done;
  }

  verdicts(): number[] {
    const h = [0, 0, 0, 0, 0];
    for (let first = 0; first < this.frames.length; first += this.batchSize) {
      const n = Math.min(this.batchSize, this.frames.length - first);
      this.batch(first, n);
      for (let i = first; i < first + n; i++) h[this.verdict[i]]++;
    }
    return h;
  }
}
