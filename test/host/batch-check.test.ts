import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Action, BATCH_CAPACITY, DESC_OFFSET, VERDICT_OFFSET, VERDICT_SENTINEL } from '../../host/abi.js';
import { Batch } from '../../host/batch.js';
import { batchCheck, GuestWindow } from '../../host/batch-check.js';
import { compileBatchCheck } from '../../host/batch-check-build.js';
import { BATCH_CHECK_WASM_BASE64 } from '../../host/generated/batch-check-wasm.js';
import { ProgramStats } from '../../host/stats.js';

const test = suite('host/batch-check');

/** A stand-in for a guest's memory: big enough for the descriptor and record areas. */
function guestWords(): Uint32Array { return new Uint32Array(0x4000 / 4); }

/** Deterministic pseudo-random u32s. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0; return s; };
}

/** The rule docs/sandbox.md states, written plainly: what the check must produce for one record. */
function model(addr: number, len: number, head: number, tail: number, v: number, na: number, nl: number, ports: number) {
  const a = v & 0xff, t = v >>> 8, hi = addr + len + tail;
  const ok = na >= addr - head && na <= hi && nl <= hi - na && a <= Action.REDIRECT && (a === Action.REDIRECT ? t < ports : t === 0);
  return ok ? { action: a, target: t, addr: na, len: nl } : { action: Action.ABORTED, target: 0, addr, len };
}

test('every record, honest or forged, gets exactly the result the rule gives, and is counted once', () => {
  const r = rng(7);
  const ports = 3;
  for (let round = 0; round < 20; round++) {
    const b = new Batch();
    const g = guestWords();
    const n = 1 + (r() % BATCH_CAPACITY);
    for (let i = 0; i < n; i++) {
      const head = r() % 512, len = 14 + (r() % 1500), tail = r() % 600;
      b.push(0x100000 + i * 4096 + head, len, r() % 4, r() % 4, head, tail);
    }
    const check = batchCheck(b);
    const win = new GuestWindow(g);
    check.handOut(win, 0, n);
    for (let j = 0; j < n; j++) {
      const w = (VERDICT_OFFSET >>> 2) + j * 4, addr = b.addr[j], len = b.len[j];
      const pick = r() % 8;
      const action = r() % 6;
      g[w] = pick === 0 ? VERDICT_SENTINEL : pick === 1 ? (Action.REDIRECT | ((r() % 5) << 8)) : pick === 2 ? (action | (1 << 8)) : action;
      g[w + 1] = pick === 3 ? addr - b.headroom[j] + (r() % 64) : pick === 4 ? r() : pick === 5 ? addr + len + b.tailroom[j] + 1 : addr;
      g[w + 2] = pick === 3 ? r() % 200 : pick === 6 ? len + b.tailroom[j] + 1 : pick === 7 ? 0xffffffff : len;
    }
    const stats = new ProgramStats();
    check.accept(win, 0, n, ports, stats);
    const counts = [0, 0, 0, 0, 0];
    let invalid = 0;
    for (let j = 0; j < n; j++) {
      const w = (VERDICT_OFFSET >>> 2) + j * 4;
      const want = model(b.addr[j], b.len[j], b.headroom[j], b.tailroom[j], g[w], g[w + 1], g[w + 2], ports);
      const got = { action: b.action[j], target: b.target[j], addr: b.outAddr[j], len: b.outLen[j] };
      assert.equal(got, want, `round ${round}, record ${j}: ${g[w]} ${g[w + 1]} ${g[w + 2]}`);
      counts[want.action]++;
      if (want.action === Action.ABORTED && !(g[w] === Action.ABORTED && g[w + 1] === b.addr[j] && g[w + 2] === b.len[j])) invalid++;
    }
    assert.equal(Array.from(stats.verdicts), counts, 'verdict counts');
    assert.ok(stats.invalidVerdicts <= invalid && stats.invalidVerdicts >= invalid - counts[0], 'invalid verdicts counted');
  }
});

test('descriptors reach the guest in the ABI layout, each record set to the sentinel', () => {
  const b = new Batch();
  b.push(0x20100, 60, 1, 2, 256, 1732);
  b.push(0x20900, 1514, 3, 0, 128, 406);
  const g = guestWords().fill(0x55555555);
  batchCheck(b).handOut(new GuestWindow(g), 1, 1);
  const d = DESC_OFFSET >>> 2, v = VERDICT_OFFSET >>> 2;
  assert.equal(Array.from(g.subarray(d, d + 4)), [0x20900, 1514, 3, 128 | (406 << 16)], 'the second packet, handed out alone');
  assert.equal(Array.from(g.subarray(v, v + 4)), [VERDICT_SENTINEL, VERDICT_SENTINEL, VERDICT_SENTINEL, VERDICT_SENTINEL]);
  assert.is(g[d + 4], 0x55555555, 'nothing past the k descriptors');
  assert.is(g[v + 4], 0x55555555, 'nothing past the k records');
});

test('batches sharing a memory keep their own descriptors and results', () => {
  const a = new Batch(), b = new Batch();
  assert.is(a.memory, b.memory, 'batches share one memory (one check instance)');
  a.push(0x20100, 100, 0, 0, 256, 1692);
  b.push(0x40100, 200, 0, 0, 256, 1592);
  const ga = guestWords(), gb = guestWords();
  batchCheck(a).handOut(new GuestWindow(ga), 0, 1);
  batchCheck(b).handOut(new GuestWindow(gb), 0, 1);
  const v = VERDICT_OFFSET >>> 2;
  ga.set([Action.DROP, 0x20100, 100], v);
  gb.set([Action.TX, 0x40100, 200], v);
  const s = new ProgramStats();
  batchCheck(b).accept(new GuestWindow(gb), 0, 1, 1, s);
  batchCheck(a).accept(new GuestWindow(ga), 0, 1, 1, s);
  assert.equal([a.action[0], a.outAddr[0], b.action[0], b.outAddr[0]], [Action.DROP, 0x20100, Action.TX, 0x40100]);
  // a's record claiming b's frame is not a's frame
  ga.set([Action.TX, 0x40100, 200], v);
  batchCheck(a).accept(new GuestWindow(ga), 0, 1, 1, s);
  assert.equal([a.action[0], a.outAddr[0], s.invalidVerdicts], [Action.ABORTED, 0x20100, 1]);
});

test('the shipped check module is host/batch-check-wat.ts compiled (else run npm run gen:batch-check)', () => {
  assert.is(BATCH_CHECK_WASM_BASE64, compileBatchCheck());
});

test.run();
