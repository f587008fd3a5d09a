;; The issue-14 attack: wx.map_declare placed in a table (element segment) and
;; called 4000 times per packet through call_indirect, where the meter used to
;; see no call of a host function. The start function declares the map
;; legitimately; every later call repeats the same declaration. Then PASS.
(module
  (import "env" "memory" (memory 513))
  (import "wx" "map_declare" (func $declare (param i32 i32 i32 i32 i32 i32) (result i32)))
  (type $declare_t (func (param i32 i32 i32 i32 i32 i32) (result i32)))
  (table 1 funcref)
  (elem (i32.const 0) $declare)
  (data (i32.const 0x2010000) "flood")
  (global (export "wx_abi_version") i32 (i32.const 1))
  (func $declare_once (result i32)
    (call_indirect (type $declare_t)
      (i32.const 0x2010000) (i32.const 5) (i32.const 1) (i32.const 4) (i32.const 4) (i32.const 16)
      (i32.const 0)))
  (func $start (drop (call $declare_once)))
  (start $start)
  (func (export "wx_batch") (param $n i32) (result i32)
    (local $i i32) (local $k i32) (local $r i32) (local $d i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $k (i32.const 4000))
        (loop $flood
          (drop (call $declare_once))
          (local.set $k (i32.sub (local.get $k) (i32.const 1)))
          (br_if $flood (local.get $k)))
        (local.set $d (i32.add (i32.const 0x100) (i32.shl (local.get $i) (i32.const 4))))
        (local.set $r (i32.add (i32.const 0x2000) (i32.shl (local.get $i) (i32.const 4))))
        (i32.store offset=4 (local.get $r) (i32.load (local.get $d)))
        (i32.store offset=8 (local.get $r) (i32.load offset=4 (local.get $d)))
        (i32.store offset=12 (local.get $r) (i32.const 0))
        (i32.store (local.get $r) (i32.const 2))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $n)))
