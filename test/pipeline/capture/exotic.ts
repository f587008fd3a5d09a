// A pcapng file with every block kind the reader must handle, in two sections of
// opposite byte order; shared by the reader, truncation and fuzz tests.

import { cat, custom, block, epb, idb, isb, nrb, optI64, optText, optU32, optU8, pb, shb, spb } from './build-blocks.js';

export const frame = (n: number, len: number): Uint8Array => {
  const f = new Uint8Array(len);
  f.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0xb5]);
  for (let i = 14; i < len; i++) f[i] = (n * 13 + i) & 0xff;
  return f;
};

export interface Expected { len: number; origLen: number; tsNs: bigint; interfaceId: number; comment?: string; flags?: number }

/** Section 1 little-endian, section 2 big-endian. */
export function exoticPcapng(): { bytes: Uint8Array; expected: Expected[] } {
  const L = true, B = false;
  const s1 = cat(
    shb(L, [optText(1, 'section one'), optText(4, 'hand-built')]),
    idb(L, 1, 0), // default resolution: microseconds
    idb(L, 1, 128, [optText(2, 'eth1'), optU8(9, 0x8a)]), // 2^-10 s
    nrb(L),
    epb(L, 0, 1_700_000_000_123_456n, frame(1, 61), 61, [optText(1, 'first'), optU32(2, 0x00000002, L)]),
    custom(L, true, Uint8Array.of(1, 2, 3)),
    epb(L, 1, 1_740_800_000_000n + 512n, frame(2, 128), 1500),
    spb(L, frame(3, 77)),
    block(0x80000001, Uint8Array.of(9, 9, 9, 9), L), // local-use block type: skipped
    pb(L, 1, 1024n * 1_700_000_001n, frame(4, 90), 90, [optText(1, 'obsolete'), optU32(2, 1, L)]),
    isb(L, 0),
    custom(L, false, new Uint8Array(0)),
  );
  const s2 = cat(
    shb(B),
    idb(B, 1, 65535, [optU8(9, 9), optI64(14, 100n, B)]), // ns, +100 s
    epb(B, 0, 1_600_000_000_000_000_007n, frame(5, 64), 64, [optText(1, 'big'), optText(1, 'endian')]),
    idb(B, 101, 65535), // raw IP, but nothing is captured on it
    epb(B, 0, 1n, frame(6, 1514), 1514, [optU32(2, 0x80000001, B)]),
  );
  const expected: Expected[] = [
    { len: 61, origLen: 61, tsNs: 1_700_000_000_123_456_000n, interfaceId: 0, comment: 'first', flags: 2 },
    { len: 128, origLen: 1500, tsNs: 1_700_000_000_500_000_000n, interfaceId: 1 },
    { len: 77, origLen: 77, tsNs: 0n, interfaceId: 0 },
    { len: 90, origLen: 90, tsNs: 1_700_000_001_000_000_000n, interfaceId: 1, comment: 'obsolete', flags: 1 },
    { len: 64, origLen: 64, tsNs: 1_600_000_100_000_000_007n, interfaceId: 0, comment: 'big' },
    { len: 1514, origLen: 1514, tsNs: 100_000_000_001n, interfaceId: 0, flags: 0x80000001 },
  ];
  return { bytes: cat(s1, s2), expected };
}
