;; Passes a pointer outside its memory to a host call: the instance traps.
(module
  (import "hub" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 1)
  (func (export "hub_abi_version") (result i32) (i32.const 1))
  (func (export "hub_on_event") (param $len i32) (result i32)
    (call $log (i32.const 1) (i32.const 65530) (i32.const 100))
    (i32.const 0)))
