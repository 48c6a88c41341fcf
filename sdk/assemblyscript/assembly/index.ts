// iohub guest SDK for AssemblyScript, ABI v1 (see sdk/ABI.md and README.md).
//
//   import * as iohub from "<path to>/sdk/assemblyscript/assembly/index";
//   export { hub_abi_version } from "<path to>/sdk/assemblyscript/assembly/index";
//
//   export function hub_on_event(len: i32): i32 {
//     return iohub.dispatch(len, handle);
//   }
//   function handle(e: iohub.Event): i32 {
//     if (e.kind == iohub.KIND_CONNECTION) iohub.info("hello " + e.socketId);
//     return iohub.OK;
//   }
//
// Strings cross the ABI as UTF-8 (ptr, len); the SDK converts from and to
// AssemblyScript's UTF-16 strings through two reusable buffers, so host calls
// allocate nothing. Build with sdk/assemblyscript/build.sh (it routes `abort`,
// `trace` and `seed` here, so the module imports nothing but "hub").

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
}

// ---------------------------------------------------------------------------
// Constants

/** ABI version implemented by this SDK. */
export const ABI_VERSION: i32 = 1;

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

// ---------------------------------------------------------------------------
// Buffers: unmanaged memory reused for every call. The input buffer holds the
// current input (the Event reads its raw fields from it); the scratch buffer
// holds what one host call passes. Both keep 8 spare bytes (see the note on
// word-at-a-time scanning above).

let scratchPtr: usize = 0;
let scratchCap: i32 = 0;
let inputPtr: usize = 0;
let inputCap: i32 = 0;
let inputLen: i32 = 0;
let inputGen: i32 = 0;
const KEEP_BYTES: i32 = 256 * 1024; // larger buffers are freed after each call

function scratch(n: i32): usize {
  if (n > scratchCap) {
    let cap = max<i32>(n, max<i32>(scratchCap << 1, 1024));
    scratchPtr = scratchPtr == 0 ? heap.alloc(<usize>cap + 8) : heap.realloc(scratchPtr, <usize>cap + 8);
    scratchCap = cap;
  }
  return scratchPtr;
}

function inputBuffer(n: i32): usize {
  if (n > inputCap) {
    let cap = max<i32>(n, max<i32>(inputCap << 1, 1024));
    if (inputPtr != 0) heap.free(inputPtr); // contents are replaced anyway
    inputPtr = heap.alloc(<usize>cap + 8);
    inputCap = cap;
  }
  return inputPtr;
}

function shrinkBuffers(): void {
  if (scratchCap > KEEP_BYTES) {
    heap.free(scratchPtr);
    scratchPtr = 0;
    scratchCap = 0;
  }
  if (inputCap > KEEP_BYTES) {
    heap.free(inputPtr);
    inputPtr = 0;
    inputCap = 0;
    inputLen = 0;
  }
}

// Reads the current input into the input buffer; returns its length.
function readInputBytes(len: i32): i32 {
  if (len < 0) len = hub.input_read(0, 0);
  if (len < 0) len = 0;
  let n = hub.input_read(inputBuffer(len), len);
  if (n > len) { // longer than announced: read it all
    n = hub.input_read(inputBuffer(n), n);
  }
  inputLen = max(0, n);
  inputGen++;
  return inputLen;
}

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
// Runtime hooks (wired by build.sh with --use abort=... trace=... seed=...), so
// that no "env" import appears.

let aborting = false;

// @ts-ignore: decorator
@global
export function __iohub_abort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  if (!aborting) {
    aborting = true;
    let m = "abort: " + (message !== null ? message : "(no message)");
    if (fileName !== null) m += " at " + fileName + ":" + line.toString() + ":" + column.toString();
    setError(m);
    log(LOG_ERROR, m);
    aborting = false; // only a failure while reporting (above) is refused
  }
  unreachable(); // trap: the hub counts the event as failed and drops the instance
}

// @ts-ignore: decorator
@global
export function __iohub_trace(message: string, n: i32 = 0, a0: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0, a4: f64 = 0): void {
  let m = "trace: " + message;
  if (n > 0) m += " " + a0.toString();
  if (n > 1) m += ", " + a1.toString();
  if (n > 2) m += ", " + a2.toString();
  if (n > 3) m += ", " + a3.toString();
  if (n > 4) m += ", " + a4.toString();
  log(LOG_DEBUG, m);
}

// @ts-ignore: decorator
@global
export function __iohub_seed(): f64 {
  return <f64>(randomU64() >>> 11); // seeds Math.random
}

// ---------------------------------------------------------------------------
// Performance note. The hub stops runaway guests with wazero's
// close-on-context-done, which costs a call out of the guest at every loop
// iteration (~20-30 ns, far more than the instructions inside). So the text
// code below works a 64-bit word at a time (8 UTF-8 bytes or 4 UTF-16 units,
// "SWAR"), peels the first word of short scans out of the loop, and reads up
// to 7 bytes past the end of a buffer (lanes past the end are masked off),
// which is why every buffer it scans has 8 readable bytes after it.

// @ts-ignore: decorator
@inline function ONES<T>(): u64 { return sizeof<T>() == 1 ? 0x0101010101010101 : 0x0001000100010001; }
// @ts-ignore: decorator
@inline function LOW<T>(): u64 { return sizeof<T>() == 1 ? 0x7F7F7F7F7F7F7F7F : 0x7FFF7FFF7FFF7FFF; }
/** Units per word. */
// @ts-ignore: decorator
@inline function UNITS<T>(): i32 { return 8 >> alignof<T>(); }
/** The top bit of every lane of x that is 0, exactly. */
// @ts-ignore: decorator
@inline function zeroLanes<T>(x: u64): u64 { let m = LOW<T>(); return ~(((x & m) + m) | x | m); }
/** The top bit of every lane of x equal to v. */
// @ts-ignore: decorator
@inline function eqLanes<T>(x: u64, v: u64): u64 { return zeroLanes<T>(x ^ (ONES<T>() * v)); }
/** Index of the first lane marked in m (m != 0). */
// @ts-ignore: decorator
@inline function firstLane<T>(m: u64): i32 { return <i32>ctz(m) >> (3 + alignof<T>()); }
/** m with only the lanes of units i..n-1 kept (the word at i may reach past n). */
// @ts-ignore: decorator
@inline function clip<T>(m: u64, i: i32, n: i32): u64 {
  let left = n - i;
  return left >= UNITS<T>() ? m : m & ((<u64>1 << (<u64>left << (3 + alignof<T>()))) - 1);
}
// @ts-ignore: decorator
@inline function unitAt<T>(base: usize, i: i32): i32 { return <i32>load<T>(base + (<usize>i << alignof<T>())); }
// @ts-ignore: decorator
@inline function wordAt<T>(base: usize, i: i32): u64 { return load<u64>(base + (<usize>i << alignof<T>())); }
/** Lanes that end a string scan: " or \. */
// @ts-ignore: decorator
@inline function strStops<T>(x: u64): u64 { return eqLanes<T>(x, 0x22) | eqLanes<T>(x, 0x5C); }
/** Lanes that end a number or literal: , } ] and whitespace (any unit <= 0x20). */
// @ts-ignore: decorator
@inline function scalarStops<T>(x: u64): u64 {
  let ctl: u64 = sizeof<T>() == 1 ? 0xE0E0E0E0E0E0E0E0 : 0xFFE0FFE0FFE0FFE0;
  return eqLanes<T>(x, 0x2C) | eqLanes<T>(x, 0x7D) | eqLanes<T>(x, 0x5D) | zeroLanes<T>(x & ctl) | eqLanes<T>(x, 0x20);
}
/** Lanes that matter inside an object or array: " { } [ ]. */
// @ts-ignore: decorator
@inline function nestStops<T>(x: u64): u64 {
  let y = x | (ONES<T>() * 0x20); // [ -> {, ] -> }
  return eqLanes<T>(x, 0x22) | eqLanes<T>(y, 0x7B) | eqLanes<T>(y, 0x7D);
}

/** Makes the 8 bytes after `end` readable (grows memory by a page when a string ends at the top). */
function overreadable(end: usize): void {
  if (end + 8 > (<usize>memory.size() << 16)) {
    if (memory.grow(1) < 0) unreachable();
  }
}

// @ts-ignore: decorator
@inline function isWs(c: i32): bool {
  return c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09;
}

function skipWs<T>(base: usize, i: i32, n: i32): i32 {
  if (i < n && unitAt<T>(base, i) <= 0x20) { // rare: the hub writes none
    while (i < n && isWs(unitAt<T>(base, i))) i++;
  }
  return i;
}

// i at the opening quote; returns the index after the closing quote, or -1.
function skipString<T>(base: usize, i: i32, n: i32): i32 {
  i++;
  if (i < n) { // first word, outside the loop: most keys and short strings end in it
    let m = clip<T>(strStops<T>(wordAt<T>(base, i)), i, n);
    if (m == 0) {
      i += UNITS<T>();
    } else {
      i += firstLane<T>(m);
      if (unitAt<T>(base, i) == 0x22) return i + 1;
      i += 2; // \ and the escaped unit (never the closing quote)
    }
  }
  while (i < n) {
    let m = clip<T>(strStops<T>(wordAt<T>(base, i)), i, n);
    if (m == 0) {
      i += UNITS<T>();
      continue;
    }
    i += firstLane<T>(m);
    if (unitAt<T>(base, i) == 0x22) return i + 1;
    i += 2;
  }
  return -1;
}

// i at { or [; returns the index after the matching } or ], or -1. Brackets
// are counted, not matched by kind: the hub's JSON is valid.
function skipNested<T>(base: usize, i: i32, n: i32): i32 {
  let depth = 0;
  while (i < n) {
    let m = clip<T>(nestStops<T>(wordAt<T>(base, i)), i, n);
    if (m == 0) {
      i += UNITS<T>();
      continue;
    }
    i += firstLane<T>(m);
    let c = unitAt<T>(base, i);
    if (c == 0x22) {
      i = skipString<T>(base, i, n);
      if (i < 0) return -1;
      continue;
    }
    if ((c | 0x20) == 0x7B) depth++;
    else if (--depth == 0) return i + 1;
    i++;
  }
  return -1;
}

// i at the first unit of a value; returns the index after it, or -1.
function skipValue<T>(base: usize, i: i32, n: i32): i32 {
  if (i >= n) return -1;
  let c = unitAt<T>(base, i);
  if (c == 0x22) return skipString<T>(base, i, n);
  if ((c | 0x20) == 0x7B) return skipNested<T>(base, i, n);
  if (c == 0x7D || c == 0x5D || c == 0x2C || c == 0x3A || c <= 0x20) return -1;
  let s = i;
  let m = clip<T>(scalarStops<T>(wordAt<T>(base, i)), i, n);
  if (m != 0) return i + firstLane<T>(m); // short scalars: no loop
  i += UNITS<T>();
  while (i < n) {
    m = clip<T>(scalarStops<T>(wordAt<T>(base, i)), i, n);
    if (m != 0) return i + firstLane<T>(m);
    i += UNITS<T>();
  }
  return n > s ? n : -1; // a scalar ending the text (jsonAsNumber("5"))
}

// --- UTF-8 bytes -> string ---

// 4 bytes -> 4 UTF-16 units.
// @ts-ignore: decorator
@inline function widen4(x: u32): u64 {
  let y = <u64>x;
  return (y & 0xFF) | ((y & 0xFF00) << 8) | ((y & 0xFF0000) << 16) | ((y & 0xFF000000) << 24);
}

// @ts-ignore: decorator
@inline function hexVal(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  c |= 0x20;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

// The unit a JSON escape \c stands for (u: the 4 units after "u", for \u).
// @ts-ignore: decorator
@inline function unescapeUnit(c: i32): i32 {
  if (c == 0x6E) return 0x0A; // n
  if (c == 0x74) return 0x09; // t
  if (c == 0x72) return 0x0D; // r
  if (c == 0x62) return 0x08; // b
  if (c == 0x66) return 0x0C; // f
  return c; // " \ / and anything else: the unit itself
}

/**
 * Decodes the UTF-8 bytes base[a..b) to a string; with `unescape`, also JSON
 * string escapes. 8 bytes readable after b.
 */
const WIDE = memory.data(32);

function utf8ToString(base: usize, a: i32, b: i32, unescape: bool): string {
  if (a >= b) return "";
  if (b - a <= 16) { // short plain ASCII (ids, names): exact size, no loop
    let x = load<u64>(base + <usize>a), y: u64 = 0;
    let bad = x & 0x8080808080808080;
    if (unescape) bad |= eqLanes<u8>(x, 0x5C);
    bad = clip<u8>(bad, a, b);
    if (b - a > 8) {
      y = load<u64>(base + <usize>a + 8);
      let by = y & 0x8080808080808080;
      if (unescape) by |= eqLanes<u8>(y, 0x5C);
      bad |= clip<u8>(by, a + 8, b);
    }
    if (bad == 0) {
      let n = <usize>(b - a) << 1;
      store<u64>(WIDE, widen4(<u32>x));
      store<u64>(WIDE, widen4(<u32>(x >>> 32)), 8);
      store<u64>(WIDE, widen4(<u32>y), 16);
      store<u64>(WIDE, widen4(<u32>(y >>> 32)), 24);
      let out = __new(n, idof<string>());
      memory.copy(out, WIDE, n);
      return changetype<string>(out);
    }
  }
  let out = __new((<usize>(b - a) << 1) + 16, idof<string>()); // units <= bytes; 16: room for a word store
  let o = out;
  let i = a;
  while (i < b) {
    let x = load<u64>(base + <usize>i);
    let m = x & 0x8080808080808080;
    if (unescape) m |= eqLanes<u8>(x, 0x5C);
    m = clip<u8>(m, i, b);
    // Widen the whole word; keep only the plain ASCII lanes before m's first.
    store<u64>(o, widen4(<u32>x));
    store<u64>(o, widen4(<u32>(x >>> 32)), 8);
    if (m == 0) {
      let k = min(8, b - i);
      i += k;
      o += <usize>k << 1;
      continue;
    }
    let k = firstLane<u8>(m);
    i += k;
    o += <usize>k << 1;
    let c = <i32>load<u8>(base + <usize>i);
    if (c == 0x5C) { // escape
      if (i + 1 >= b) { store<u16>(o, c); o += 2; i++; continue; }
      let e = <i32>load<u8>(base + <usize>i + 1);
      if (e == 0x75 && i + 6 <= b) { // \uXXXX
        let h = hexVal(load<u8>(base + <usize>i + 2)) << 12 | hexVal(load<u8>(base + <usize>i + 3)) << 8 |
                hexVal(load<u8>(base + <usize>i + 4)) << 4 | hexVal(load<u8>(base + <usize>i + 5));
        if (h >= 0) { // all four were hex digits (a -1 makes h negative)
          store<u16>(o, h); o += 2; i += 6;
          continue;
        }
      }
      store<u16>(o, unescapeUnit(e)); o += 2; i += 2;
      continue;
    }
    // c >= 0x80: one multi-byte sequence (malformed ones end the loop early, like the std decoder)
    if (i + 1 >= b) break;
    let c1 = <i32>load<u8>(base + <usize>i + 1) & 63;
    if ((c & 0xE0) == 0xC0) {
      store<u16>(o, (c & 31) << 6 | c1); o += 2; i += 2;
      continue;
    }
    if (i + 2 >= b) break;
    let c2 = <i32>load<u8>(base + <usize>i + 2) & 63;
    if ((c & 0xF0) == 0xE0) {
      store<u16>(o, (c & 15) << 12 | c1 << 6 | c2); o += 2; i += 3;
      continue;
    }
    if (i + 3 >= b) break;
    let cp = ((c & 7) << 18 | c1 << 12 | c2 << 6 | (<i32>load<u8>(base + <usize>i + 3) & 63)) - 0x10000;
    store<u16>(o, 0xD800 | (cp >> 10));
    store<u16>(o, 0xDC00 | (cp & 0x3FF), 2);
    o += 4; i += 4;
  }
  return changetype<string>(__renew(out, o - out));
}

// --- string -> UTF-8 bytes ---

// 4 UTF-16 units (all < 0x100) -> 4 bytes.
// @ts-ignore: decorator
@inline function narrow4(x: u64): u32 {
  return <u32>((x & 0xFF) | ((x >>> 8) & 0xFF00) | ((x >>> 16) & 0xFF0000) | ((x >>> 24) & 0xFF000000));
}

/** Exact UTF-8 length of s (lone surrogates count 3, as U+FFFD). */
function utf8Length(s: string): i32 {
  let base = changetype<usize>(s), n = s.length;
  overreadable(base + (<usize>n << 1));
  let len = 0, i = 0;
  while (i < n) {
    let m = clip<u16>(wordAt<u16>(base, i) & 0xFF80FF80FF80FF80, i, n);
    if (m == 0) {
      let k = min(4, n - i);
      len += k; i += k;
      continue;
    }
    let k = firstLane<u16>(m);
    len += k; i += k;
    let c = unitAt<u16>(base, i);
    if (c < 0x800) { len += 2; i++; continue; }
    if ((c & 0xFC00) == 0xD800 && i + 1 < n && (unitAt<u16>(base, i + 1) & 0xFC00) == 0xDC00) { len += 4; i += 2; continue; }
    len += 3; i++;
  }
  return len;
}

/**
 * Writes s as UTF-8 at p (lone surrogates become U+FFFD, so the host always
 * gets valid UTF-8) and returns the byte count. Room: utf8Length(s) + 8.
 */
function utf8Put(s: string, p: usize): i32 {
  let base = changetype<usize>(s), n = s.length;
  overreadable(base + (<usize>n << 1));
  let o = p, i = 0;
  while (i < n) {
    let x = wordAt<u16>(base, i);
    let m = clip<u16>(x & 0xFF80FF80FF80FF80, i, n);
    store<u32>(o, narrow4(x)); // the ASCII lanes before m's first are kept
    if (m == 0) {
      let k = min(4, n - i);
      o += k; i += k;
      continue;
    }
    let k = firstLane<u16>(m);
    o += k; i += k;
    let c = unitAt<u16>(base, i);
    if (c < 0x800) {
      store<u16>(o, (0x80 | (c & 63)) << 8 | (0xC0 | (c >> 6)));
      o += 2; i++;
      continue;
    }
    if ((c & 0xF800) == 0xD800) {
      if (c < 0xDC00 && i + 1 < n) {
        let d = unitAt<u16>(base, i + 1);
        if ((d & 0xFC00) == 0xDC00) {
          let cp = 0x10000 + ((c & 0x3FF) << 10) + (d & 0x3FF);
          store<u32>(o, (0x80 | (cp & 63)) << 24 | (0x80 | ((cp >> 6) & 63)) << 16 | (0x80 | ((cp >> 12) & 63)) << 8 | (0xF0 | (cp >> 18)));
          o += 4; i += 2;
          continue;
        }
      }
      c = 0xFFFD; // lone surrogate
    }
    store<u16>(o, (0x80 | ((c >> 6) & 63)) << 8 | (0xE0 | (c >> 12)));
    store<u8>(o, 0x80 | (c & 63), 2);
    o += 3; i++;
  }
  return <i32>(o - p);
}

/** Room to reserve for utf8Put(s): 3 bytes a unit when small, else exact. */
// @ts-ignore: decorator
@inline function utf8Room(s: string): i32 {
  let n = s.length;
  return n <= 21845 ? n * 3 : utf8Length(s);
}

// --- JSON strings inside a string (helpers) ---

// Index of the first \ in s units [i, n), or n.
function indexOfBackslash(base: usize, i: i32, n: i32): i32 {
  while (i < n) {
    let m = clip<u16>(eqLanes<u16>(wordAt<u16>(base, i), 0x5C), i, n);
    if (m != 0) return i + firstLane<u16>(m);
    i += 4;
  }
  return n;
}

// Decodes the JSON string at units [qs, qe) of a string (quotes included).
function decodeString16(base: usize, qs: i32, qe: i32): string {
  let a = qs + 1, b = qe - 1;
  if (a >= b) return "";
  let j = indexOfBackslash(base, a, b);
  let out = __new(<usize>(b - a) << 1, idof<string>());
  let o = out;
  let i = a;
  while (true) {
    let run = <usize>(j - i) << 1;
    memory.copy(o, base + (<usize>i << 1), run);
    o += run;
    i = j;
    if (i >= b) break;
    // i at a backslash
    if (i + 1 >= b) { store<u16>(o, 0x5C); o += 2; break; }
    let e = unitAt<u16>(base, i + 1);
    let c = unescapeUnit(e);
    i += 2;
    if (e == 0x75 && i + 4 <= b) {
      let h = hexVal(unitAt<u16>(base, i)) << 12 | hexVal(unitAt<u16>(base, i + 1)) << 8 |
              hexVal(unitAt<u16>(base, i + 2)) << 4 | hexVal(unitAt<u16>(base, i + 3));
      if (h >= 0) { c = h; i += 4; }
    }
    store<u16>(o, c);
    o += 2;
    j = indexOfBackslash(base, i, b);
  }
  return changetype<string>(__renew(out, o - out));
}

// --- object members ---

/** Walks the members of one JSON object (T: u8 for UTF-8 bytes, u16 for a string). */
// @ts-ignore: decorator
@unmanaged class Members<T> {
  base: usize = 0;
  n: i32 = 0;
  i: i32 = 0;
  ks: i32 = 0; // key, quotes included
  ke: i32 = 0;
  vs: i32 = 0; // value
  ve: i32 = 0;
  done: bool = true;
  failed: bool = false;

  /** Starts at the object at base[start..end) (whitespace allowed around it). */
  reset(base: usize, start: i32, end: i32): this {
    this.base = base;
    this.n = end;
    this.done = false;
    this.failed = false;
    let i = skipWs<T>(base, start, end);
    if (i >= end || unitAt<T>(base, i) != 0x7B) {
      this.done = true;
      this.failed = true;
    } else {
      i = skipWs<T>(base, i + 1, end);
      if (i < end && unitAt<T>(base, i) == 0x7D) this.done = true;
    }
    this.i = i;
    return this;
  }

  private fail(): bool {
    this.done = true;
    this.failed = true;
    return false;
  }

  /** Reads the next key and its colon; the value starts at vs. Then call skipValue() or endValue(). */
  nextKey(): bool {
    if (this.done) return false;
    let base = this.base, n = this.n, i = this.i;
    if (i >= n || unitAt<T>(base, i) != 0x22) return this.fail();
    this.ks = i;
    i = skipString<T>(base, i, n);
    if (i < 0) return this.fail();
    this.ke = i;
    i = skipWs<T>(base, i, n);
    if (i >= n || unitAt<T>(base, i) != 0x3A) return this.fail();
    this.vs = this.i = skipWs<T>(base, i + 1, n);
    return true;
  }

  /** Skips the value after nextKey() and the comma after it. */
  skipValue(): bool {
    let e = skipValue<T>(this.base, this.vs, this.n);
    if (e < 0) return this.fail();
    return this.endValue(e);
  }

  /** The value (parsed by the caller) ends at ve: steps past the comma after it. */
  endValue(ve: i32): bool {
    let base = this.base, n = this.n;
    this.ve = ve;
    let i = skipWs<T>(base, ve, n);
    if (i >= n) return this.fail();
    let c = unitAt<T>(base, i);
    if (c == 0x2C) i = skipWs<T>(base, i + 1, n);
    else if (c == 0x7D) this.done = true;
    else return this.fail();
    this.i = i;
    return true;
  }

  /** The next member: key at [ks, ke), value at [vs, ve). */
  next(): bool {
    return this.nextKey() && this.skipValue();
  }

  /** First unit of the value. */
  first(): i32 {
    return unitAt<T>(this.base, this.vs);
  }

  /**
   * (UTF-8 only) The key packed as up to 8 bytes, little-endian ("id" =
   * 0x6469), or 0 when it is empty, longer than 8 bytes or not ASCII. Escaped
   * keys are decoded first.
   */
  keyCode(): u64 {
    let a = this.ks + 1, len = this.ke - this.ks - 2;
    if (len <= 0) return 0;
    if (len <= 8) {
      let x = load<u64>(this.base + <usize>a);
      if (len < 8) x &= (<u64>1 << (<u64>len << 3)) - 1;
      if ((x & 0x8080808080808080) == 0 && eqLanes<u8>(x, 0x5C) == 0) return x;
    }
    if (len > 48) return 0; // an escaped key of <= 8 units takes <= 48 bytes
    return packKey(utf8ToString(this.base, a, a + len, true));
  }

  /** (strings only) True when the key equals `key`. */
  is(key: string): bool {
    let base = this.base, a = this.ks + 1, len = this.ke - this.ks - 2;
    if (len == key.length && memory.compare(base + (<usize>a << 1), changetype<usize>(key), <usize>len << 1) == 0) return true;
    if (indexOfBackslash(base, a, a + len) == a + len) return false; // no escape: really different
    return decodeString16(base, this.ks, this.ke) == key;
  }
}

// Packs an ASCII key of 1 to 8 units into a u64 (see Members.keyCode); 0 otherwise.
function packKey(k: string): u64 {
  let n = k.length;
  if (n == 0 || n > 8) return 0;
  let x: u64 = 0;
  for (let i = 0; i < n; i++) {
    let c = <u64>k.charCodeAt(i);
    if (c >= 0x80) return 0;
    x |= c << (<u64>i << 3);
  }
  return x;
}

// --- numbers ---

// 10^0 .. 10^8
const POW10 = memory.data<u64>([1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000]);

// The integer at UTF-8 bytes [a, b): an optional -, then digits up to the
// first other byte (1.5 -> 1). 8 digits per step.
function parseInt8(base: usize, a: i32, b: i32): i64 {
  let neg = a < b && load<u8>(base + <usize>a) == 0x2D;
  let i = neg ? a + 1 : a;
  let v: i64 = 0;
  while (i < b) {
    let x = load<u64>(base + <usize>i);
    // lanes that are not digits: high nibble != 3 or (c + 6) overflows the nibble
    let t = ((x & 0xF0F0F0F0F0F0F0F0) ^ 0x3030303030303030) | (((x + 0x0606060606060606) & 0xF0F0F0F0F0F0F0F0) ^ 0x3030303030303030);
    let m = clip<u8>(~zeroLanes<u8>(t) & 0x8080808080808080, i, b);
    let k = m == 0 ? min(8, b - i) : firstLane<u8>(m);
    if (k == 0) break;
    let y = x << (<u64>(8 - k) << 3); // the k digits on top, zeros (leading zeros) below
    y = ((y & 0x0F0F0F0F0F0F0F0F) * 2561) >> 8;
    y = ((y & 0x00FF00FF00FF00FF) * 6553601) >> 16;
    y = ((y & 0x0000FFFF0000FFFF) * 42949672960001) >> 32;
    v = v * <i64>load<u64>(POW10 + (<usize>k << 3)) + <i64>y;
    if (k < 8) break;
    i += 8;
  }
  return neg ? -v : v;
}

// A JSON number in units [a, b) of a string, or NaN.
function numberAt(s: string, a: i32, b: i32): f64 {
  if (a >= b) return NaN;
  let c = unitAt<u16>(changetype<usize>(s), a);
  if (c != 0x2D && (c < 0x30 || c > 0x39)) return NaN; // - or digit
  return parseFloat(s.substring(a, b));
}

// ---------------------------------------------------------------------------
// JSON helpers on strings

const OBJ = new Members<u16>();
let foundStart: i32 = 0;
let foundEnd: i32 = 0;

// @ts-ignore: decorator
@inline function scannable(s: string): usize {
  let base = changetype<usize>(s);
  overreadable(base + (<usize>s.length << 1));
  return base;
}

function findMember(obj: string, key: string): bool {
  let it = OBJ.reset(scannable(obj), 0, obj.length);
  while (it.next()) {
    if (it.is(key)) {
      foundStart = it.vs;
      foundEnd = it.ve;
      return true;
    }
  }
  return false;
}

/** The raw JSON text of member `key` of the JSON object `objJson`, or null. */
export function jsonGet(objJson: string, key: string): string | null {
  if (!findMember(objJson, key)) return null;
  return objJson.substring(foundStart, foundEnd);
}

/** Member `key` of `objJson` when it is a JSON string (decoded), else null. */
export function jsonGetString(objJson: string, key: string): string | null {
  if (!findMember(objJson, key)) return null;
  if (unitAt<u16>(changetype<usize>(objJson), foundStart) != 0x22) return null;
  return decodeString16(changetype<usize>(objJson), foundStart, foundEnd);
}

/** Member `key` of `objJson` when it is a JSON number, else `otherwise` (NaN). */
export function jsonGetNumber(objJson: string, key: string, otherwise: f64 = NaN): f64 {
  if (!findMember(objJson, key)) return otherwise;
  let v = numberAt(objJson, foundStart, foundEnd);
  return isNaN(v) ? otherwise : v;
}

/** Member `key` of `objJson` when it is true or false, else `otherwise`. */
export function jsonGetBool(objJson: string, key: string, otherwise: bool = false): bool {
  if (!findMember(objJson, key)) return otherwise;
  let base = changetype<usize>(objJson);
  let len = foundEnd - foundStart;
  let x = load<u64>(base + (<usize>foundStart << 1));
  if (len == 4 && x == 0x0065007500720074) return true; // "true"
  if (len == 5 && x == 0x0073006c00610066 && unitAt<u16>(base, foundStart + 4) == 0x65) return false; // "false"
  return otherwise;
}

/** The raw JSON text of element `index` of the JSON array `arrJson`, or null. */
export function jsonIndex(arrJson: string, index: i32): string | null {
  let base = scannable(arrJson), n = arrJson.length;
  let i = skipWs<u16>(base, 0, n);
  if (index < 0 || i >= n || unitAt<u16>(base, i) != 0x5B) return null;
  i = skipWs<u16>(base, i + 1, n);
  for (let k = 0; i < n; k++) {
    let c = unitAt<u16>(base, i);
    if (c == 0x5D) return null;
    let e = skipValue<u16>(base, i, n);
    if (e < 0) return null;
    if (k == index) return arrJson.substring(i, e);
    i = skipWs<u16>(base, e, n);
    if (i >= n || unitAt<u16>(base, i) != 0x2C) return null; // ] (the end) or malformed
    i = skipWs<u16>(base, i + 1, n);
  }
  return null;
}

/** Number of elements of the JSON array `arrJson` (-1 when it is not an array). */
export function jsonLength(arrJson: string): i32 {
  let base = scannable(arrJson), n = arrJson.length;
  let i = skipWs<u16>(base, 0, n);
  if (i >= n || unitAt<u16>(base, i) != 0x5B) return -1;
  i = skipWs<u16>(base, i + 1, n);
  if (i < n && unitAt<u16>(base, i) == 0x5D) return 0;
  let k = 0;
  while (i < n) {
    let e = skipValue<u16>(base, i, n);
    if (e < 0) return -1;
    k++;
    i = skipWs<u16>(base, e, n);
    if (i >= n) return -1;
    let c = unitAt<u16>(base, i);
    if (c == 0x5D) return k;
    if (c != 0x2C) return -1;
    i = skipWs<u16>(base, i + 1, n);
  }
  return -1;
}

/** The raw JSON value `json` decoded when it is a JSON string, else null. */
export function jsonAsString(json: string | null): string | null {
  if (json === null) return null;
  let s = json;
  let base = scannable(s), n = s.length;
  let a = skipWs<u16>(base, 0, n);
  if (a >= n || unitAt<u16>(base, a) != 0x22) return null;
  let b = skipString<u16>(base, a, n);
  if (b < 0) return null;
  return decodeString16(base, a, b);
}

/** The raw JSON value `json` as a number when it is one, else `otherwise` (NaN). */
export function jsonAsNumber(json: string | null, otherwise: f64 = NaN): f64 {
  if (json === null) return otherwise;
  let s = json;
  let base = scannable(s), n = s.length;
  let a = skipWs<u16>(base, 0, n);
  let b = skipValue<u16>(base, a, n);
  if (b < 0 || skipWs<u16>(base, b, n) != n) return otherwise;
  let v = numberAt(s, a, b);
  return isNaN(v) ? otherwise : v;
}

// Lanes that need a look before escaping: " \ controls, surrogates.
// @ts-ignore: decorator
@inline function escStops(x: u64): u64 {
  return eqLanes<u16>(x, 0x22) | eqLanes<u16>(x, 0x5C) | zeroLanes<u16>(x & 0xFFE0FFE0FFE0FFE0) |
         eqLanes<u16>(x & 0xF800F800F800F800, 0xD800);
}

function nextEscape(base: usize, i: i32, n: i32): i32 {
  while (i < n) {
    let m = clip<u16>(escStops(wordAt<u16>(base, i)), i, n);
    if (m != 0) return i + firstLane<u16>(m);
    i += 4;
  }
  return n;
}

// @ts-ignore: decorator
@inline function isPair(base: usize, i: i32, n: i32): bool {
  return (unitAt<u16>(base, i) & 0xFC00) == 0xD800 && i + 1 < n && (unitAt<u16>(base, i + 1) & 0xFC00) == 0xDC00;
}

// The short escape letter of c (n for \n), or 0 when c needs \u00XX.
// @ts-ignore: decorator
@inline function shortEscape(c: i32): i32 {
  if (c == 0x22 || c == 0x5C) return c;
  if (c == 0x0A) return 0x6E;
  if (c == 0x0D) return 0x72;
  if (c == 0x09) return 0x74;
  if (c == 0x08) return 0x62;
  if (c == 0x0C) return 0x66;
  return 0;
}

const HEX = "0123456789abcdef";

/**
 * Escapes `s` for use inside a JSON string (no quotes added): `"` `\` and
 * control characters, and lone surrogates as \uXXXX so the result is valid UTF-8.
 */
export function jsonEscape(s: string): string {
  let base = scannable(s), n = s.length;
  let i = nextEscape(base, 0, n);
  if (i == n) return s;
  let extra = 0;
  while (i < n) {
    if (isPair(base, i, n)) {
      i = nextEscape(base, i + 2, n);
      continue;
    }
    extra += shortEscape(unitAt<u16>(base, i)) != 0 ? 1 : 5;
    i = nextEscape(base, i + 1, n);
  }
  let out = __new(<usize>(n + extra) << 1, idof<string>());
  let o = out;
  let hex = changetype<usize>(HEX);
  i = 0;
  while (true) {
    let j = nextEscape(base, i, n);
    let run = <usize>(j - i) << 1;
    memory.copy(o, base + (<usize>i << 1), run);
    o += run;
    if (j >= n) break;
    if (isPair(base, j, n)) {
      store<u32>(o, load<u32>(base + (<usize>j << 1)));
      o += 4;
      i = j + 2;
      continue;
    }
    let c = unitAt<u16>(base, j);
    let e = shortEscape(c);
    store<u16>(o, 0x5C);
    if (e != 0) {
      store<u16>(o, e, 2);
      o += 4;
    } else {
      store<u16>(o, 0x75, 2); // \uXXXX
      store<u16>(o, load<u16>(hex + (<usize>(c >> 12 & 15) << 1)), 4);
      store<u16>(o, load<u16>(hex + (<usize>(c >> 8 & 15) << 1)), 6);
      store<u16>(o, load<u16>(hex + (<usize>(c >> 4 & 15) << 1)), 8);
      store<u16>(o, load<u16>(hex + (<usize>(c & 15) << 1)), 10);
      o += 12;
    }
    i = j + 1;
  }
  return changetype<string>(out);
}

/** `s` as a JSON string literal, quotes included. */
export function jsonQuote(s: string): string {
  return "\"" + jsonEscape(s) + "\"";
}

// ---------------------------------------------------------------------------
// The event

// Keys of the envelope, packed (Members.keyCode).
const K_V: u64 = 0x76;
const K_KIND: u64 = 0x646e696b;
const K_EVENT: u64 = 0x746e657665;
const K_ARGS: u64 = 0x73677261;
const K_ACK: u64 = 0x6b6361;
const K_SOCKET: u64 = 0x74656b636f73;
const K_REASON: u64 = 0x6e6f73616572;
const K_TS: u64 = 0x7374;
const K_ID: u64 = 0x6469;
const K_ROLE: u64 = 0x656c6f72;
const K_USERID: u64 = 0x644972657375;
const K_ROOMS: u64 = 0x736d6f6f72;
const K_USER: u64 = 0x72657375;

const TOP = new Members<u8>();
const SOCK = new Members<u8>();

// The JSON string at bytes [vs, ve) (quotes included) decoded, "" when it is
// not a string; "event", "connection" and "disconnect" are returned as the
// constants (no allocation, and == is a pointer test).
function stringAt(base: usize, vs: i32, ve: i32): string {
  let a = vs + 1, len = ve - vs - 2;
  if (len <= 0 || load<u8>(base + <usize>vs) != 0x22) return "";
  let x = load<u64>(base + <usize>a);
  if (len == 5 && (x & 0xFFFFFFFFFF) == 0x746e657665) return KIND_EVENT;
  if (len == 10) {
    let y = load<u16>(base + <usize>a + 8);
    if (x == 0x697463656e6e6f63 && y == 0x6e6f) return KIND_CONNECTION;
    if (x == 0x656e6e6f63736964 && y == 0x7463) return KIND_DISCONNECT;
  }
  return utf8ToString(base, a, a + len, true);
}

/**
 * One event, read from the envelope (ABI section 4). Valid during the
 * handler call that received it: copy what you keep (the raw JSON fields are
 * decoded from the input on first use).
 */
export class Event {
  /** Envelope version (1). */
  v: i32 = 0;
  /** "connection", "disconnect" or "event" (compare with KIND_*: a pointer test). */
  kind: string = "";
  /** True when the client asked for an acknowledgement (reply() is allowed). */
  ack: bool = false;
  /** When the hub received the event, Unix milliseconds. */
  ts: i64 = 0;

  // The other fields are decoded from the input on first use: a handler pays
  // only for what it reads. Positions are of the raw JSON values.
  private gen: i32 = 0;
  private nameA: i32 = 0;
  private nameB: i32 = 0;
  private sidA: i32 = 0;
  private sidB: i32 = 0;
  private roleA: i32 = 0;
  private roleB: i32 = 0;
  private uidA: i32 = 0;
  private uidB: i32 = 0;
  private reasonA: i32 = 0;
  private reasonB: i32 = 0;
  private argsA: i32 = 0;
  private argsB: i32 = 0;
  private roomsA: i32 = 0;
  private roomsB: i32 = 0;
  private userA: i32 = 0;
  private userB: i32 = 0;
  private nameS: string | null = null;
  private sidS: string | null = null;
  private roleS: string | null = null;
  private uidS: string | null = null;
  private reasonS: string | null = null;
  private argsS: string | null = null;
  private roomsS: string | null = null;
  private userS: string | null = null;

  get isEvent(): bool { return this.kind == KIND_EVENT; }
  get isConnection(): bool { return this.kind == KIND_CONNECTION; }
  get isDisconnect(): bool { return this.kind == KIND_DISCONNECT; }

  private check(): void {
    if (this.gen != inputGen) throw new Error("iohub: Event field read after its event ended");
  }

  private str(a: i32, b: i32): string {
    if (a >= b) return "";
    this.check();
    return stringAt(inputPtr, a, b);
  }

  private rawText(a: i32, b: i32, otherwise: string): string {
    if (a >= b) return otherwise;
    this.check();
    return utf8ToString(inputPtr, a, b, false);
  }

  /** "connection", "disconnect" or the client's event name. */
  get name(): string {
    let s = this.nameS;
    if (s === null) this.nameS = s = this.str(this.nameA, this.nameB);
    return s;
  }

  /** The socket the event is about. */
  get socketId(): string {
    let s = this.sidS;
    if (s === null) this.sidS = s = this.str(this.sidA, this.sidB);
    return s;
  }

  /** The socket's role. */
  get role(): string {
    let s = this.roleS;
    if (s === null) this.roleS = s = this.str(this.roleA, this.roleB);
    return s;
  }

  /** The user id, "" for anonymous sockets. */
  get userId(): string {
    let s = this.uidS;
    if (s === null) this.uidS = s = this.str(this.uidA, this.uidB);
    return s;
  }

  /** The disconnect reason, "" otherwise. */
  get reason(): string {
    let s = this.reasonS;
    if (s === null) this.reasonS = s = this.str(this.reasonA, this.reasonB);
    return s;
  }

  /** The client's arguments, raw JSON array text ("[]" for connection/disconnect). */
  get argsJson(): string {
    let s = this.argsS;
    if (s === null) this.argsS = s = this.rawText(this.argsA, this.argsB, "[]");
    return s;
  }

  /** The socket's rooms, raw JSON array text. */
  get roomsJson(): string {
    let s = this.roomsS;
    if (s === null) this.roomsS = s = this.rawText(this.roomsA, this.roomsB, "[]");
    return s;
  }

  /** The verified token's claims, raw JSON object text, or "null" when anonymous. */
  get userJson(): string {
    let s = this.userS;
    if (s === null) this.userS = s = this.rawText(this.userA, this.userB, "null");
    return s;
  }

  /** Raw JSON text of argument `index`, or null. */
  arg(index: i32): string | null {
    return jsonIndex(this.argsJson, index);
  }

  /** Number of arguments. */
  argCount(): i32 {
    return max(0, jsonLength(this.argsJson));
  }

  /** Argument `index` when it is a JSON string, else null. */
  argAsString(index: i32): string | null {
    return jsonAsString(this.arg(index));
  }

  /** Member `key` of argument `index` (an object) when it is a string, else null. */
  argString(index: i32, key: string): string | null {
    let a = this.arg(index);
    return a === null ? null : jsonGetString(a, key);
  }

  /** Member `key` of argument `index` (an object) when it is a number, else `otherwise`. */
  argNumber(index: i32, key: string, otherwise: f64 = NaN): f64 {
    let a = this.arg(index);
    return a === null ? otherwise : jsonGetNumber(a, key, otherwise);
  }

  /** Member `key` of the token claims when it is a string, else null. */
  claimString(key: string): string | null {
    return jsonGetString(this.userJson, key);
  }

  /** Parses the current input as an envelope; null when it is not a JSON object. Unknown keys are skipped. */
  static fromInput(): Event | null {
    let e = new Event();
    e.gen = inputGen;
    let base = inputPtr;
    let it = TOP.reset(base, 0, inputLen);
    while (it.nextKey()) {
      let k = it.keyCode();
      if (k == K_SOCKET && it.first() == 0x7B) { // parsed in place: one pass over the socket
        let so = SOCK.reset(base, it.vs, inputLen);
        while (so.next()) {
          let q = so.keyCode();
          if (q == K_ID) { e.sidA = so.vs; e.sidB = so.ve; }
          else if (q == K_ROLE) { e.roleA = so.vs; e.roleB = so.ve; }
          else if (q == K_USERID) { e.uidA = so.vs; e.uidB = so.ve; }
          else if (q == K_ROOMS) { e.roomsA = so.vs; e.roomsB = so.ve; }
          else if (q == K_USER) { e.userA = so.vs; e.userB = so.ve; }
        }
        if (so.failed || !it.endValue(so.i + 1)) return null; // so.i: at the closing brace
        continue;
      }
      if (!it.skipValue()) return null;
      if (k == K_KIND) e.kind = stringAt(base, it.vs, it.ve);
      else if (k == K_EVENT) { e.nameA = it.vs; e.nameB = it.ve; }
      else if (k == K_ARGS) { e.argsA = it.vs; e.argsB = it.ve; }
      else if (k == K_ACK) e.ack = it.first() == 0x74; // true
      else if (k == K_REASON) { e.reasonA = it.vs; e.reasonB = it.ve; }
      else if (k == K_TS) e.ts = parseInt8(base, it.vs, it.ve);
      else if (k == K_V) e.v = <i32>parseInt8(base, it.vs, it.ve);
    }
    if (it.failed) return null;
    return e;
  }

  /** Reads and parses the current envelope; null when malformed. */
  static read(len: i32 = -1): Event | null {
    readInputBytes(len);
    return Event.fromInput();
  }

  /** Parses an envelope given as a string (tests, tools); it replaces the current input. */
  static parse(json: string): Event | null {
    let p = inputBuffer(utf8Room(json));
    inputLen = utf8Put(json, p);
    inputGen++;
    return Event.fromInput();
  }
}

// ---------------------------------------------------------------------------
// Dispatch

export type Handler = (e: Event) => i32;
export type InitHandler = (configJson: string) => i32;

/** Ends a guest call: frees its garbage (the minimal runtime collects only when asked). */
function endOfCall(): void {
  inputGen++; // this call's Event is stale from now on
  shrinkBuffers();
  __collect(); // a full collection; a no-op with the stub runtime
}

/**
 * Reads the envelope, runs `handler`, frees the event's garbage, returns the
 * handler's status. A malformed envelope returns ERROR without calling it.
 *
 *   export function hub_on_event(len: i32): i32 { return iohub.dispatch(len, handle) }
 */
export function dispatch(len: i32, handler: Handler): i32 {
  lastCodeValue = 0;
  let status = ERROR;
  let e = Event.read(len);
  if (e === null) setError("iohub: malformed event envelope");
  else status = handler(e);
  endOfCall();
  return status;
}

/**
 * Reads the config JSON ("{}" when absent), runs `handler`, returns its status.
 *
 *   export function hub_init(len: i32): i32 { return iohub.init(len, setup) }
 */
export function init(len: i32, handler: InitHandler): i32 {
  let config = readInput(len);
  let status = handler(config.length > 0 ? config : "{}");
  endOfCall();
  return status;
}

// Registration style: call iohub.onEvent(handle) at the top level of your
// entry file and `export { hub_abi_version, hub_on_event } from "...sdk..."`.

let registered: Handler | null = null;
let registeredInit: InitHandler | null = null;

/** Registers the handler run by the SDK's own hub_on_event export. */
export function onEvent(handler: Handler): void {
  registered = handler;
}

/** Registers the handler run by the SDK's own hub_init export. */
export function onInit(handler: InitHandler): void {
  registeredInit = handler;
}

// ---------------------------------------------------------------------------
// Exports: re-export them from your entry file (`export { ... } from`).

/** ABI version (required export). */
export function hub_abi_version(): i32 {
  return ABI_VERSION;
}

/** hub_on_event that runs the handler given to onEvent(). */
export function hub_on_event(len: i32): i32 {
  let h = registered;
  if (h === null) return fail("iohub: no handler registered (call iohub.onEvent)");
  return dispatch(len, h);
}

/** hub_init that runs the handler given to onInit() (0 when none). */
export function hub_init(len: i32): i32 {
  let h = registeredInit;
  if (h === null) return OK;
  return init(len, h);
}
