;; Guest growth: recursion without a loop, recursion to overflow, table.grow.
(module
  (table $t 1 funcref)
  (memory 1)
  (func $t (export "tree") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 1))
      (else (i32.add (call $t (i32.sub (local.get 0) (i32.const 1)))
                     (call $t (i32.sub (local.get 0) (i32.const 1)))))))
  (func $deep (export "deep") (param i32) (result i32)
    (i32.add (i32.const 1) (call $deep (i32.add (local.get 0) (i32.const 1)))))
  (func (export "spin") (loop $l (br $l)))
  (func (export "grow") (param i32) (result i32)
    (table.grow $t (ref.null func) (local.get 0))))
