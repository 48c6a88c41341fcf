;; hub_init busy-loops for 800 ms (now_ms), and on past that while the KV key
;; "hold" exists (tests keep a new instance initialising for as long as they
;; need). Events trap when the envelope is longer than 300 bytes; otherwise
;; they reply ["alive"].
(module
  (import "hub" "now_ms" (func $now (result i64)))
  (import "hub" "kv_get" (func $kv_get (param i32 i32 i32 i32) (result i32)))
  (import "hub" "reply" (func $reply (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "[\"alive\"]")
  (data (i32.const 16) "hold")
  (func (export "hub_abi_version") (result i32) (i32.const 1))
  (func (export "hub_init") (param $len i32) (result i32)
    (local $end i64)
    (local.set $end (i64.add (call $now) (i64.const 800)))
    (loop $spin
      (br_if $spin (i64.lt_s (call $now) (local.get $end)))
      (br_if $spin (i32.ge_s (call $kv_get (i32.const 16) (i32.const 4) (i32.const 32) (i32.const 8)) (i32.const 0))))
    (i32.const 0))
  (func (export "hub_on_event") (param $len i32) (result i32)
    (if (i32.gt_u (local.get $len) (i32.const 300))
      (then (drop (i32.load (i32.const 0x7ffffff0)))))
    (drop (call $reply (i32.const 0) (i32.const 9)))
    (i32.const 0)))
