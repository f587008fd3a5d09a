;; Reference guest: answers PASS for every descriptor, echoing addr and len.
;; Hostile variants in this folder start from it.
(module
  (import "env" "memory" (memory 513))
  (global (export "wx_abi_version") i32 (i32.const 1))
  (func (export "wx_batch") (param $n i32) (result i32)
    (local $i i32) (local $r i32) (local $d i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $d (i32.add (i32.const 0x100) (i32.shl (local.get $i) (i32.const 4))))
        (local.set $r (i32.add (i32.const 0x2000) (i32.shl (local.get $i) (i32.const 4))))
        (i32.store (local.get $r) (i32.const 2))
        (i32.store offset=4 (local.get $r) (i32.load (local.get $d)))
        (i32.store offset=8 (local.get $r) (i32.load offset=4 (local.get $d)))
        (i32.store offset=12 (local.get $r) (i32.const 0))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $n)))
