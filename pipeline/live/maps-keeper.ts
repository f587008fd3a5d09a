// Keeps a queue's map contents across a worker restart. The worker copies
// the used part of its maps region (what the guest and the operator wrote)
// into a buffer the main thread owns, once a second, between bursts; a worker
// that dies loses at most the last second of writes. The buffer has two
// halves and a header naming the complete one, so a worker ended in the
// middle of a copy leaves the previous copy intact.
//
// A restarted worker (same buffer, handed over by LivePipeline) does not
// copy until it was told to restore (`maps-restore`, after the supervisor put
// the running version back on it): its fresh, empty maps must not replace
// the dead worker's. Restoring copies each map the running version declares
// from the saved region, by name, when its shape is unchanged; the guest's
// descriptors stay where the new instance found them.

import { D_CLOCK, D_COUNT, D_TOMBSTONES, MAPS_OFFSET, MAPS_SIZE } from '../../host/maps/layout.js';
import { MapsRegion } from '../../host/maps/region.js';

/** Header words: [0] the complete half (0 or 1) + 1, 0 while none is; [1] its used bytes; [2] copies made. */
const HEADER_BYTES = 16;
const W_VALID = 0, W_USED = 1, W_COPIES = 2;
export const KEEP_INTERVAL_MS = 1000;

export interface MapsRestoreRequest { type: 'maps-restore'; id: number }

/** A buffer for one sandbox memory's maps (allocated by the main thread, kept across restarts). */
export function mapsKeepBuffer(): SharedArrayBuffer {
  // Pages are only committed when written: the copies cost what the maps use.
  return new SharedArrayBuffer(HEADER_BYTES + 2 * MAPS_SIZE);
}

export class MapsKeeper {
  private readonly words: Int32Array;
  private readonly bytes: Uint8Array;
  private armed: boolean;
  private next = 0;

  constructor(private readonly sab: SharedArrayBuffer, private readonly memory: WebAssembly.Memory) {
    this.words = new Int32Array(sab, 0, HEADER_BYTES / 4);
    this.bytes = new Uint8Array(sab, HEADER_BYTES);
    // A first start has nothing to give back; a restart waits for restore().
    this.armed = Atomics.load(this.words, W_VALID) === 0;
  }

  /** Between bursts: a copy once a second. */
  tick(now: number): void {
    if (!this.armed || now < this.next) return;
    this.next = now + KEEP_INTERVAL_MS;
    this.save();
  }

  save(): void {
    const region = MapsRegion.of(this.memory);
    const used = region.usedBytes;
    const half = Atomics.load(this.words, W_VALID) === 1 ? 1 : 0; // write the half that is not the complete one
    this.bytes.set(region.u8.subarray(MAPS_OFFSET, MAPS_OFFSET + used), half * MAPS_SIZE);
    Atomics.store(this.words, W_USED, used);
    Atomics.store(this.words, W_VALID, half + 1);
    Atomics.add(this.words, W_COPIES, 1);
  }

  /** Gives the running version's maps the dead worker's contents; then copies resume. */
  restore(): { maps: string[]; skipped: string[] } {
    const valid = Atomics.load(this.words, W_VALID);
    const out = { maps: [] as string[], skipped: [] as string[] };
    if (valid !== 0) {
      const used = Atomics.load(this.words, W_USED);
      // The saved region, at its own addresses (descriptors hold absolute ones); only for this rare call.
      const scratch = new Uint8Array(MAPS_OFFSET + MAPS_SIZE);
      scratch.set(this.bytes.subarray((valid - 1) * MAPS_SIZE, (valid - 1) * MAPS_SIZE + used), MAPS_OFFSET);
      const saved = new MapsRegion(scratch);
      const live = MapsRegion.of(this.memory);
      const now = new Map(live.list().map((m) => [m.name, m]));
      for (const { info: o, problem } of saved.scan()) {
        const l = now.get(o.name);
        if (problem !== undefined || !l || l.kind !== o.kind || l.keySize !== o.keySize || l.valueSize !== o.valueSize || l.maxEntries !== o.maxEntries || l.byteSize !== o.byteSize) {
          out.skipped.push(o.name);
          continue;
        }
        live.u8.set(scratch.subarray(o.base, o.base + o.byteSize), l.base);
        for (const f of [D_COUNT, D_TOMBSTONES, D_CLOCK]) live.dv.setUint32(l.desc + f, saved.dv.getUint32(o.desc + f, true), true);
        out.maps.push(o.name);
      }
    }
    this.armed = true;
    this.save();
    return out;
  }
}
