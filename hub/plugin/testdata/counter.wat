;; Adds 1 to the KV counter "n" and replies [n] (n < 10000 fits the 4 digits
;; this writes). The global counts events seen by this instance.
(module
  (import "hub" "kv_add" (func $kv_add (param i32 i32 i64 i64 i32) (result i32)))
  (import "hub" "reply" (func $reply (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "n")
  (func (export "hub_abi_version") (result i32) (i32.const 1))
  (func (export "hub_on_event") (param $len i32) (result i32)
    (local $n i64) (local $p i32)
    (if (i32.ne (call $kv_add (i32.const 0) (i32.const 1) (i64.const 1) (i64.const 0) (i32.const 8)) (i32.const 0))
      (then (return (i32.const 1))))
    (local.set $n (i64.load (i32.const 8)))
    ;; "[dddd]" right-aligned digits without leading zeros is overkill: write 4 digits
    (i32.store8 (i32.const 16) (i32.const 91))
    (i32.store8 (i32.const 17) (i32.add (i32.const 48) (i32.wrap_i64 (i64.rem_u (i64.div_u (local.get $n) (i64.const 1000)) (i64.const 10)))))
    (i32.store8 (i32.const 18) (i32.add (i32.const 48) (i32.wrap_i64 (i64.rem_u (i64.div_u (local.get $n) (i64.const 100)) (i64.const 10)))))
    (i32.store8 (i32.const 19) (i32.add (i32.const 48) (i32.wrap_i64 (i64.rem_u (i64.div_u (local.get $n) (i64.const 10)) (i64.const 10)))))
    (i32.store8 (i32.const 20) (i32.add (i32.const 48) (i32.wrap_i64 (i64.rem_u (local.get $n) (i64.const 10)))))
    (i32.store8 (i32.const 21) (i32.const 93))
    ;; JSON numbers may not have leading zeros: send it as a string
    (i32.store8 (i32.const 15) (i32.const 91))
    (i32.store8 (i32.const 16) (i32.const 34))
    (i32.store8 (i32.const 21) (i32.const 34))
    (i32.store8 (i32.const 22) (i32.const 93))
    (drop (call $reply (i32.const 15) (i32.const 8)))
    (i32.const 0)))
