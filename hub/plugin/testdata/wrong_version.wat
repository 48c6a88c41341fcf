;; Speaks a future ABI.
(module
  (memory (export "memory") 1)
  (func (export "hub_abi_version") (result i32) (i32.const 2))
  (func (export "hub_on_event") (param $len i32) (result i32) (i32.const 0)))
