// Map operations as data, for the shared test vectors: each op runs either on
// the TS MapsRegion (TsExecutor) or, encoded as one packet, on the guest SDK
// through test/maps/guests/ops.ts (GuestExecutor). Same ops, same outcome,
// same region bytes: that is what test/maps/vectors.test.ts checks.

import crypto from 'node:crypto';
import { Batch } from '../../host/batch.js';
import { MAPS_OFFSET, MAPS_SIZE, MapKind } from '../../host/maps/layout.js';
import { MapHandle } from '../../host/maps/map.js';
import { MapsRegion } from '../../host/maps/region.js';
import { fromHex, toHex } from '../../host/maps/schema.js';
import { Sandbox } from '../../host/sandbox.js';
import { loadBatch } from '../helpers/guest.js';

export type Op =
  | { op: 'declare'; slot: number; name: string; kind: number; keySize: number; valueSize: number; maxEntries: number }
  | { op: 'update'; slot: number; key: string; value: string; flags: number }
  | { op: 'lookup'; slot: number; key: string }
  | { op: 'delete'; slot: number; key: string }
  | { op: 'add'; slot: number; index: number; n: number; cpu: number };

/** result: the code (declare: 1 for a descriptor address; lookup/add: 1 found, 0 not). */
export interface Outcome { result: number; value?: string }

const CODE: Record<Op['op'], number> = { declare: 1, update: 2, lookup: 3, delete: 4, add: 5 };
const DATA = 24;

interface SlotShape { kind: number; keySize: number; valueSize: number }

/** Sha-256 of the bytes of the region in use, and how many. */
export function regionDigest(region: MapsRegion): string {
  const used = region.usedBytes;
  const h = crypto.createHash('sha256').update(region.u8.subarray(MAPS_OFFSET, MAPS_OFFSET + used)).digest('hex');
  return `${used}:${h.slice(0, 32)}`;
}

function valueLen(s: SlotShape): number { return s.kind === MapKind.COUNTERS ? 8 : s.valueSize; }

export class TsExecutor {
  readonly region: MapsRegion;
  private readonly slots: (MapHandle | undefined)[] = [];

  constructor(region?: MapsRegion) {
    this.region = region ?? new MapsRegion(new Uint8Array(MAPS_OFFSET + MAPS_SIZE));
  }

  apply(op: Op): Outcome {
    if (op.op === 'declare') {
      const r = this.region.declareBytes(new TextEncoder().encode(op.name), op, false);
      if (r.code < 0) return { result: r.code };
      this.slots[op.slot] = new MapHandle(this.region, r.desc);
      return { result: 1 };
    }
    const m = this.slots[op.slot]!;
    const info = m.info;
    if (op.op === 'add') {
      if (op.index >= info.maxEntries) return { result: 0 };
      const dv = this.region.dv;
      const a = info.base + op.index * 64 + 8 * (op.cpu & 7);
      dv.setBigUint64(a, BigInt.asUintN(64, dv.getBigUint64(a, true) + BigInt(op.n)), true);
      return { result: 1 };
    }
    const key = fromHex(op.key);
    if (op.op === 'update') return { result: m.tryUpdate(key, fromHex(op.value), op.flags) };
    if (op.op === 'delete') return { result: m.tryDelete(key) };
    if (info.kind === MapKind.COUNTERS) {
      const i = new DataView(key.buffer, key.byteOffset).getUint32(0, true);
      if (i >= info.maxEntries) return { result: 0 };
      const v = new Uint8Array(8);
      new DataView(v.buffer).setBigUint64(0, m.counter(i).total, true);
      return { result: 1, value: toHex(v) };
    }
    const v = m.lookup(key, true);
    return v ? { result: 1, value: toHex(v) } : { result: 0 };
  }
}

/** Runs each op as a one-packet batch through a sandbox running test/maps/guests/ops.ts. */
export class GuestExecutor {
  readonly region: MapsRegion;
  private readonly batch = new Batch();
  private readonly shapes: SlotShape[] = [];

  constructor(readonly sandbox: Sandbox) {
    this.region = MapsRegion.of(sandbox.memory);
  }

  encode(op: Op): Uint8Array {
    let data: Uint8Array;
    const head = new Uint8Array(DATA);
    const dv = new DataView(head.buffer);
    dv.setUint8(0, CODE[op.op]);
    dv.setUint8(1, op.slot);
    const shape = this.shapes[op.slot];
    switch (op.op) {
      case 'declare':
        dv.setUint32(8, op.kind, true); dv.setUint32(12, op.keySize, true);
        dv.setUint32(16, op.valueSize, true); dv.setUint32(20, op.maxEntries, true);
        data = new TextEncoder().encode(op.name);
        break;
      case 'update':
        dv.setUint8(2, op.flags);
        data = new Uint8Array([...fromHex(op.key), ...fromHex(op.value)]);
        break;
      case 'lookup': {
        const k = fromHex(op.key);
        data = new Uint8Array(k.length + valueLen(shape));
        data.set(k);
        break;
      }
      case 'delete':
        data = fromHex(op.key);
        break;
      case 'add':
        dv.setUint32(8, op.index, true); dv.setUint32(12, op.n, true); dv.setUint32(16, op.cpu, true);
        data = new Uint8Array(0);
        break;
    }
    const out = new Uint8Array(DATA + data.length);
    out.set(head);
    out.set(data, DATA);
    return out;
  }

  apply(op: Op): Outcome {
    const frame = this.encode(op);
    loadBatch(this.sandbox, this.batch, [frame]);
    this.sandbox.run(this.batch, 0n);
    const mem = this.sandbox.bytes;
    const a = this.batch.outAddr[0];
    if (this.batch.action[0] !== 2) throw new Error(`the ops guest answered ${this.batch.action[0]} (trap?) to ${JSON.stringify(op)}`);
    const res = new DataView(mem.buffer, mem.byteOffset + a).getInt32(4, true);
    if (op.op === 'declare') {
      if (res > 0) this.shapes[op.slot] = op;
      return { result: res > 0 ? 1 : res };
    }
    if (op.op === 'lookup' && res === 1) {
      const shape = this.shapes[op.slot];
      const kLen = fromHex(op.key).length;
      return { result: 1, value: toHex(mem.slice(a + DATA + kLen, a + DATA + kLen + valueLen(shape))) };
    }
    return { result: res };
  }
}
