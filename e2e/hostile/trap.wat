;; Traps at once (unreachable), and through an out-of-bounds pointer given to
;; the host (reply with a pointer past memory) when the input is short.
(module
  (import "hub" "reply" (func $reply (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "hub_abi_version") (result i32) (i32.const 1))
  (func (export "hub_on_event") (param $len i32) (result i32)
    (if (i32.lt_u (local.get $len) (i32.const 120))
      (then (drop (call $reply (i32.const 0x7ffffff0) (i32.const 64)))))
    unreachable))
