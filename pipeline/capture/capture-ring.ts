// A single-producer single-consumer ring of captured frames in shared
// memory: the worker appends judged frames between the guest call and the
// verdicts' application, the main thread drains it. The producer never
// waits: a frame that does not fit is dropped from the capture and counted.

export const WRAP = 0xffffffff;
const HDR = 32;
const CTL_BYTES = 16;
// Control words: write offset, read offset, frames dropped (ring full), frames captured.
const W = 0, R = 1, DROPPED = 2, CAPTURED = 3;

export interface CapturedFrame { data: Uint8Array; origLen: number; verdict: number; target: number; tsMs: number }

export class CaptureRing {
  private readonly ctl: Int32Array;
  private readonly bytes: Buffer;
  private readonly dv: DataView;
  readonly size: number;

  constructor(readonly sab: SharedArrayBuffer) {
    this.ctl = new Int32Array(sab, 0, 4);
    this.bytes = Buffer.from(sab, CTL_BYTES);
    this.dv = new DataView(sab, CTL_BYTES);
    this.size = sab.byteLength - CTL_BYTES;
  }

  static create(size: number): CaptureRing {
    return new CaptureRing(new SharedArrayBuffer(CTL_BYTES + (size & ~7)));
  }

  get dropped(): number { return Atomics.load(this.ctl, DROPPED); }
  get captured(): number { return Atomics.load(this.ctl, CAPTURED); }

  /** Producer: copies src[off, off+capLen) in; false (and counted) when it does not fit. Allocates nothing. */
  push(src: Buffer, off: number, capLen: number, origLen: number, verdict: number, target: number, tsMs: number): boolean {
    const need = HDR + ((capLen + 7) & ~7);
    const w = Atomics.load(this.ctl, W), r = Atomics.load(this.ctl, R);
    let at: number;
    if (w >= r) {
      // The write offset never catches up with the read offset: equal means empty.
      if (this.size - w > need || (this.size - w === need && r !== 0)) at = w;
      else if (r > need) {
        if (this.size - w >= HDR) this.dv.setUint32(w, WRAP, true);
        at = 0;
      } else return this.drop();
    } else if (r - w > need) at = w;
    else return this.drop();
    const dv = this.dv;
    dv.setUint32(at, need, true);
    dv.setUint32(at + 4, capLen, true);
    dv.setUint32(at + 8, origLen, true);
    dv.setUint32(at + 12, verdict, true);
    dv.setUint32(at + 16, target, true);
    dv.setFloat64(at + 24, tsMs, true);
    src.copy(this.bytes, at + HDR, off, off + capLen);
    const next = at + need;
    Atomics.store(this.ctl, W, next === this.size ? 0 : next);
    Atomics.add(this.ctl, CAPTURED, 1);
    return true;
  }

  private drop(): false {
    Atomics.add(this.ctl, DROPPED, 1);
    return false;
  }

  /** Consumer: up to max frames, oldest first (copies). */
  drain(max = Infinity): CapturedFrame[] {
    const out: CapturedFrame[] = [];
    let r = Atomics.load(this.ctl, R);
    const w = Atomics.load(this.ctl, W);
    while (r !== w && out.length < max) {
      if (this.size - r < HDR || this.dv.getUint32(r, true) === WRAP) { r = 0; continue; }
      const need = this.dv.getUint32(r, true), capLen = this.dv.getUint32(r + 4, true);
      out.push({
        data: new Uint8Array(this.bytes.subarray(r + HDR, r + HDR + capLen)),
        origLen: this.dv.getUint32(r + 8, true), verdict: this.dv.getUint32(r + 12, true), target: this.dv.getUint32(r + 16, true),
        tsMs: this.dv.getFloat64(r + 24, true),
      });
      r += need;
      if (r === this.size) r = 0;
    }
    Atomics.store(this.ctl, R, r);
    return out;
  }
}
