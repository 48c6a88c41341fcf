;; When the envelope is longer than 300 bytes, grows its table by 0x7fffffff
;; and by 200,000,000 entries: both must fail (-1) at the table limit, or the
;; guest traps. Then, and otherwise, replies ["alive"].
(module
  (import "hub" "reply" (func $reply (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (table $t 1 funcref)
  (data (i32.const 0) "[\"alive\"]")
  (func (export "hub_abi_version") (result i32) (i32.const 1))
  (func (export "hub_on_event") (param $len i32) (result i32)
    (if (i32.gt_u (local.get $len) (i32.const 300))
      (then
        (if (i32.ne (table.grow $t (ref.null func) (i32.const 0x7fffffff)) (i32.const -1))
          (then unreachable))
        (if (i32.ne (table.grow $t (ref.null func) (i32.const 200000000)) (i32.const -1))
          (then unreachable))))
    (drop (call $reply (i32.const 0) (i32.const 9)))
    (i32.const 0)))
