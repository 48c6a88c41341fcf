;; ABI v1.1 binary round trip: reads binary argument 0, attaches its bytes
;; but the first, raw-emits "bin" with the attachment to every socket and
;; replies [binary 0, the attachment]. Any host answer other than the one
;; expected (binary_read of a missing index -1, a placeholder naming no
;; binary -2, the attachment's index 1) fails the event.
(module
  (import "hub" "binary_read" (func $binary_read (param i32 i32 i32) (result i32)))
  (import "hub" "binary_attach" (func $binary_attach (param i32 i32) (result i32)))
  (import "hub" "raw" (func $raw (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "hub" "reply" (func $reply (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "[{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]")   ;; 0..61
  (data (i32.const 128) "[{\"_placeholder\":true,\"num\":7}]")  ;; 128..159
  (data (i32.const 192) "[{\"_placeholder\":true,\"num\":1}]")  ;; 192..223
  (data (i32.const 256) "bin")
  (func (export "hub_abi_version") (result i32) (i32.const 0x0101))
  (func (export "hub_on_event") (param $len i32) (result i32)
    (local $n i32)
    (local.set $n (call $binary_read (i32.const 0) (i32.const 4096) (i32.const 4096)))
    (if (i32.lt_s (local.get $n) (i32.const 1)) (then (return (i32.const 1))))
    (if (i32.ne (call $binary_read (i32.const 5) (i32.const 0) (i32.const 0)) (i32.const -1))
      (then (return (i32.const 1))))
    (if (i32.ne (call $binary_attach (i32.const 4097) (i32.sub (local.get $n) (i32.const 1))) (i32.const 1))
      (then (return (i32.const 1))))
    (if (i32.ne (call $raw (i32.const 0) (i32.const 0) (i32.const 256) (i32.const 3) (i32.const 128) (i32.const 31) (i32.const 0)) (i32.const -2))
      (then (return (i32.const 1))))
    (if (call $raw (i32.const 0) (i32.const 0) (i32.const 256) (i32.const 3) (i32.const 192) (i32.const 31) (i32.const 0))
      (then (return (i32.const 1))))
    (if (call $reply (i32.const 0) (i32.const 61))
      (then (return (i32.const 1))))
    (i32.const 0)))
