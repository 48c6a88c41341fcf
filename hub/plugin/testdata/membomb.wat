;; When the envelope is longer than 300 bytes, grows memory a page at a time
;; until the host refuses (memory.grow returns -1 at the cap), then traps.
;; Otherwise replies ["alive"] with its current memory size in pages logged.
(module
  (import "hub" "reply" (func $reply (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "[\"alive\"]")
  (global (export "grown") (mut i32) (i32.const 0))
  (func (export "hub_abi_version") (result i32) (i32.const 1))
  (func (export "hub_on_event") (param $len i32) (result i32)
    (if (i32.gt_u (local.get $len) (i32.const 300))
      (then
        (loop $grow
          (br_if $grow (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
        unreachable))
    (drop (call $reply (i32.const 0) (i32.const 9)))
    (i32.const 0)))
