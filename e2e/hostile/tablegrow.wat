;; Grows its funcref table by 200,000,000 entries, then by 0x7fffffff. The
;; grows must fail (-1) within the limits; the handler then replies with what
;; table.grow returned, and fails (status 2) if either grow succeeded.
(module
  (import "hub" "reply" (func $reply (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (table $t 1 funcref)
  (data (i32.const 0) "[\"refused\"]")
  (func (export "hub_abi_version") (result i32) (i32.const 1))
  (func (export "hub_on_event") (param $len i32) (result i32)
    (if (i32.ne (table.grow $t (ref.null func) (i32.const 200000000)) (i32.const -1))
      (then (return (i32.const 2))))
    (if (i32.ne (table.grow $t (ref.null func) (i32.const 0x7fffffff)) (i32.const -1))
      (then (return (i32.const 2))))
    (drop (call $reply (i32.const 0) (i32.const 11)))
    (i32.const 0)))
