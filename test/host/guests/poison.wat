;; Traps on demand: the first byte of each packet picks what its handler does.
;;   0xee  spins forever (fuel)          0xdd  unreachable
;;   0xdc  loads beyond the memory       0xdb  divides by zero
;;   0xda  recurses without bound        anything else: PASS
(module
  (import "env" "memory" (memory 513))
  (global (export "wx_abi_version") i32 (i32.const 1))
  (func $recurse (param $d i32) (result i32)
    (i32.add (call $recurse (i32.add (local.get $d) (i32.const 1))) (i32.const 1)))
  (func $handle (param $addr i32) (param $len i32) (result i32)
    (local $tag i32)
    (local.set $tag (i32.load8_u (local.get $addr)))
    (if (i32.eq (local.get $tag) (i32.const 0xee)) (then (loop $spin (br $spin))))
    (if (i32.eq (local.get $tag) (i32.const 0xdd)) (then (unreachable)))
    (if (i32.eq (local.get $tag) (i32.const 0xdc)) (then (drop (i32.load (i32.const 0xfffffff0)))))
    (if (i32.eq (local.get $tag) (i32.const 0xdb))
      (then (drop (i32.div_u (i32.const 1) (i32.sub (local.get $len) (local.get $len))))))
    (if (i32.eq (local.get $tag) (i32.const 0xda)) (then (drop (call $recurse (i32.const 0)))))
    (i32.const 2))
  (func (export "wx_batch") (param $n i32) (result i32)
    (local $i i32) (local $r i32) (local $d i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $d (i32.add (i32.const 0x100) (i32.shl (local.get $i) (i32.const 4))))
        (local.set $r (i32.add (i32.const 0x2000) (i32.shl (local.get $i) (i32.const 4))))
        (i32.store offset=4 (local.get $r) (i32.load (local.get $d)))
        (i32.store offset=8 (local.get $r) (i32.load offset=4 (local.get $d)))
        (i32.store offset=12 (local.get $r) (i32.const 0))
        ;; the action last: a record is answered once its action is written
        (i32.store (local.get $r) (call $handle (i32.load (local.get $d)) (i32.load offset=4 (local.get $d))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $n)))
