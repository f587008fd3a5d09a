// Small, structurally varied capture files for the truncation and fuzz tests,
// with the offsets of their blocks/records (walked from the clean bytes).

import fs from 'node:fs';
import { exoticPcapng } from './exotic.js';
import { mixPcap, mixPcapng } from './tools.js';

export interface Unit { offset: number; length: number; packet: boolean }
export interface Corpus { name: string; bytes: Uint8Array; units: Unit[] }

const PACKET_BLOCKS = new Set([2, 3, 6]);

export function pcapngUnits(b: Uint8Array): Unit[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const units: Unit[] = [];
  let le = true;
  for (let off = 0; off < b.length;) {
    if (v.getUint32(off, true) === 0x0a0d0d0a) le = v.getUint32(off + 8, true) === 0x1a2b3c4d;
    const length = v.getUint32(off + 4, le);
    units.push({ offset: off, length, packet: PACKET_BLOCKS.has(v.getUint32(off, le)) });
    off += length;
  }
  return units;
}

export function pcapUnits(b: Uint8Array): Unit[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const le = v.getUint32(0, true) === 0xa1b2c3d4 || v.getUint32(0, true) === 0xa1b23c4d;
  const units: Unit[] = [{ offset: 0, length: 24, packet: false }];
  for (let off = 24; off < b.length;) {
    const length = 16 + v.getUint32(off + 8, le);
    units.push({ offset: off, length, packet: true });
    off += length;
  }
  return units;
}

/** The first `n` units of a file, cut at a unit boundary. */
function prefix(name: string, all: Uint8Array, walk: (b: Uint8Array) => Unit[], n: number): Corpus {
  const units = walk(all).slice(0, n);
  const last = units[units.length - 1];
  // A plain Uint8Array copy: Buffer#slice would share memory, and mutators slice.
  return { name, bytes: new Uint8Array(all.subarray(0, last.offset + last.length)), units };
}

export function corpora(mixUnits = 120): Corpus[] {
  const exotic = exoticPcapng().bytes;
  return [
    { name: 'exotic.pcapng', bytes: exotic, units: pcapngUnits(exotic) },
    prefix('mix.pcapng', fs.readFileSync(mixPcapng), pcapngUnits, mixUnits),
    prefix('mix.pcap', fs.readFileSync(mixPcap), pcapUnits, mixUnits),
  ];
}
