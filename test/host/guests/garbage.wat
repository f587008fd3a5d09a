;; Lies in its answers; the first byte of each packet picks the lie.
;;   0x01 unknown action 9                 0x02 REDIRECT to port 99
;;   0x03 PASS pointing into the control block
;;   0x04 PASS with len 0xffffffff         0x05 PASS with addr+len wrapping past 2^32
;;   0x06 PASS with target bits set        0x07 TX using all headroom (valid)
;;   0x08 TX one byte before the frame     0x09 PASS, empty, at the frame end (valid)
;;   0x0a PASS pointing at packet 0's frame after forging its own descriptor,
;;        and scribbles 0xff over the ABI header
;;   0x0b REDIRECT to (header port count - 1)
;;   0x0c fills the whole verdict array with garbage, then traps
;;   0x0d zeroes the whole descriptor array, then answers PASS for itself from
;;        what it read before; the packets after it read zeroed descriptors
;;   other: PASS.  wx_batch returns garbage.
(module
  (import "env" "memory" (memory 513))
  (global (export "wx_abi_version") i32 (i32.const 1))
  (func $answer (param $r i32) (param $v i32) (param $a i32) (param $l i32)
    (i32.store offset=4 (local.get $r) (local.get $a))
    (i32.store offset=8 (local.get $r) (local.get $l))
    (i32.store offset=12 (local.get $r) (i32.const 0))
    (i32.store (local.get $r) (local.get $v)))
  (func (export "wx_batch") (param $n i32) (result i32)
    (local $i i32) (local $r i32) (local $d i32) (local $tag i32)
    (local $addr i32) (local $len i32) (local $head i32) (local $tail i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $d (i32.add (i32.const 0x100) (i32.shl (local.get $i) (i32.const 4))))
        (local.set $r (i32.add (i32.const 0x2000) (i32.shl (local.get $i) (i32.const 4))))
        (local.set $addr (i32.load (local.get $d)))
        (local.set $len (i32.load offset=4 (local.get $d)))
        (local.set $head (i32.load16_u offset=12 (local.get $d)))
        (local.set $tail (i32.load16_u offset=14 (local.get $d)))
        (local.set $tag (i32.load8_u (local.get $addr)))
        (block $sw
          (if (i32.eq (local.get $tag) (i32.const 1)) (then (call $answer (local.get $r) (i32.const 9) (local.get $addr) (local.get $len)) (br $sw)))
          (if (i32.eq (local.get $tag) (i32.const 2)) (then (call $answer (local.get $r) (i32.const 0x6304) (local.get $addr) (local.get $len)) (br $sw)))
          (if (i32.eq (local.get $tag) (i32.const 3)) (then (call $answer (local.get $r) (i32.const 2) (i32.const 0) (i32.const 16)) (br $sw)))
          (if (i32.eq (local.get $tag) (i32.const 4)) (then (call $answer (local.get $r) (i32.const 2) (local.get $addr) (i32.const -1)) (br $sw)))
          (if (i32.eq (local.get $tag) (i32.const 5)) (then (call $answer (local.get $r) (i32.const 2) (i32.const 0xfffffff0) (i32.const 0x20)) (br $sw)))
          (if (i32.eq (local.get $tag) (i32.const 6)) (then (call $answer (local.get $r) (i32.const 0x502) (local.get $addr) (local.get $len)) (br $sw)))
          (if (i32.eq (local.get $tag) (i32.const 7))
            (then (call $answer (local.get $r) (i32.const 3) (i32.sub (local.get $addr) (local.get $head)) (i32.add (local.get $len) (local.get $head))) (br $sw)))
          (if (i32.eq (local.get $tag) (i32.const 8))
            (then (call $answer (local.get $r) (i32.const 3)
              (i32.sub (local.get $addr) (i32.add (local.get $head) (i32.const 1)))
              (i32.add (local.get $len) (i32.add (local.get $head) (i32.const 1)))) (br $sw)))
          (if (i32.eq (local.get $tag) (i32.const 9))
            (then (call $answer (local.get $r) (i32.const 2) (i32.add (local.get $addr) (i32.add (local.get $len) (local.get $tail))) (i32.const 0)) (br $sw)))
          (if (i32.eq (local.get $tag) (i32.const 10))
            (then
              (i32.store (local.get $d) (i32.load (i32.const 0x100)))
              (call $answer (local.get $r) (i32.const 2) (i32.load (local.get $d)) (local.get $len))
              (memory.fill (i32.const 0) (i32.const 0xff) (i32.const 0x100))
              (br $sw)))
          (if (i32.eq (local.get $tag) (i32.const 11))
            (then (call $answer (local.get $r)
              (i32.or (i32.const 4) (i32.shl (i32.sub (i32.load (i32.const 0x20)) (i32.const 1)) (i32.const 8)))
              (local.get $addr) (local.get $len)) (br $sw)))
          (if (i32.eq (local.get $tag) (i32.const 12))
            (then (memory.fill (i32.const 0x2000) (i32.const 0x77) (i32.const 0x1000)) (unreachable)))
          (if (i32.eq (local.get $tag) (i32.const 13))
            (then (memory.fill (i32.const 0x100) (i32.const 0) (i32.const 0x1000))
              (call $answer (local.get $r) (i32.const 2) (local.get $addr) (local.get $len)) (br $sw)))
          (call $answer (local.get $r) (i32.const 2) (local.get $addr) (local.get $len)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.const 0xdead)))
