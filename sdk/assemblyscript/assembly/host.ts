// The "hub" host imports and the ABI's constants (see sdk/ABI.md). Part of
// the AssemblyScript SDK; import it through index.ts.

// ---------------------------------------------------------------------------
// Host imports (ABI section 3), exact signatures. Only the ones a module uses
// end up in its import section.

export declare namespace hub {
  // @ts-ignore: decorator
  @external("hub", "input_read")
  export function input_read(buf: usize, cap: i32): i32;
  // @ts-ignore: decorator
  @external("hub", "set_error")
  export function set_error(ptr: usize, len: i32): void;
  // @ts-ignore: decorator
  @external("hub", "log")
  export function log(level: i32, ptr: usize, len: i32): void;
  // @ts-ignore: decorator
  @external("hub", "reply")
  export function reply(args_ptr: usize, args_len: i32): i32;
  // @ts-ignore: decorator
  @external("hub", "emit")
  export function emit(event_ptr: usize, event_len: i32, data_ptr: usize, data_len: i32): i32;
  // @ts-ignore: decorator
  @external("hub", "raw")
  export function raw(room_ptr: usize, room_len: i32, event_ptr: usize, event_len: i32, args_ptr: usize, args_len: i32, flags: i32): i32;
  // @ts-ignore: decorator
  @external("hub", "send")
  export function send(sid_ptr: usize, sid_len: i32, event_ptr: usize, event_len: i32, args_ptr: usize, args_len: i32): i32;
  // @ts-ignore: decorator
  @external("hub", "join")
  export function join(sid_ptr: usize, sid_len: i32, room_ptr: usize, room_len: i32): i32;
  // @ts-ignore: decorator
  @external("hub", "leave")
  export function leave(sid_ptr: usize, sid_len: i32, room_ptr: usize, room_len: i32): i32;
  // @ts-ignore: decorator
  @external("hub", "disconnect")
  export function disconnect(sid_ptr: usize, sid_len: i32): i32;
  // @ts-ignore: decorator
  @external("hub", "kv_get")
  export function kv_get(key_ptr: usize, key_len: i32, buf: usize, cap: i32): i32;
  // @ts-ignore: decorator
  @external("hub", "kv_set")
  export function kv_set(key_ptr: usize, key_len: i32, val_ptr: usize, val_len: i32, ttl_ms: i64): i32;
  // @ts-ignore: decorator
  @external("hub", "kv_delete")
  export function kv_delete(key_ptr: usize, key_len: i32): i32;
  // @ts-ignore: decorator
  @external("hub", "kv_add")
  export function kv_add(key_ptr: usize, key_len: i32, delta: i64, ttl_ms: i64, out_ptr: usize): i32;
  // @ts-ignore: decorator
  @external("hub", "now_ms")
  export function now_ms(): i64;
  // @ts-ignore: decorator
  @external("hub", "random")
  export function random(buf: usize, len: i32): i32;
  // @ts-ignore: decorator
  @external("hub", "binary_read")
  export function binary_read(index: i32, buf: usize, cap: i32): i32;
  // @ts-ignore: decorator
  @external("hub", "binary_attach")
  export function binary_attach(ptr: usize, len: i32): i32;
}

// ---------------------------------------------------------------------------
// Constants

/**
 * What the SDK's hub_abi_version returns: ABI v1.1 (0x0101), where binary
 * arguments arrive in argsJson as placeholders {"_placeholder":true,"num":N}
 * and binary is sent with attach() and placeholder() (ABI.md section 8).
 * Export hub_abi_version_v1 as hub_abi_version to get base64 strings instead.
 */
export const ABI_VERSION: i32 = 0x0101;

/** ABI v1: binary arguments arrive as base64 strings, nothing sent is binary. */
export const ABI_VERSION_1: i32 = 1;

/** Statuses returned by hub_on_event / hub_init. */
export const OK: i32 = 0;
export const ERROR: i32 = 1;
export const REJECT: i32 = 2;

/** Return codes of host calls (>= 0 is success). */
export const NOT_FOUND: i32 = -1;
export const INVALID: i32 = -2;
export const DENIED: i32 = -3;
export const LIMIT: i32 = -4;
export const STATE: i32 = -5;
export const UNAVAILABLE: i32 = -6;

/** Log levels. */
export const LOG_DEBUG: i32 = 0;
export const LOG_INFO: i32 = 1;
export const LOG_WARN: i32 = 2;
export const LOG_ERROR: i32 = 3;

/** `raw` flag: do not send to the socket the event is about. */
export const EXCEPT_SENDER: i32 = 1;

/** Event kinds. */
export const KIND_CONNECTION = "connection";
export const KIND_DISCONNECT = "disconnect";
export const KIND_EVENT = "event";
