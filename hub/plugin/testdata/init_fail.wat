;; Refuses its configuration in hub_init.
(module
  (import "hub" "set_error" (func $set_error (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "config needs a room")
  (func (export "hub_abi_version") (result i32) (i32.const 1))
  (func (export "hub_init") (param $len i32) (result i32)
    (call $set_error (i32.const 0) (i32.const 19))
    (i32.const 1))
  (func (export "hub_on_event") (param $len i32) (result i32) (i32.const 0)))
