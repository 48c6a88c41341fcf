;; The smallest useful handler: reads the envelope, returns 0. Benchmarks use it.
(module
  (import "hub" "input_read" (func $input_read (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "hub_abi_version") (result i32) (i32.const 1))
  (func (export "hub_on_event") (param $len i32) (result i32)
    (drop (call $input_read (i32.const 1024) (i32.const 4096)))
    (i32.const 0)))
