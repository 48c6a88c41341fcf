;; A trivial handler: reads the envelope and replies ["pong"]. The benchmark's
;; "trivial WAT handler".
(module
  (import "hub" "input_read" (func $input_read (param i32 i32) (result i32)))
  (import "hub" "reply" (func $reply (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "[\"pong\"]")
  (func (export "hub_abi_version") (result i32) (i32.const 1))
  (func (export "hub_on_event") (param $len i32) (result i32)
    (drop (call $input_read (i32.const 1024) (i32.const 8192)))
    (drop (call $reply (i32.const 0) (i32.const 8)))
    (i32.const 0)))
