;; Claims ABI version 2: refused without being instantiated.
(module
  (import "env" "memory" (memory 513))
  (global (export "wx_abi_version") i32 (i32.const 2))
  (func (export "wx_batch") (param $n i32) (result i32) (local.get $n)))
