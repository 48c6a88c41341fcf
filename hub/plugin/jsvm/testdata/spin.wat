;; Loops for the instrumentation tests: spin runs until stopped; count
;; counts down in nested loops with block results, br_table and a select,
;; so instrumenting must keep it valid and its result the same. The import is
;; what instrumented loops call (quickjs.wasm's interrupt hook).
(module
  (import "env" "host_interrupt" (func $tick (result i32)))
  (memory (export "memory") 1)
  (global $g (mut i32) (i32.const 0))
  (table 1 funcref)
  (elem (i32.const 0) $id)
  (type $t (func (param i32) (result i32)))
  (func $id (param i32) (result i32) local.get 0)
  (func (export "spin")
    (loop $l
      global.get $g
      i32.const 1
      i32.add
      global.set $g
      br $l))
  (func (export "count") (param $n i32) (result i32)
    (local $acc i32)
    (block $done
      (loop $outer
        local.get $n
        i32.eqz
        br_if $done
        (loop $inner (result i32)
          local.get $acc
          i32.const 1
          i32.add
          local.tee $acc
          i32.const 3
          i32.rem_u
          br_if $inner
          local.get $acc)
        drop
        (block $a (block $b
          local.get $n
          i32.const 2
          i32.rem_u
          br_table $a $b))
        local.get $n
        i32.const 1
        i32.sub
        i32.const 0
        call_indirect (type $t)
        i64.const -5
        i64.const 7
        local.get $n
        select
        drop
        f64.const 1.5
        drop
        i32.const 0
        i32.load offset=8
        drop
        i32.const 0
        i32.const 0
        i32.const 4
        memory.fill
        local.set $n
        br $outer))
    local.get $acc))
