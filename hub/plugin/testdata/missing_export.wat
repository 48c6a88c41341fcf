;; Has no hub_on_event.
(module
  (memory (export "memory") 1)
  (func (export "hub_abi_version") (result i32) (i32.const 1)))
