;; Calls log 1,000,000 times, then writes one 15 MiB line. The host caps both.
(module
  (import "hub" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 256)
  (data (i32.const 0) "flood line")
  (func (export "hub_abi_version") (result i32) (i32.const 1))
  (func (export "hub_on_event") (param $len i32) (result i32)
    (local $i i32)
    (loop $more
      (call $log (i32.const 1) (i32.const 0) (i32.const 10))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $more (i32.lt_u (local.get $i) (i32.const 1000000))))
    (memory.fill (i32.const 16) (i32.const 65) (i32.const 15728640))
    (call $log (i32.const 1) (i32.const 16) (i32.const 15728640))
    (i32.const 0)))
