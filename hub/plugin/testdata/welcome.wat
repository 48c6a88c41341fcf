;; Bound twice with different configs. {"mode":"c"} (on connection): counts the
;; connection in KV "conns" and sends "welcome" to the socket. {"mode":"s"} (on a
;; client event): replies [<conns>].
(module
  (import "hub" "input_read" (func $input_read (param i32 i32) (result i32)))
  (import "hub" "kv_add" (func $kv_add (param i32 i32 i64 i64 i32) (result i32)))
  (import "hub" "kv_get" (func $kv_get (param i32 i32 i32 i32) (result i32)))
  (import "hub" "send" (func $send (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "hub" "reply" (func $reply (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $mode (mut i32) (i32.const 0))
  (data (i32.const 0) "conns")     ;; 0..5
  (data (i32.const 16) "welcome")  ;; 16..23
  (data (i32.const 32) "[]")       ;; 32..34
  (func (export "hub_abi_version") (result i32) (i32.const 1))
  (func (export "hub_init") (param $len i32) (result i32)
    (drop (call $input_read (i32.const 512) (i32.const 64)))
    (global.set $mode (i32.load8_u (i32.const 521)))
    (i32.const 0))
  (func (export "hub_on_event") (param $len i32) (result i32)
    (local $n i32)
    (if (i32.eq (global.get $mode) (i32.const 99)) ;; 'c'
      (then
        (drop (call $kv_add (i32.const 0) (i32.const 5) (i64.const 1) (i64.const 0) (i32.const 8)))
        (return (call $send (i32.const 0) (i32.const 0) (i32.const 16) (i32.const 7) (i32.const 32) (i32.const 2)))))
    ;; "[" value "]" at 128
    (i32.store8 (i32.const 128) (i32.const 91))
    (local.set $n (call $kv_get (i32.const 0) (i32.const 5) (i32.const 129) (i32.const 32)))
    (if (i32.lt_s (local.get $n) (i32.const 0))
      (then (i32.store8 (i32.const 129) (i32.const 48)) (local.set $n (i32.const 1))))
    (i32.store8 (i32.add (i32.const 129) (local.get $n)) (i32.const 93))
    (drop (call $reply (i32.const 128) (i32.add (local.get $n) (i32.const 2))))
    (i32.const 0)))
