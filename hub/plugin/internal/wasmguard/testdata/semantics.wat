;; Functions whose results must not change when instrumented: recursion,
;; loops, early returns from nested blocks, branches to the function's own
;; label, multi-value, call_indirect through an element segment, ref.func,
;; a start function, a passive element segment with expressions.
(module
  (type $ii (func (param i32) (result i32)))
  (import "env" "nothing" (func $nothing))
  (table $t 4 funcref)
  (elem (table $t) (i32.const 0) func $fib $sum $early)
  (elem $p funcref (ref.func $fib) (ref.null func))
  (global $started (mut i32) (i32.const 0))
  (global $f funcref (ref.func $sum))
  (start $start)
  (func $start (global.set $started (i32.const 42)))
  (func $fib (export "fib") (type $ii)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func $sum (export "sum") (type $ii) (local $acc i32)
    (block $out
      (loop $l
        (br_if $out (i32.eqz (local.get 0)))
        (local.set $acc (i32.add (local.get $acc) (local.get 0)))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br $l)))
    (local.get $acc))
  (func $early (export "early") (type $ii)
    (block
      (block
        (br_if 2 (i32.const 7) (i32.eq (local.get 0) (i32.const 1)))
        (if (i32.eq (local.get 0) (i32.const 2)) (then (return (i32.const 8))))
        (br_if 1 (i32.eq (local.get 0) (i32.const 3)))
        (br_if 0 (i32.eq (local.get 0) (i32.const 4)))
        (br_table 2 2 (i32.const 9) (local.get 0))))
    (i32.const 10))
  (func $pair (param i32) (result i32 i32)
    (if (i32.eqz (local.get 0)) (then (return (i32.const 1) (i32.const 2))))
    (local.get 0) (i32.const 3))
  (func (export "pair") (type $ii)
    (call $pair (local.get 0)) (i32.mul))
  (func (export "indirect") (param i32 i32) (result i32)
    (call_indirect (type $ii) (local.get 1) (local.get 0)))
  (func (export "started") (result i32) (global.get $started))
  (func (export "viaref") (result i32)
    (table.set $t (i32.const 3) (global.get $f))
    (table.init $t $p (i32.const 2) (i32.const 0) (i32.const 1))
    (i32.add
      (call_indirect (type $ii) (i32.const 10) (i32.const 3))
      (call_indirect (type $ii) (i32.const 10) (i32.const 2))))
  (func (export "stacky") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call 10 (i32.sub (local.get 0) (i32.const 1))))))))
