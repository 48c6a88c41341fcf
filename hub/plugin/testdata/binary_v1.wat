;; An ABI v1 guest that uses the v1.1 imports: binary_read works, binary_attach
;; is denied (-3, else the event fails), and the placeholder it replies with
;; is sent as the object it is.
(module
  (import "hub" "binary_read" (func $binary_read (param i32 i32 i32) (result i32)))
  (import "hub" "binary_attach" (func $binary_attach (param i32 i32) (result i32)))
  (import "hub" "reply" (func $reply (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "[{\"_placeholder\":true,\"num\":7}]")
  (func (export "hub_abi_version") (result i32) (i32.const 1))
  (func (export "hub_on_event") (param $len i32) (result i32)
    (if (i32.lt_s (call $binary_read (i32.const 0) (i32.const 0) (i32.const 0)) (i32.const 1))
      (then (return (i32.const 1))))
    (if (i32.ne (call $binary_attach (i32.const 0) (i32.const 4)) (i32.const -3))
      (then (return (i32.const 1))))
    (if (call $reply (i32.const 0) (i32.const 31))
      (then (return (i32.const 1))))
    (i32.const 0)))
