;; Recursion until the call stack overflows, with a fat frame (many locals) so
;; each level costs as much stack as it can.
(module
  (memory (export "memory") 1)
  (func $deep (param $d i64) (result i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
           i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (i64.add (call $deep (i64.add (local.get $d) (i64.const 1))) (local.get 5)))
  (func (export "hub_abi_version") (result i32) (i32.const 1))
  (func (export "hub_on_event") (param $len i32) (result i32)
    (drop (call $deep (i64.const 0)))
    (i32.const 0)))
