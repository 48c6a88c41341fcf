;; Imports functions no hub provides.
(module
  (import "hub" "teleport" (func $teleport (param i32) (result i32)))
  (import "env" "abort" (func $abort (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (func (export "hub_abi_version") (result i32) (i32.const 1))
  (func (export "hub_on_event") (param $len i32) (result i32) (i32.const 0)))
