;; Recursion without end when the envelope is longer than 300 bytes (wazero's
;; own stack grows to hundreds of megabytes before it traps); otherwise
;; replies ["alive"].
(module
  (import "hub" "reply" (func $reply (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "[\"alive\"]")
  (func $deep (param $d i32) (result i32)
    (i32.add (i32.const 1) (call $deep (i32.add (local.get $d) (i32.const 1)))))
  (func (export "hub_abi_version") (result i32) (i32.const 1))
  (func (export "hub_on_event") (param $len i32) (result i32)
    (if (i32.gt_u (local.get $len) (i32.const 300))
      (then (drop (call $deep (i32.const 0)))))
    (drop (call $reply (i32.const 0) (i32.const 9)))
    (i32.const 0)))
