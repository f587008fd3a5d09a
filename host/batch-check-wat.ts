// The batch check's wasm module as text: the one source of
// host/generated/batch-check-wasm.ts (npm run gen:batch-check writes it;
// test/host/batch-check.test.ts fails when the two differ). Kept apart from
// the check so that the data path never loads binaryen to build it.

import { Action } from './abi.js';
import { BATCH_LAYOUT as L } from './batch.js';

/** action[i] after the wasm pass for a record it left to acceptOther. */
export const FLAGGED = 0xff;

// format(start, k): desc[j] = the descriptor of packet start + j, in the ABI layout.
// check(start, k) -> flagged: accepts the common answers, counts them per action at
// `counts`, flags the rest; returns how many it flagged.
export const BATCH_CHECK_WAT = `(module
 (import "batch" "memory" (memory 0))
 (func (export "format") (param $base i32) (param $start i32) (param $k i32)
  (local $j i32) (local $i2 i32) (local $i4 i32) (local $d i32)
  (block $done (loop $next
   (br_if $done (i32.ge_u (local.get $j) (local.get $k)))
   (local.set $i2 (i32.shl (i32.add (local.get $start) (local.get $j)) (i32.const 1)))
   (local.set $i4 (i32.add (local.get $base) (i32.shl (local.get $i2) (i32.const 1))))
   (local.set $i2 (i32.add (local.get $base) (local.get $i2)))
   (local.set $d (i32.add (i32.add (local.get $base) (i32.const ${L.desc})) (i32.shl (local.get $j) (i32.const 4))))
   (i32.store (local.get $d) (i32.load offset=${L.addr} (local.get $i4)))
   (i32.store offset=4 (local.get $d) (i32.load offset=${L.len} (local.get $i4)))
   (i32.store offset=8 (local.get $d) (i32.or (i32.load16_u offset=${L.port} (local.get $i2))
     (i32.shl (i32.load16_u offset=${L.queue} (local.get $i2)) (i32.const 16))))
   (i32.store offset=12 (local.get $d) (i32.or (i32.load16_u offset=${L.headroom} (local.get $i2))
     (i32.shl (i32.load16_u offset=${L.tailroom} (local.get $i2)) (i32.const 16))))
   (local.set $j (i32.add (local.get $j) (i32.const 1)))
   (br $next))))
 (func (export "check") (param $base i32) (param $start i32) (param $k i32) (result i32)
  (local $j i32) (local $i i32) (local $i4 i32) (local $r i32) (local $v i32) (local $na i32) (local $nl i32)
  (local $flagged i32) (local $c0 i32) (local $c1 i32) (local $c2 i32) (local $c3 i32)
  (block $done (loop $next
   (br_if $done (i32.ge_u (local.get $j) (local.get $k)))
   (local.set $i (i32.add (local.get $start) (local.get $j)))
   (local.set $i4 (i32.add (local.get $base) (i32.shl (local.get $i) (i32.const 2))))
   (local.set $i (i32.add (local.get $base) (local.get $i)))
   (local.set $r (i32.add (i32.add (local.get $base) (i32.const ${L.records})) (i32.shl (local.get $j) (i32.const 4))))
   (local.set $v (i32.load (local.get $r)))
   (local.set $na (i32.load offset=4 (local.get $r)))
   (local.set $nl (i32.load offset=8 (local.get $r)))
   (if (i32.and (i32.and (i32.eq (local.get $na) (i32.load offset=${L.addr} (local.get $i4)))
                         (i32.eq (local.get $nl) (i32.load offset=${L.len} (local.get $i4))))
                (i32.le_u (local.get $v) (i32.const ${Action.TX})))
    (then
     (i32.store8 offset=${L.action} (local.get $i) (local.get $v))
     (i32.store offset=${L.target} (local.get $i4) (i32.const 0))
     (i32.store offset=${L.outAddr} (local.get $i4) (local.get $na))
     (i32.store offset=${L.outLen} (local.get $i4) (local.get $nl))
     (local.set $c0 (i32.add (local.get $c0) (i32.eq (local.get $v) (i32.const 0))))
     (local.set $c1 (i32.add (local.get $c1) (i32.eq (local.get $v) (i32.const 1))))
     (local.set $c2 (i32.add (local.get $c2) (i32.eq (local.get $v) (i32.const 2))))
     (local.set $c3 (i32.add (local.get $c3) (i32.eq (local.get $v) (i32.const 3)))))
    (else
     (i32.store8 offset=${L.action} (local.get $i) (i32.const ${FLAGGED}))
     (local.set $flagged (i32.add (local.get $flagged) (i32.const 1)))))
   (local.set $j (i32.add (local.get $j) (i32.const 1)))
   (br $next)))
  (i32.store offset=${L.counts} (local.get $base) (local.get $c0))
  (i32.store offset=${L.counts + 4} (local.get $base) (local.get $c1))
  (i32.store offset=${L.counts + 8} (local.get $base) (local.get $c2))
  (i32.store offset=${L.counts + 12} (local.get $base) (local.get $c3))
  (local.get $flagged)))`;

