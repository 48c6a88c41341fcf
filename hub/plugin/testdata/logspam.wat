;; Logs too much: 100,000 short lines per event, or, for an envelope longer
;; than 300 bytes, one 15 MiB line. The log caps' test.
(module
  (import "hub" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 241) ;; 15 MiB and a page
  (data (i32.const 0) "hello\n")
  (func (export "hub_abi_version") (result i32) (i32.const 1))
  (func (export "hub_on_event") (param $len i32) (result i32)
    (local $i i32)
    (if (i32.gt_u (local.get $len) (i32.const 300))
      (then
        (memory.fill (i32.const 65536) (i32.const 120) (i32.const 15728640)) ;; 'x'
        (call $log (i32.const 1) (i32.const 65536) (i32.const 15728640))
        (return (i32.const 0))))
    (loop $again
      (call $log (i32.const 1) (i32.const 0) (i32.const 6))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (i32.const 100000))))
    (i32.const 0)))
