;; Loops forever when the envelope is longer than 300 bytes (the test sends big
;; args for that); otherwise replies ["alive"]. The deadline must stop the loop,
;; and the next (short) event must work.
(module
  (import "hub" "reply" (func $reply (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "[\"alive\"]")
  (func (export "hub_abi_version") (result i32) (i32.const 1))
  (func (export "hub_on_event") (param $len i32) (result i32)
    (if (i32.gt_u (local.get $len) (i32.const 300))
      (then (loop $forever (br $forever))))
    (drop (call $reply (i32.const 0) (i32.const 9)))
    (i32.const 0)))
