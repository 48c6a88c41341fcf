// The wrappers of the host imports: strings in and out as UTF-8 through the
// scratch buffer, return codes kept for lastCode().

import {
  hub, ERROR, REJECT, LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, EXCEPT_SENDER,
} from "./host";
import { scratch, scratchCap, inputPtr, readInputBytes } from "./buffers";
import { utf8ToString, utf8Put, utf8Room } from "./utf8";

let lastCodeValue: i32 = 0;

/** The return code of the last host call made through this SDK (0 or more: success). */
export function lastCode(): i32 {
  return lastCodeValue;
}

// @ts-ignore: decorator
@inline function rc(code: i32): i32 {
  lastCodeValue = code;
  return code;
}

// dispatch() starts every event with 0.
// @ts-ignore: decorator
@inline export function resetLastCode(): void {
  lastCodeValue = 0;
}

// ---------------------------------------------------------------------------
// Input, outcome, log

/**
 * Reads the whole current input (the envelope in hub_on_event, the config
 * JSON in hub_init) as a string. `len` is the export's argument; -1 when unknown.
 */
export function readInput(len: i32 = -1): string {
  let n = readInputBytes(len);
  return utf8ToString(inputPtr, 0, n, false);
}

/** Sets the error message sent to the client for a non-zero status (last call wins). */
export function setError(message: string): void {
  let p = scratch(utf8Room(message) + 8);
  hub.set_error(p, utf8Put(message, p));
}

/** setError(message) and returns ERROR: `return iohub.fail("no such room")`. */
export function fail(message: string): i32 {
  setError(message);
  return ERROR;
}

/** setError(message) and returns REJECT: `return iohub.reject("not allowed")`. */
export function reject(message: string): i32 {
  setError(message);
  return REJECT;
}

/** Writes one line to the hub's log (level 0 debug, 1 info, 2 warn, 3 error). */
export function log(level: i32, message: string): void {
  let p = scratch(utf8Room(message) + 8);
  hub.log(level, p, utf8Put(message, p));
}

export function debug(message: string): void { log(LOG_DEBUG, message); }
export function info(message: string): void { log(LOG_INFO, message); }
export function warn(message: string): void { log(LOG_WARN, message); }
export function error(message: string): void { log(LOG_ERROR, message); }

// ---------------------------------------------------------------------------
// Socket effects: validated now, applied only if the handler returns OK.

/** Answers the client's ack; `argsJson` is a JSON array (`[{"ok":true}]`). 0, DENIED (no ack asked), STATE (replied already), INVALID. */
export function reply(argsJson: string): i32 {
  let p = scratch(utf8Room(argsJson) + 8);
  return rc(hub.reply(p, utf8Put(argsJson, p)));
}

/** Permission-checked content event (`"api::message.message.create"`, one JSON value). */
export function emit(event: string, dataJson: string): i32 {
  let p = scratch(utf8Room(event) + utf8Room(dataJson) + 8);
  let a = utf8Put(event, p);
  let b = utf8Put(dataJson, p + a);
  return rc(hub.emit(p, a, p + a, b));
}

/**
 * Unchecked emit of `event` with `argsJson` (a JSON array) to one room, or to
 * every socket when `room` is "". `exceptSender` leaves out the event's socket.
 */
export function raw(room: string, event: string, argsJson: string, exceptSender: bool = false): i32 {
  let p = scratch(utf8Room(room) + utf8Room(event) + utf8Room(argsJson) + 8);
  let a = utf8Put(room, p);
  let b = utf8Put(event, p + a);
  let c = utf8Put(argsJson, p + a + b);
  return rc(hub.raw(p, a, p + a, b, p + a + b, c, exceptSender ? EXCEPT_SENDER : 0));
}

/** Emits `event` with `argsJson` (JSON array) to one socket ("" = the event's socket). NOT_FOUND when not connected here. */
export function send(sid: string, event: string, argsJson: string): i32 {
  let p = scratch(utf8Room(sid) + utf8Room(event) + utf8Room(argsJson) + 8);
  let a = utf8Put(sid, p);
  let b = utf8Put(event, p + a);
  let c = utf8Put(argsJson, p + a + b);
  return rc(hub.send(p, a, p + a, b, p + a + b, c));
}

/** Adds socket `sid` ("" = the event's socket) to `room`. */
export function join(sid: string, room: string): i32 {
  let p = scratch(utf8Room(sid) + utf8Room(room) + 8);
  let a = utf8Put(sid, p);
  let b = utf8Put(room, p + a);
  return rc(hub.join(p, a, p + a, b));
}

/** Removes socket `sid` ("" = the event's socket) from `room`. */
export function leave(sid: string, room: string): i32 {
  let p = scratch(utf8Room(sid) + utf8Room(room) + 8);
  let a = utf8Put(sid, p);
  let b = utf8Put(room, p + a);
  return rc(hub.leave(p, a, p + a, b));
}

/** Disconnects socket `sid` ("" = the event's socket) after the event's other effects. */
export function disconnect(sid: string = ""): i32 {
  let p = scratch(utf8Room(sid) + 8);
  return rc(hub.disconnect(p, utf8Put(sid, p)));
}

// ---------------------------------------------------------------------------
// Key-value store (this module's namespace; takes effect at once).

let kvValueAt: usize = 0;

// kv_get into the scratch buffer after the key; returns the value's length
// (the value at kvValueAt) or a negative code.
function kvGetRaw(key: string): i32 {
  let p = scratch(utf8Room(key) + 8 + 1024);
  let k = utf8Put(key, p);
  let cap = scratchCap - k;
  let n = hub.kv_get(p, k, p + k, cap);
  if (n > cap) {
    p = scratch(k + n); // realloc keeps the key bytes
    n = hub.kv_get(p, k, p + k, n);
  }
  kvValueAt = p + k;
  return rc(n);
}

/** The value stored at `key` as a string, or null when absent (or on error: see lastCode()). */
export function kvGet(key: string): string | null {
  let n = kvGetRaw(key);
  if (n < 0) return null;
  return utf8ToString(kvValueAt, 0, n, false);
}

/** The value stored at `key` as bytes, or null when absent (or on error: see lastCode()). */
export function kvGetBytes(key: string): Uint8Array | null {
  let n = kvGetRaw(key);
  if (n < 0) return null;
  let out = new Uint8Array(n);
  memory.copy(out.dataStart, kvValueAt, <usize>n);
  return out;
}

/** Stores `value` at `key`; `ttlMs` 0 = no expiry. Returns 0 or a negative code. */
export function kvSet(key: string, value: string, ttlMs: i64 = 0): i32 {
  let p = scratch(utf8Room(key) + utf8Room(value) + 8);
  let a = utf8Put(key, p);
  let b = utf8Put(value, p + a);
  return rc(hub.kv_set(p, a, p + a, b, ttlMs));
}

/** Stores raw bytes at `key`. */
export function kvSetBytes(key: string, value: Uint8Array, ttlMs: i64 = 0): i32 {
  let p = scratch(utf8Room(key) + value.length + 8);
  let a = utf8Put(key, p);
  memory.copy(p + a, value.dataStart, <usize>value.length);
  return rc(hub.kv_set(p, a, p + a, value.length, ttlMs));
}

/** Deletes `key`: 0 when deleted, NOT_FOUND when there was nothing. */
export function kvDelete(key: string): i32 {
  let p = scratch(utf8Room(key) + 8);
  return rc(hub.kv_delete(p, utf8Put(key, p)));
}

/**
 * Atomically adds `delta` to the integer at `key` (absent = 0) and returns the
 * new value. `ttlMs` > 0 (re)sets the expiry, 0 keeps it. On failure returns 0
 * and lastCode() is negative (STATE: the value is not an integer).
 */
export function kvAdd(key: string, delta: i64, ttlMs: i64 = 0): i64 {
  let p = scratch(utf8Room(key) + 16);
  let k = utf8Put(key, p);
  let out = p + ((<usize>k + 7) & ~7);
  if (rc(hub.kv_add(p, k, delta, ttlMs, out)) < 0) return 0;
  return load<i64>(out);
}

// ---------------------------------------------------------------------------
// Time and randomness

/** Wall-clock time, Unix milliseconds. */
export function nowMs(): i64 {
  return hub.now_ms();
}

/** Fills `buf` with cryptographically random bytes (at most 64 KiB). Returns 0 or LIMIT. */
export function random(buf: Uint8Array): i32 {
  return rc(hub.random(buf.dataStart, buf.length));
}

/** A cryptographically random u64. */
export function randomU64(): u64 {
  let p = scratch(8);
  hub.random(p, 8);
  return load<u64>(p);
}

/** A cryptographically random u32. */
export function randomU32(): u32 {
  return <u32>randomU64();
}

// ---------------------------------------------------------------------------
// Binary (ABI v1.1, section 8): binary arguments are placeholders
// {"_placeholder":true,"num":N} in argsJson; binary is sent by putting a
// placeholder in the JSON of reply, emit, raw or send.

/**
 * Copies min(len, buf.length) bytes of the event's binary `index` (the num of
 * its placeholder in argsJson) to `buf` and returns its full length `len`, or
 * NOT_FOUND when the event has no binary `index`.
 */
export function binaryRead(index: i32, buf: Uint8Array): i32 {
  return rc(hub.binary_read(index, buf.dataStart, buf.length));
}

/**
 * A copy of the event's binary `index` (its `.buffer` is an ArrayBuffer of
 * exactly those bytes), or null when there is none (lastCode() is NOT_FOUND).
 */
export function binary(index: i32): Uint8Array | null {
  let n = rc(hub.binary_read(index, 0, 0));
  if (n < 0) return null;
  let out = new Uint8Array(n);
  if (n > 0) hub.binary_read(index, out.dataStart, n);
  return out;
}

/**
 * Hands a copy of `bytes` to the hub for this event and returns its index,
 * for a placeholder() in the JSON of a later reply, emit, raw or send: the
 * client receives the bytes as binary. LIMIT past the event's payload cap,
 * DENIED in hub_init and for a v1 guest.
 */
export function attach(bytes: Uint8Array): i32 {
  return rc(hub.binary_attach(bytes.dataStart, bytes.length));
}

/** attach() for an ArrayBuffer. */
export function attachBuffer(bytes: ArrayBuffer): i32 {
  return rc(hub.binary_attach(changetype<usize>(bytes), bytes.byteLength));
}

/**
 * The placeholder of binary `index` (an argument's, or one attach() returned),
 * to put in outgoing JSON: {"_placeholder":true,"num":index}.
 */
export function placeholder(index: i32): string {
  return "{\"_placeholder\":true,\"num\":" + index.toString() + "}";
}
