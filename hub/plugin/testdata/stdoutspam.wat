;; Writes 100,000 lines to WASI stdout per event: the same per-event log caps
;; hold for stdout and stderr as for the log import.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\10\00\00\00\06\00\00\00") ;; iovec {ptr 16, len 6}
  (data (i32.const 16) "hello\n")
  (func (export "hub_abi_version") (result i32) (i32.const 1))
  (func (export "hub_on_event") (param $len i32) (result i32)
    (local $i i32)
    (loop $again
      (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 32)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (i32.const 100000))))
    (i32.const 0)))
