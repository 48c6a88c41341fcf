;; An infinite loop.
(module
  (memory (export "memory") 1)
  (func (export "hub_abi_version") (result i32) (i32.const 1))
  (func (export "hub_on_event") (param $len i32) (result i32)
    (loop $forever (br $forever))
    (i32.const 0)))
