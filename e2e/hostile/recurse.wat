;; Loop-free exponential recursion: $t(d) = $t(d-1) + $t(d-1), from $t(40).
;; No loop instruction anywhere, so only a check at function entry stops it.
(module
  (memory (export "memory") 1)
  (func $t (param $d i32) (result i32)
    (if (result i32) (i32.eqz (local.get $d))
      (then (i32.const 1))
      (else (i32.add (call $t (i32.sub (local.get $d) (i32.const 1)))
                     (call $t (i32.sub (local.get $d) (i32.const 1)))))))
  (func (export "hub_abi_version") (result i32) (i32.const 1))
  (func (export "hub_on_event") (param $len i32) (result i32)
    (drop (call $t (i32.const 40)))
    (i32.const 0)))
