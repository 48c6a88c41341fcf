;; Asks for a raw emit to the room "lobby", a join of the event's socket to
;; "lobby", a content emit, a reply, then returns the status found in the
;; handler config: hub_init reads {"status":N} as the byte after "status":.
(module
  (import "hub" "input_read" (func $input_read (param i32 i32) (result i32)))
  (import "hub" "raw" (func $raw (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "hub" "join" (func $join (param i32 i32 i32 i32) (result i32)))
  (import "hub" "emit" (func $emit (param i32 i32 i32 i32) (result i32)))
  (import "hub" "reply" (func $reply (param i32 i32) (result i32)))
  (import "hub" "set_error" (func $set_error (param i32 i32)))
  (memory (export "memory") 1)
  (global $status (mut i32) (i32.const 0))
  (data (i32.const 0) "lobby")                       ;; 0..5
  (data (i32.const 16) "news")                       ;; 16..20
  (data (i32.const 32) "[{\"n\":1}]")                ;; 32..41
  (data (i32.const 64) "api::message.message.create") ;; 64..91
  (data (i32.const 128) "{\"text\":\"hi\",\"password\":\"x\"}") ;; 128..156
  (data (i32.const 192) "[\"done\"]")                ;; 192..200
  (data (i32.const 224) "effects failed on purpose") ;; 224..249
  (func (export "hub_abi_version") (result i32) (i32.const 1))
  (func (export "hub_init") (param $len i32) (result i32)
    ;; config is {"status":N} with N one digit: byte 10 of the input.
    (drop (call $input_read (i32.const 512) (i32.const 64)))
    (if (i32.ge_u (local.get $len) (i32.const 11))
      (then (global.set $status (i32.sub (i32.load8_u (i32.const 522)) (i32.const 48)))))
    (i32.const 0))
  (func (export "hub_on_event") (param $len i32) (result i32)
    (drop (call $raw (i32.const 0) (i32.const 5) (i32.const 16) (i32.const 4) (i32.const 32) (i32.const 9) (i32.const 0)))
    (drop (call $join (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 5)))
    (drop (call $emit (i32.const 64) (i32.const 27) (i32.const 128) (i32.const 28)))
    (drop (call $reply (i32.const 192) (i32.const 8)))
    (if (i32.ne (global.get $status) (i32.const 0))
      (then (call $set_error (i32.const 224) (i32.const 25))))
    (global.get $status)))
