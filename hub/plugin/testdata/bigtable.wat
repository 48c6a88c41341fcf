;; Declares a table of 10,000,000 entries (80 MB an instance): refused at load.
(module
  (memory (export "memory") 1)
  (table 10000000 funcref)
  (func (export "hub_abi_version") (result i32) (i32.const 1))
  (func (export "hub_on_event") (param i32) (result i32) (i32.const 0)))
