// Test entry: exposes the SDK's scanner and wrappers to test/*.test.mjs through
// AssemblyScript's generated JS bindings (strings marshalled by the bindings).
import * as iohub from "../assembly/index";
export { hub_abi_version } from "../assembly/index";

let cur: iohub.Event | null = null;

/** Event.parse; the fields are then read with field(i). */
export function parse(json: string): bool {
  cur = iohub.Event.parse(json);
  return cur !== null;
}

/** Field i of the last parsed event, as text. */
export function field(i: i32): string {
  let e = cur!;
  switch (i) {
    case 0: return e.v.toString();
    case 1: return e.kind;
    case 2: return e.name;
    case 3: return e.ack ? "true" : "false";
    case 4: return e.socketId;
    case 5: return e.role;
    case 6: return e.userId;
    case 7: return e.reason;
    case 8: return e.ts.toString();
    case 9: return e.argsJson;
    case 10: return e.userJson;
    case 11: return e.roomsJson;
  }
  return "?";
}

export function get(obj: string, key: string): string | null { return iohub.jsonGet(obj, key); }
export function getString(obj: string, key: string): string | null { return iohub.jsonGetString(obj, key); }
export function getNumber(obj: string, key: string): f64 { return iohub.jsonGetNumber(obj, key); }
export function getBool(obj: string, key: string, otherwise: bool): bool { return iohub.jsonGetBool(obj, key, otherwise); }
export function index(arr: string, i: i32): string | null { return iohub.jsonIndex(arr, i); }
export function length(arr: string): i32 { return iohub.jsonLength(arr); }
export function asString(json: string): string | null { return iohub.jsonAsString(json); }
export function asNumber(json: string): f64 { return iohub.jsonAsNumber(json); }
export function escape(s: string): string { return iohub.jsonEscape(s); }
export function quote(s: string): string { return iohub.jsonQuote(s); }

/** Event helpers on a parsed envelope. */
export function argString(json: string, i: i32, key: string): string | null {
  let e = iohub.Event.parse(json);
  return e === null ? null : e.argString(i, key);
}
export function argNumber(json: string, i: i32, key: string): f64 {
  let e = iohub.Event.parse(json);
  return e === null ? -1 : e.argNumber(i, key);
}
export function argAsString(json: string, i: i32): string | null {
  let e = iohub.Event.parse(json);
  return e === null ? null : e.argAsString(i);
}
export function argCount(json: string): i32 {
  let e = iohub.Event.parse(json);
  return e === null ? -1 : e.argCount();
}

// Wrappers: each calls one host import; the JS stub records what it received.
export function readInput(): string { return iohub.readInput(); }
export function callLog(level: i32, m: string): void { iohub.log(level, m); }
export function callInfo(m: string): void { iohub.info(m); }
export function callSetError(m: string): void { iohub.setError(m); }
export function callReply(a: string): i32 { return iohub.reply(a); }
export function callEmit(ev: string, d: string): i32 { return iohub.emit(ev, d); }
export function callRaw(room: string, ev: string, a: string, except: bool): i32 { return iohub.raw(room, ev, a, except); }
export function callSend(sid: string, ev: string, a: string): i32 { return iohub.send(sid, ev, a); }
export function callJoin(sid: string, room: string): i32 { return iohub.join(sid, room); }
export function callLeave(sid: string, room: string): i32 { return iohub.leave(sid, room); }
export function callDisconnect(sid: string): i32 { return iohub.disconnect(sid); }
export function callKvGet(k: string): string | null { return iohub.kvGet(k); }
export function callKvGetLen(k: string): i32 { let b = iohub.kvGetBytes(k); return b === null ? -100 : b.length; }
export function callKvSet(k: string, v: string, ttl: i64): i32 { return iohub.kvSet(k, v, ttl); }
export function callKvDelete(k: string): i32 { return iohub.kvDelete(k); }
export function callKvAdd(k: string, d: i64, ttl: i64): i64 { return iohub.kvAdd(k, d, ttl); }
export function lastCode(): i32 { return iohub.lastCode(); }
export function callNowMs(): i64 { return iohub.nowMs(); }
export function callRandomU32(): u32 { return iohub.randomU32(); }
export function callMathRandom(): f64 { return Math.random(); }
export function callThrow(m: string): void { throw new Error(m); }

/** Reads e.name after the input was replaced: must trap. */
export function staleRead(json: string): string {
  let e = iohub.Event.parse(json);
  if (e === null) return "MALFORMED";
  iohub.Event.parse("{}");
  return e.name;
}

// Binary (ABI v1.1).
export function placeholderOf(i: i32): string { return iohub.placeholder(i); }
export function placeholderNum(json: string): i32 { return iohub.jsonPlaceholder(json); }
export function callBinaryLen(i: i32): i32 { let b = iohub.binary(i); return b === null ? -100 : b.length; }
export function callBinaryHex(i: i32): string {
  let b = iohub.binary(i);
  if (b === null) return "null";
  let s = "";
  for (let k = 0; k < b.length; k++) s += (b[k] < 16 ? "0" : "") + b[k].toString(16);
  return s;
}
export function callBinaryRead(i: i32, cap: i32): i32 { return iohub.binaryRead(i, new Uint8Array(cap)); }
export function callAttach(s: string): i32 { return iohub.attach(Uint8Array.wrap(String.UTF8.encode(s))); }
export function callAttachBuffer(s: string): i32 { return iohub.attachBuffer(String.UTF8.encode(s)); }
