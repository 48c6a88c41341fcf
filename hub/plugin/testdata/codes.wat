;; Calls host functions with bad arguments and replies with the codes they
;; returned, as a JSON array of 6 numbers built in memory:
;; [reply-not-array, emit-bad-event, raw-reserved, join-unknown-socket, kv_get-missing, second-reply]
(module
  (import "hub" "reply" (func $reply (param i32 i32) (result i32)))
  (import "hub" "emit" (func $emit (param i32 i32 i32 i32) (result i32)))
  (import "hub" "raw" (func $raw (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "hub" "join" (func $join (param i32 i32 i32 i32) (result i32)))
  (import "hub" "kv_get" (func $kv_get (param i32 i32 i32 i32) (result i32)))
  (import "hub" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{}")          ;; not an array
  (data (i32.const 8) "nope")        ;; bad content event
  (data (i32.const 16) "connect")    ;; reserved
  (data (i32.const 24) "[]")
  (data (i32.const 32) "ghost")      ;; unknown socket
  (data (i32.const 40) "room")
  (data (i32.const 48) "absent")     ;; missing key
  (global $out (mut i32) (i32.const 1024))
  (func $put (param $b i32)
    (i32.store8 (global.get $out) (local.get $b))
    (global.set $out (i32.add (global.get $out) (i32.const 1))))
  ;; writes a code in -9..9 as JSON
  (func $code (param $c i32)
    (if (i32.lt_s (local.get $c) (i32.const 0))
      (then (call $put (i32.const 45)) (local.set $c (i32.sub (i32.const 0) (local.get $c)))))
    (call $put (i32.add (i32.const 48) (local.get $c))))
  (func (export "hub_abi_version") (result i32) (i32.const 1))
  (func (export "hub_on_event") (param $len i32) (result i32)
    (local $first i32)
    (global.set $out (i32.const 1024))
    (call $put (i32.const 91))
    (call $code (call $reply (i32.const 0) (i32.const 2)))
    (call $put (i32.const 44))
    (call $code (call $emit (i32.const 8) (i32.const 4) (i32.const 24) (i32.const 2)))
    (call $put (i32.const 44))
    (call $code (call $raw (i32.const 0) (i32.const 0) (i32.const 16) (i32.const 7) (i32.const 24) (i32.const 2) (i32.const 0)))
    (call $put (i32.const 44))
    (call $code (call $join (i32.const 32) (i32.const 5) (i32.const 40) (i32.const 4)))
    (call $put (i32.const 44))
    (call $code (call $kv_get (i32.const 48) (i32.const 6) (i32.const 2048) (i32.const 16)))
    (call $put (i32.const 44))
    ;; reply once for real with a placeholder, then see the second reply refused
    (local.set $first (call $reply (i32.const 24) (i32.const 2)))
    (call $code (call $reply (i32.const 24) (i32.const 2)))
    (call $put (i32.const 93))
    ;; the real reply was [] above; stash the codes for the test via log
    (call $log (i32.const 1) (i32.const 1024) (i32.sub (global.get $out) (i32.const 1024)))
    (i32.const 0)))
