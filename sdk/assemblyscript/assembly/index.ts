// iohub guest SDK for AssemblyScript, ABI v1 (see sdk/ABI.md).
//
//   import * as iohub from "<path to>/sdk/assemblyscript/assembly/index";
//   export { hub_abi_version } from "<path to>/sdk/assemblyscript/assembly/index";
//
//   export function hub_on_event(len: i32): i32 {
//     return iohub.dispatch(len, handle);
//   }
//   function handle(e: iohub.Event): i32 {
//     if (e.kind == "connection") iohub.info("hello " + e.socketId);
//     return iohub.OK;
//   }
//
// Strings cross the ABI as UTF-8 (ptr, len); the SDK converts from and to
// AssemblyScript's UTF-16 strings in one reusable scratch buffer, so host calls
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
// Scratch buffer: unmanaged memory reused for every host call.

let scratchPtr: usize = 0;
let scratchCap: i32 = 0;
const SCRATCH_KEEP: i32 = 256 * 1024; // shrunk back after an event if larger

function scratch(n: i32): usize {
  if (n > scratchCap) {
    let cap = max<i32>(n, max<i32>(scratchCap << 1, 512));
    scratchPtr = scratchPtr == 0 ? heap.alloc(<usize>cap) : heap.realloc(scratchPtr, <usize>cap);
    scratchCap = cap;
  }
  return scratchPtr;
}

function shrinkScratch(): void {
  if (scratchCap > SCRATCH_KEEP) {
    heap.free(scratchPtr);
    scratchPtr = 0;
    scratchCap = 0;
  }
}

// @ts-ignore: decorator
@inline function utf8Len(s: string): i32 {
  return String.UTF8.byteLength(s);
}

// Encodes s at p (room for utf8Len(s) bytes); lone surrogates become U+FFFD so
// the host always gets valid UTF-8.
// @ts-ignore: decorator
@inline function utf8Put(s: string, p: usize): i32 {
  return <i32>String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, p, false, String.UTF8.ErrorMode.REPLACE);
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
 * JSON in hub_init) as a string. `len` is the export's argument; pass -1 when
 * unknown.
 */
export function readInput(len: i32 = -1): string {
  if (len < 0) len = hub.input_read(0, 0);
  if (len <= 0) return "";
  let p = scratch(len);
  let n = hub.input_read(p, len);
  if (n > len) { // the input is longer than announced: read it all
    p = scratch(n);
    hub.input_read(p, n);
  }
  return n > 0 ? String.UTF8.decodeUnsafe(p, <usize>n) : "";
}

/** Sets the error message sent to the client for a non-zero status (last call wins). */
export function setError(message: string): void {
  let n = utf8Len(message);
  let p = scratch(n);
  utf8Put(message, p);
  hub.set_error(p, n);
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
  let n = utf8Len(message);
  let p = scratch(n);
  utf8Put(message, p);
  hub.log(level, p, n);
}

export function debug(message: string): void { log(LOG_DEBUG, message); }
export function info(message: string): void { log(LOG_INFO, message); }
export function warn(message: string): void { log(LOG_WARN, message); }
export function error(message: string): void { log(LOG_ERROR, message); }

// ---------------------------------------------------------------------------
// Socket effects: validated now, applied only if the handler returns OK.

/** Answers the client's ack; `argsJson` is a JSON array (`[{"ok":true}]`). 0, DENIED (no ack asked), STATE (replied already), INVALID. */
export function reply(argsJson: string): i32 {
  let n = utf8Len(argsJson);
  let p = scratch(n);
  utf8Put(argsJson, p);
  return rc(hub.reply(p, n));
}

/** Permission-checked content event (`"api::message.message.create"`, one JSON value). */
export function emit(event: string, dataJson: string): i32 {
  let a = utf8Len(event), b = utf8Len(dataJson);
  let p = scratch(a + b);
  utf8Put(event, p);
  utf8Put(dataJson, p + <usize>a);
  return rc(hub.emit(p, a, p + <usize>a, b));
}

/**
 * Unchecked emit of `event` with `argsJson` (a JSON array) to one room, or to
 * every socket when `room` is "". `exceptSender` leaves out the event's socket.
 */
export function raw(room: string, event: string, argsJson: string, exceptSender: bool = false): i32 {
  let a = utf8Len(room), b = utf8Len(event), c = utf8Len(argsJson);
  let p = scratch(a + b + c);
  utf8Put(room, p);
  utf8Put(event, p + <usize>a);
  utf8Put(argsJson, p + <usize>(a + b));
  return rc(hub.raw(p, a, p + <usize>a, b, p + <usize>(a + b), c, exceptSender ? EXCEPT_SENDER : 0));
}

/** Emits `event` with `argsJson` (JSON array) to one socket ("" = the event's socket). NOT_FOUND when not connected here. */
export function send(sid: string, event: string, argsJson: string): i32 {
  let a = utf8Len(sid), b = utf8Len(event), c = utf8Len(argsJson);
  let p = scratch(a + b + c);
  utf8Put(sid, p);
  utf8Put(event, p + <usize>a);
  utf8Put(argsJson, p + <usize>(a + b));
  return rc(hub.send(p, a, p + <usize>a, b, p + <usize>(a + b), c));
}

/** Adds socket `sid` ("" = the event's socket) to `room`. */
export function join(sid: string, room: string): i32 {
  let a = utf8Len(sid), b = utf8Len(room);
  let p = scratch(a + b);
  utf8Put(sid, p);
  utf8Put(room, p + <usize>a);
  return rc(hub.join(p, a, p + <usize>a, b));
}

/** Removes socket `sid` ("" = the event's socket) from `room`. */
export function leave(sid: string, room: string): i32 {
  let a = utf8Len(sid), b = utf8Len(room);
  let p = scratch(a + b);
  utf8Put(sid, p);
  utf8Put(room, p + <usize>a);
  return rc(hub.leave(p, a, p + <usize>a, b));
}

/** Disconnects socket `sid` ("" = the event's socket) after the event's other effects. */
export function disconnect(sid: string = ""): i32 {
  let a = utf8Len(sid);
  let p = scratch(a);
  utf8Put(sid, p);
  return rc(hub.disconnect(p, a));
}

// ---------------------------------------------------------------------------
// Key-value store (this module's namespace; takes effect at once).

// kv_get into the scratch buffer after a key already encoded at p[0..k];
// returns the value's length (the value at p + k) or a negative code.
function kvGetRaw(key: string): i32 {
  let k = utf8Len(key);
  let p = scratch(k + 256);
  utf8Put(key, p);
  let cap = scratchCap - k;
  let n = hub.kv_get(p, k, p + <usize>k, cap);
  if (n > cap) {
    p = scratch(k + n); // realloc keeps the key bytes
    n = hub.kv_get(p, k, p + <usize>k, n);
  }
  return rc(n);
}

/** The value stored at `key` as a string, or null when absent (or on error: see lastCode()). */
export function kvGet(key: string): string | null {
  let n = kvGetRaw(key);
  if (n < 0) return null;
  return String.UTF8.decodeUnsafe(scratchPtr + <usize>utf8Len(key), <usize>n);
}

/** The value stored at `key` as bytes, or null when absent (or on error: see lastCode()). */
export function kvGetBytes(key: string): Uint8Array | null {
  let n = kvGetRaw(key);
  if (n < 0) return null;
  let out = new Uint8Array(n);
  memory.copy(out.dataStart, scratchPtr + <usize>utf8Len(key), <usize>n);
  return out;
}

/** Stores `value` at `key`; `ttlMs` 0 = no expiry. Returns 0 or a negative code. */
export function kvSet(key: string, value: string, ttlMs: i64 = 0): i32 {
  let a = utf8Len(key), b = utf8Len(value);
  let p = scratch(a + b);
  utf8Put(key, p);
  utf8Put(value, p + <usize>a);
  return rc(hub.kv_set(p, a, p + <usize>a, b, ttlMs));
}

/** Stores raw bytes at `key`. */
export function kvSetBytes(key: string, value: Uint8Array, ttlMs: i64 = 0): i32 {
  let a = utf8Len(key), b = value.length;
  let p = scratch(a + b);
  utf8Put(key, p);
  memory.copy(p + <usize>a, value.dataStart, <usize>b);
  return rc(hub.kv_set(p, a, p + <usize>a, b, ttlMs));
}

/** Deletes `key`: 0 when deleted, NOT_FOUND when there was nothing. */
export function kvDelete(key: string): i32 {
  let a = utf8Len(key);
  let p = scratch(a);
  utf8Put(key, p);
  return rc(hub.kv_delete(p, a));
}

/**
 * Atomically adds `delta` to the integer at `key` (absent = 0) and returns the
 * new value. `ttlMs` > 0 (re)sets the expiry, 0 keeps it. On failure returns 0
 * and lastCode() is negative (STATE: the value is not an integer).
 */
export function kvAdd(key: string, delta: i64, ttlMs: i64 = 0): i64 {
  let a = utf8Len(key);
  let p = scratch(((a + 7) & ~7) + 8);
  utf8Put(key, p);
  let out = p + <usize>((a + 7) & ~7);
  if (rc(hub.kv_add(p, a, delta, ttlMs, out)) < 0) return 0;
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
// JSON scanning (no JSON library): works on the UTF-16 code units of a string.

// @ts-ignore: decorator
@inline function cu(base: usize, i: i32): i32 {
  return <i32>load<u16>(base + (<usize>i << 1));
}

// @ts-ignore: decorator
@inline function isWs(c: i32): bool {
  return c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09;
}

function skipWs(base: usize, i: i32, n: i32): i32 {
  while (i < n && isWs(cu(base, i))) i++;
  return i;
}

// i at the opening quote; returns the index after the closing quote, or -1.
function skipString(base: usize, i: i32, n: i32): i32 {
  i++;
  while (i < n) {
    let c = cu(base, i);
    if (c == 0x22) return i + 1; // "
    i += c == 0x5C ? 2 : 1; // \x: the escaped unit is never the closing quote
  }
  return -1;
}

// i at the first unit of a value; returns the index after it, or -1.
function skipValue(base: usize, i: i32, n: i32): i32 {
  if (i >= n) return -1;
  let c = cu(base, i);
  if (c == 0x22) return skipString(base, i, n);
  if (c == 0x7B || c == 0x5B) { // { [
    let depth = 0;
    while (i < n) {
      c = cu(base, i);
      if (c == 0x22) {
        i = skipString(base, i, n);
        if (i < 0) return -1;
        continue;
      }
      if (c == 0x7B || c == 0x5B) depth++;
      else if (c == 0x7D || c == 0x5D) {
        if (--depth == 0) return i + 1;
      }
      i++;
    }
    return -1;
  }
  if (c == 0x7D || c == 0x5D || c == 0x2C || c == 0x3A) return -1; // } ] , :
  let s = i;
  while (i < n) { // number, true, false, null
    c = cu(base, i);
    if (c == 0x2C || c == 0x7D || c == 0x5D || isWs(c)) break;
    i++;
  }
  return i > s ? i : -1;
}

// @ts-ignore: decorator
@inline function hexVal(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  c |= 0x20;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

// Decodes the JSON string s[qs..qe) (quotes included).
function decodeString(s: string, qs: i32, qe: i32): string {
  let base = changetype<usize>(s);
  let a = qs + 1, b = qe - 1;
  let i = a;
  while (i < b && cu(base, i) != 0x5C) i++;
  if (i == b) return s.substring(a, b); // no escape: one copy
  let out = __new(<usize>(b - a) << 1, idof<string>()); // never longer than the raw text
  let o: usize = 0;
  memory.copy(out, base + (<usize>a << 1), <usize>(i - a) << 1);
  o = <usize>(i - a);
  while (i < b) {
    let c = cu(base, i++);
    if (c == 0x5C && i < b) {
      c = cu(base, i++);
      switch (c) {
        case 0x62: { c = 0x08; break; } // b
        case 0x66: { c = 0x0C; break; } // f
        case 0x6E: { c = 0x0A; break; } // n
        case 0x72: { c = 0x0D; break; } // r
        case 0x74: { c = 0x09; break; } // t
        case 0x75: { // uXXXX
          if (i + 4 <= b) {
            let h0 = hexVal(cu(base, i)), h1 = hexVal(cu(base, i + 1));
            let h2 = hexVal(cu(base, i + 2)), h3 = hexVal(cu(base, i + 3));
            if ((h0 | h1 | h2 | h3) >= 0) {
              c = h0 << 12 | h1 << 8 | h2 << 4 | h3;
              i += 4;
            }
          }
          break;
        }
        default: break; // " \ / and anything else: the unit itself
      }
    }
    store<u16>(out + (o << 1), <u16>c);
    o++;
  }
  return changetype<string>(__renew(out, o << 1));
}

// True when the key s[ks..ke) (quotes included) equals `key`.
function keyEquals(s: string, ks: i32, ke: i32, key: string): bool {
  let base = changetype<usize>(s);
  let n = ke - ks - 2;
  if (n == key.length && memory.compare(base + (<usize>(ks + 1) << 1), changetype<usize>(key), <usize>n << 1) == 0) return true;
  // escaped keys ("r\u006fom") compare decoded
  for (let i = ks + 1; i < ke - 1; i++) {
    if (cu(base, i) == 0x5C) return decodeString(s, ks, ke) == key;
  }
  return false;
}

/**
 * Walks the members of one JSON object: `while (it.next()) { it.key / it.value }`.
 * After the loop, `failed` tells whether the object was malformed.
 */
class Members {
  base: usize;
  n: i32;
  i: i32;
  ks: i32 = 0; // key, quotes included
  ke: i32 = 0;
  vs: i32 = 0; // value
  ve: i32 = 0;
  done: bool = false;
  failed: bool = false;

  constructor(public s: string, start: i32, end: i32) {
    this.base = changetype<usize>(s);
    this.n = end;
    let i = skipWs(this.base, start, end);
    if (i >= end || cu(this.base, i) != 0x7B) {
      this.done = true;
      this.failed = true;
    } else {
      i = skipWs(this.base, i + 1, end);
      if (i < end && cu(this.base, i) == 0x7D) this.done = true;
    }
    this.i = i;
  }

  private fail(): bool {
    this.done = true;
    this.failed = true;
    return false;
  }

  next(): bool {
    if (this.done) return false;
    let base = this.base, n = this.n, i = this.i;
    if (i >= n || cu(base, i) != 0x22) return this.fail();
    this.ks = i;
    i = skipString(base, i, n);
    if (i < 0) return this.fail();
    this.ke = i;
    i = skipWs(base, i, n);
    if (i >= n || cu(base, i) != 0x3A) return this.fail();
    i = skipWs(base, i + 1, n);
    this.vs = i;
    i = skipValue(base, i, n);
    if (i < 0) return this.fail();
    this.ve = i;
    i = skipWs(base, i, n);
    if (i >= n) return this.fail();
    let c = cu(base, i);
    if (c == 0x2C) i = skipWs(base, i + 1, n);
    else if (c == 0x7D) this.done = true;
    else return this.fail();
    this.i = i;
    return true;
  }

  is(key: string): bool {
    return keyEquals(this.s, this.ks, this.ke, key);
  }

  first(): i32 {
    return cu(this.base, this.vs);
  }

  rawValue(): string {
    return this.s.substring(this.vs, this.ve);
  }

  /** The value as a string, or "" when it is not a JSON string. */
  stringValue(): string {
    return this.first() == 0x22 ? decodeString(this.s, this.vs, this.ve) : "";
  }
}

function rawToNumber(s: string, a: i32, b: i32): f64 {
  if (a >= b) return NaN;
  let c = cu(changetype<usize>(s), a);
  if (c != 0x2D && (c < 0x30 || c > 0x39)) return NaN; // - or digit
  return parseFloat(s.substring(a, b));
}

function rawToI64(s: string, a: i32, b: i32): i64 {
  let base = changetype<usize>(s);
  let neg = a < b && cu(base, a) == 0x2D;
  let i = neg ? a + 1 : a;
  if (i >= b) return 0;
  let v: i64 = 0;
  for (; i < b; i++) {
    let c = cu(base, i);
    if (c < 0x30 || c > 0x39) break; // integer part only (1.5 -> 1)
    v = v * 10 + <i64>(c - 0x30);
  }
  return neg ? -v : v;
}

// Finds `key` in the object `obj`; sets foundStart/foundEnd to its value.
let foundStart: i32 = 0;
let foundEnd: i32 = 0;

function findMember(obj: string, key: string): bool {
  let it = new Members(obj, 0, obj.length);
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
  if (cu(changetype<usize>(objJson), foundStart) != 0x22) return null;
  return decodeString(objJson, foundStart, foundEnd);
}

/** Member `key` of `objJson` when it is a JSON number, else `otherwise` (NaN). */
export function jsonGetNumber(objJson: string, key: string, otherwise: f64 = NaN): f64 {
  if (!findMember(objJson, key)) return otherwise;
  let v = rawToNumber(objJson, foundStart, foundEnd);
  return isNaN(v) ? otherwise : v;
}

/** Member `key` of `objJson` when it is true or false, else `otherwise`. */
export function jsonGetBool(objJson: string, key: string, otherwise: bool = false): bool {
  if (!findMember(objJson, key)) return otherwise;
  let v = objJson.substring(foundStart, foundEnd);
  if (v == "true") return true;
  if (v == "false") return false;
  return otherwise;
}

/** The raw JSON text of element `index` of the JSON array `arrJson`, or null. */
export function jsonIndex(arrJson: string, index: i32): string | null {
  let base = changetype<usize>(arrJson), n = arrJson.length;
  let i = skipWs(base, 0, n);
  if (index < 0 || i >= n || cu(base, i) != 0x5B) return null;
  i = skipWs(base, i + 1, n);
  for (let k = 0; i < n; k++) {
    let c = cu(base, i);
    if (c == 0x5D) return null;
    let e = skipValue(base, i, n);
    if (e < 0) return null;
    if (k == index) return arrJson.substring(i, e);
    i = skipWs(base, e, n);
    if (i >= n) return null;
    c = cu(base, i);
    if (c == 0x2C) i = skipWs(base, i + 1, n);
    else return null; // ']' (end) or malformed
  }
  return null;
}

/** Number of elements of the JSON array `arrJson` (-1 when it is not an array). */
export function jsonLength(arrJson: string): i32 {
  let base = changetype<usize>(arrJson), n = arrJson.length;
  let i = skipWs(base, 0, n);
  if (i >= n || cu(base, i) != 0x5B) return -1;
  i = skipWs(base, i + 1, n);
  if (i < n && cu(base, i) == 0x5D) return 0;
  let k = 0;
  while (i < n) {
    let e = skipValue(base, i, n);
    if (e < 0) return -1;
    k++;
    i = skipWs(base, e, n);
    if (i >= n) return -1;
    let c = cu(base, i);
    if (c == 0x5D) return k;
    if (c != 0x2C) return -1;
    i = skipWs(base, i + 1, n);
  }
  return -1;
}

/** The raw JSON value `json` decoded when it is a JSON string, else null. */
export function jsonAsString(json: string | null): string | null {
  if (json === null) return null;
  let s = json;
  let base = changetype<usize>(s), n = s.length;
  let a = skipWs(base, 0, n);
  if (a >= n || cu(base, a) != 0x22) return null;
  let b = skipString(base, a, n);
  if (b < 0) return null;
  return decodeString(s, a, b);
}

/** The raw JSON value `json` as a number when it is one, else `otherwise` (NaN). */
export function jsonAsNumber(json: string | null, otherwise: f64 = NaN): f64 {
  if (json === null) return otherwise;
  let s = json;
  let base = changetype<usize>(s), n = s.length;
  let a = skipWs(base, 0, n);
  let b = a;
  while (b < n && !isWs(cu(base, b))) b++;
  let v = rawToNumber(s, a, b);
  return isNaN(v) ? otherwise : v;
}

// @ts-ignore: decorator
@inline function needsEscape(c: i32): bool {
  return c < 0x20 || c == 0x22 || c == 0x5C || (c & 0xF800) == 0xD800;
}

const HEX = "0123456789abcdef";

/**
 * Escapes `s` for use inside a JSON string (no quotes added): `"` `\` and
 * control characters, and lone surrogates as \uXXXX so the result is valid UTF-8.
 */
export function jsonEscape(s: string): string {
  let base = changetype<usize>(s), n = s.length;
  let extra = 0;
  for (let i = 0; i < n; i++) {
    let c = cu(base, i);
    if (!needsEscape(c)) continue;
    if ((c & 0xF800) == 0xD800) {
      if (c < 0xDC00 && i + 1 < n && (cu(base, i + 1) & 0xFC00) == 0xDC00) { i++; continue; } // valid pair
      extra += 5;
    } else if (c == 0x22 || c == 0x5C || c == 0x08 || c == 0x0C || c == 0x0A || c == 0x0D || c == 0x09) {
      extra += 1;
    } else {
      extra += 5;
    }
  }
  if (extra == 0) return s;
  let out = __new(<usize>(n + extra) << 1, idof<string>());
  let o: usize = out;
  let hex = changetype<usize>(HEX);
  for (let i = 0; i < n; i++) {
    let c = cu(base, i);
    if (!needsEscape(c)) { store<u16>(o, <u16>c); o += 2; continue; }
    if ((c & 0xF800) == 0xD800 && c < 0xDC00 && i + 1 < n && (cu(base, i + 1) & 0xFC00) == 0xDC00) {
      store<u16>(o, <u16>c);
      store<u16>(o, <u16>cu(base, i + 1), 2);
      o += 4; i++;
      continue;
    }
    let e = 0;
    if (c == 0x22 || c == 0x5C) e = c;
    else if (c == 0x08) e = 0x62;
    else if (c == 0x0C) e = 0x66;
    else if (c == 0x0A) e = 0x6E;
    else if (c == 0x0D) e = 0x72;
    else if (c == 0x09) e = 0x74;
    store<u16>(o, 0x5C);
    if (e != 0) {
      store<u16>(o, <u16>e, 2);
      o += 4;
    } else {
      store<u16>(o, 0x75, 2); // \uXXXX
      store<u16>(o, load<u16>(hex + (<usize>(c >> 12 & 15) << 1)), 4);
      store<u16>(o, load<u16>(hex + (<usize>(c >> 8 & 15) << 1)), 6);
      store<u16>(o, load<u16>(hex + (<usize>(c >> 4 & 15) << 1)), 8);
      store<u16>(o, load<u16>(hex + (<usize>(c & 15) << 1)), 10);
      o += 12;
    }
  }
  return changetype<string>(out);
}

/** `s` as a JSON string literal, quotes included. */
export function jsonQuote(s: string): string {
  return "\"" + jsonEscape(s) + "\"";
}

// ---------------------------------------------------------------------------
// The event

/** One event, read from the envelope (ABI section 4). */
export class Event {
  /** Envelope version (1). */
  v: i32 = 0;
  /** "connection", "disconnect" or "event". */
  kind: string = "";
  /** "connection", "disconnect" or the client's event name. */
  name: string = "";
  /** The client's arguments, raw JSON array text ("[]" for connection/disconnect). */
  argsJson: string = "[]";
  /** True when the client asked for an acknowledgement (reply() is allowed). */
  ack: bool = false;
  /** The socket the event is about. */
  socketId: string = "";
  role: string = "";
  /** "" for anonymous sockets. */
  userId: string = "";
  /** The socket's rooms, raw JSON array text. */
  roomsJson: string = "[]";
  /** The verified token's claims, raw JSON object text, or "null" when anonymous. */
  userJson: string = "null";
  /** The disconnect reason, "" otherwise. */
  reason: string = "";
  /** When the hub received the event, Unix milliseconds. */
  ts: i64 = 0;

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

  /** Parses an envelope; null when it is not a JSON object. Unknown keys are skipped. */
  static parse(json: string): Event | null {
    let e = new Event();
    let it = new Members(json, 0, json.length);
    while (it.next()) {
      let c = cu(it.base, it.ks + 1); // first unit of the key: cheap dispatch
      if (c == 0x5C) { // escaped key: dispatch on its decoded first unit
        let k = decodeString(json, it.ks, it.ke);
        c = k.length > 0 ? <i32>k.charCodeAt(0) : 0;
      }
      if (c == 0x6B && it.is("kind")) e.kind = it.stringValue();
      else if (c == 0x65 && it.is("event")) e.name = it.stringValue();
      else if (c == 0x61 && it.is("args")) e.argsJson = it.rawValue();
      else if (c == 0x61 && it.is("ack")) e.ack = it.first() == 0x74; // true
      else if (c == 0x72 && it.is("reason")) e.reason = it.stringValue();
      else if (c == 0x74 && it.is("ts")) e.ts = rawToI64(json, it.vs, it.ve);
      else if (c == 0x76 && it.is("v")) e.v = <i32>rawToI64(json, it.vs, it.ve);
      else if (c == 0x73 && it.is("socket") && it.first() == 0x7B) {
        let so = new Members(json, it.vs, it.ve);
        while (so.next()) {
          if (so.is("id")) e.socketId = so.stringValue();
          else if (so.is("role")) e.role = so.stringValue();
          else if (so.is("userId")) e.userId = so.stringValue();
          else if (so.is("rooms")) e.roomsJson = so.rawValue();
          else if (so.is("user")) e.userJson = so.rawValue();
        }
        if (so.failed) return null;
      }
    }
    if (it.failed) return null;
    return e;
  }

  /** Reads and parses the current envelope; null when malformed. */
  static read(len: i32 = -1): Event | null {
    return Event.parse(readInput(len));
  }
}

// ---------------------------------------------------------------------------
// Dispatch

export type Handler = (e: Event) => i32;
export type InitHandler = (configJson: string) => i32;

/** Frees this event's garbage (the minimal runtime collects only when asked). */
function endOfCall(): void {
  shrinkScratch();
  aborting = false;
  __collect(); // no-op with the stub runtime, a full collection otherwise
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
