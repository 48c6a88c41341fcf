// The event: the envelope (ABI section 4), parsed in place in the input buffer.

import { KIND_CONNECTION, KIND_DISCONNECT, KIND_EVENT } from "./host";
import { inputPtr, inputLen, inputGen, inputBuffer, readInputBytes, setInput } from "./buffers";
import { utf8ToString, utf8Put, utf8Room } from "./utf8";
import { Members, parseInt8 } from "./scan";
import { jsonIndex, jsonLength, jsonAsString, jsonGetString, jsonGetNumber, jsonPlaceholder } from "./json";
import { binary } from "./api";

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

  /**
   * The bytes of argument `index` when it is binary (a placeholder, ABI v1.1),
   * else null. Binary inside an argument: binary(jsonPlaceholder(...)).
   */
  argBinary(index: i32): Uint8Array | null {
    let n = jsonPlaceholder(this.arg(index));
    return n < 0 ? null : binary(n);
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
    setInput(utf8Put(json, p));
    return Event.fromInput();
  }
}
