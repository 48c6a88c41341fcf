;; The smallest complete iohub handler, in WebAssembly text. For any client
;; event it logs the envelope at debug level and, when the client asked for an
;; ack, answers ["pong"]. Build: wat2wasm pong.wat -o pong.wasm
(module
  ;; Host imports (sdk/ABI.md section 3): only those this handler uses.
  (import "hub" "input_read" (func $input_read (param i32 i32) (result i32)))
  (import "hub" "log" (func $log (param i32 i32 i32)))
  (import "hub" "reply" (func $reply (param i32 i32) (result i32)))

  ;; One page (64 KiB) of memory, exported as the ABI requires.
  (memory (export "memory") 1)
  (data (i32.const 0) "[\"pong\"]")

  (func (export "hub_abi_version") (result i32) (i32.const 1))

  ;; $len is the envelope's length. Read it into memory at 1024 (up to 63 KiB;
  ;; input_read returns the full length either way).
  (func (export "hub_on_event") (param $len i32) (result i32)
    (local $n i32)
    (local.set $n (call $input_read (i32.const 1024) (i32.const 64512)))
    (if (i32.gt_u (local.get $n) (i32.const 64512))
      (then (local.set $n (i32.const 64512))))
    (call $log (i32.const 0) (i32.const 1024) (local.get $n))
    ;; -3 (denied) when the client asked for no ack: nothing to do then.
    (drop (call $reply (i32.const 0) (i32.const 8)))
    (i32.const 0)))
