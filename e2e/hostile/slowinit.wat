;; hub_init spins for about 800 ms (counted, not timed); every event traps.
;; The instance that replaces a trapped one must not be built on the event path.
(module
  (memory (export "memory") 1)
  (func (export "hub_abi_version") (result i32) (i32.const 1))
  (func (export "hub_init") (param $len i32) (result i32)
    (local $i i64)
    (loop $spin
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $spin (i64.lt_u (local.get $i) (i64.const 300000000))))
    (i32.const 0))
  (func (export "hub_on_event") (param $len i32) (result i32)
    unreachable))
