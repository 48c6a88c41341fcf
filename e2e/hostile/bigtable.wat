;; Declares a 10,000,000-entry table: ~80 MB per instance if it were loaded.
;; It must be refused at load, naming the file and the limit.
(module
  (memory (export "memory") 1)
  (table 10000000 funcref)
  (func (export "hub_abi_version") (result i32) (i32.const 1))
  (func (export "hub_on_event") (param $len i32) (result i32) (i32.const 0)))
