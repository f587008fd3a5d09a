// Seeded mutation fuzzing of the capture readers. Every mutated file must either
// parse into a packet list that keeps the readers' promises, or fail with
// E_CAPTURE_FORMAT carrying an offset inside the file. Anything else (a
// RangeError, a TypeError, a hang, a huge allocation) is a bug.
//
// WASMXDP_FUZZ_ITERATIONS sets the mutations per small corpus (default 3000;
// the whole bundled capture gets a tenth of that); WASMXDP_FUZZ_SEED changes the seed. A failure prints the seed and
// iteration so it can be replayed.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CaptureFormatError, MAX_CAPTURED_LENGTH, readCapture } from '../../../pipeline/capture/index.js';
import { rng } from '../../helpers/gen-capture.js';
import { corpora, type Corpus } from './corpus.js';

const ITERATIONS = Number(process.env.WASMXDP_FUZZ_ITERATIONS ?? 3000);
const SEED = Number(process.env.WASMXDP_FUZZ_SEED ?? 0xf022);
/** A parse of these small files takes well under a millisecond; this is a hang. */
const SLOW_MS = 500;

const INTERESTING_32 = [0, 1, 3, 4, 8, 11, 12, 13, 16, 20, 24, 28, 32, 0x7fff, 0xffff, 0x10000, MAX_CAPTURED_LENGTH, MAX_CAPTURED_LENGTH + 1,
  0x7fffffff, 0x80000000, 0xfffffff0, 0xfffffffc, 0xffffffff];
const INTERESTING_16 = [0, 1, 2, 3, 4, 8, 9, 14, 0x7fff, 0x8000, 0xfffc, 0xffff];

type Mutator = (b: Uint8Array, c: Corpus, r: Rand) => Uint8Array;

class Rand {
  private readonly next: () => number;
  constructor(seed: number) { this.next = rng(seed); }
  int(n: number): number { return Math.floor(this.next() * n); }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)]; }
  bool(): boolean { return this.next() < 0.5; }
}

const put32 = (b: Uint8Array, off: number, n: number, le: boolean): void => {
  if (off >= 0 && off + 4 <= b.length) new DataView(b.buffer, b.byteOffset).setUint32(off, n >>> 0, le);
};

const mutators: Record<string, Mutator> = {
  flipBits(b, _c, r) {
    const out = b.slice();
    for (let i = 1 + r.int(8); i > 0; i--) out[r.int(out.length)] ^= 1 << r.int(8);
    return out;
  },
  interestingByte(b, _c, r) {
    const out = b.slice();
    out[r.int(out.length)] = r.pick([0, 1, 0x7f, 0x80, 0xff]);
    return out;
  },
  // Rewrite a length-like field of some block or record: the block lengths,
  // caplen/origLen, the interface id, or a word inside the body.
  lengthLie(b, c, r) {
    const out = b.slice();
    const u = r.pick(c.units);
    const field = r.pick([4, 8, 12, 20, 24, u.length - 4, 4 * r.int(Math.max(1, u.length / 4))]);
    const v = r.pick([...INTERESTING_32, u.length + 4, u.length - 4, b.length - u.offset, r.int(0x100000000)]);
    put32(out, u.offset + field, v, r.int(4) !== 0);
    return out;
  },
  // Option headers are 16-bit code/length pairs at 4-byte boundaries.
  optionLie(b, c, r) {
    const out = b.slice();
    const u = r.pick(c.units);
    const off = u.offset + 4 * r.int(Math.max(1, u.length / 4)) + 2 * r.int(2);
    if (off + 2 <= out.length) new DataView(out.buffer).setUint16(off, r.pick(INTERESTING_16), r.int(4) !== 0);
    return out;
  },
  truncate(b, _c, r) { return b.slice(0, r.int(b.length)); },
  duplicateUnit(b, c, r) {
    const u = r.pick(c.units);
    const at = r.pick(c.units).offset;
    return concat(b.subarray(0, at), b.subarray(u.offset, u.offset + u.length), b.subarray(at));
  },
  deleteUnit(b, c, r) {
    const u = r.pick(c.units);
    return concat(b.subarray(0, u.offset), b.subarray(u.offset + u.length));
  },
  appendGarbage(b, _c, r) {
    const tail = Uint8Array.from({ length: r.int(40) }, () => r.int(256));
    return concat(b, tail);
  },
  spliceForeign(b, _c, r) {
    // Bytes from elsewhere in the file land somewhere else: blocks whose
    // lengths point into the middle of other blocks.
    const from = r.int(b.length), to = r.int(b.length), n = 1 + r.int(64);
    const out = b.slice();
    out.set(b.subarray(from, Math.min(b.length, from + n)).subarray(0, Math.max(0, out.length - to)), to);
    return out;
  },
};

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) { out.set(p, off); off += p.length; }
  return out;
}

interface Tally { parsed: number; rejected: number; packets: number; slowestMs: number; reasons: Set<string> }

function fuzz(c: Corpus, seed: number, iterations: number): Tally {
  const r = new Rand(seed);
  const names = Object.keys(mutators);
  const tally: Tally = { parsed: 0, rejected: 0, packets: 0, slowestMs: 0, reasons: new Set() };
  for (let it = 0; it < iterations; it++) {
    let b = c.bytes;
    const ops: string[] = [];
    for (let n = 1 + r.int(3); n > 0 && b.length > 0; n--) {
      const op = r.pick(names);
      ops.push(op);
      b = mutators[op](b, c, r);
    }
    const where = `${c.name} seed 0x${seed.toString(16)} iteration ${it} (${ops.join(', ')})`;
    const t0 = performance.now();
    try {
      const anyLinkType = r.bool();
      for (const p of readCapture(b, { name: c.name, anyLinkType })) {
        tally.packets++;
        if (!(p.data.length <= MAX_CAPTURED_LENGTH && p.origLen >= p.data.length && typeof p.tsNs === 'bigint'
          && p.data.buffer === b.buffer && (anyLinkType || p.linkType === 1))) {
          assert.unreachable(`${where}: packet breaks the reader's promises: ${JSON.stringify({ len: p.data.length, origLen: p.origLen, linkType: p.linkType })}`);
        }
      }
      tally.parsed++;
    } catch (e) {
      if (!(e instanceof CaptureFormatError) || e.code !== 'E_CAPTURE_FORMAT') {
        assert.unreachable(`${where}: threw ${e instanceof Error ? e.stack : String(e)}`);
      }
      const err = e as CaptureFormatError;
      if (!(Number.isInteger(err.offset) && err.offset >= 0 && err.offset <= b.length && err.message.includes(`offset ${err.offset}`))) {
        assert.unreachable(`${where}: error offset ${err.offset} outside the ${b.length}-byte file: ${err.message}`);
      }
      tally.rejected++;
      // Distinct reasons, numbers masked: shows how much of the reader a run reached.
      tally.reasons.add(err.message.slice(c.name.length + 2).replace(/ at offset \d+.*$/s, '')
        .replace(/0x[0-9a-f]+|(?:\b[0-9a-f]{2} ){3}[0-9a-f]{2}\b|\d+/g, 'N'));
    }
    const ms = performance.now() - t0;
    tally.slowestMs = Math.max(tally.slowestMs, ms);
    if (ms > SLOW_MS) assert.unreachable(`${where}: took ${ms.toFixed(0)} ms`);
  }
  return tally;
}

const test = suite('fuzz');

const small = corpora();
const whole = corpora(Infinity).filter((c) => c.name === 'mix.pcapng').map((c) => ({ ...c, name: 'mix-whole.pcapng' }));
[...small.map((c) => [c, ITERATIONS] as const), ...whole.map((c) => [c, Math.ceil(ITERATIONS / 10)] as const)].forEach(([c, n], i) => {
  test(`${c.name}: ${n} seeded mutations parse or fail with E_CAPTURE_FORMAT`, () => {
    const t = fuzz(c, SEED + i, n);
    console.log(`  ${c.name}: ${n} mutations, ${t.parsed} parsed (${t.packets} packets), ${t.rejected} rejected`
      + ` for ${t.reasons.size} different reasons, slowest ${t.slowestMs.toFixed(1)} ms`);
    if (process.env.WASMXDP_FUZZ_VERBOSE) console.log([...t.reasons].sort().join("\n"));
    assert.is(t.parsed + t.rejected, n);
    // Both outcomes must actually occur, or the mutations are not reaching the parser.
    assert.ok(t.parsed > n / 20 && t.rejected > n / 4, JSON.stringify({ ...t, reasons: [...t.reasons] }));
  });
});

test.run();
