;; Loop-free exponential recursion when the envelope is longer than 300 bytes:
;; $t(d) = $t(d-1) + $t(d-1), $t(40), no loop instruction anywhere (a naive
;; recursive fib is the same). Otherwise replies ["alive"].
(module
  (import "hub" "reply" (func $reply (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "[\"alive\"]")
  (func $t (param $d i32) (result i32)
    (if (result i32) (i32.eqz (local.get $d))
      (then (i32.const 1))
      (else (i32.add (call $t (i32.sub (local.get $d) (i32.const 1)))
                     (call $t (i32.sub (local.get $d) (i32.const 1)))))))
  (func (export "hub_abi_version") (result i32) (i32.const 1))
  (func (export "hub_on_event") (param $len i32) (result i32)
    (if (i32.gt_u (local.get $len) (i32.const 300))
      (then (drop (call $t (i32.const 40)))))
    (drop (call $reply (i32.const 0) (i32.const 9)))
    (i32.const 0)))
