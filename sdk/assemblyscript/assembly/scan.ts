// The JSON scanner: skips values, walks object members, decodes JSON strings
// and integers, on UTF-8 bytes (T = u8) or strings (T = u16).

import {
  UNITS, zeroLanes, eqLanes, firstLane, clip, unitAt, wordAt, strStops, scalarStops, nestStops,
} from "./swar";
import { hexVal, unescapeUnit, utf8ToString } from "./utf8";

// @ts-ignore: decorator
@inline function isWs(c: i32): bool {
  return c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09;
}

export function skipWs<T>(base: usize, i: i32, n: i32): i32 {
  if (i < n && unitAt<T>(base, i) <= 0x20) { // rare: the hub writes none
    while (i < n && isWs(unitAt<T>(base, i))) i++;
  }
  return i;
}

// i at the opening quote; returns the index after the closing quote, or -1.
export function skipString<T>(base: usize, i: i32, n: i32): i32 {
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
export function skipValue<T>(base: usize, i: i32, n: i32): i32 {
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

// --- JSON strings inside a string (helpers) ---

// Index of the first \ in s units [i, n), or n.
export function indexOfBackslash(base: usize, i: i32, n: i32): i32 {
  while (i < n) {
    let m = clip<u16>(eqLanes<u16>(wordAt<u16>(base, i), 0x5C), i, n);
    if (m != 0) return i + firstLane<u16>(m);
    i += 4;
  }
  return n;
}

// Decodes the JSON string at units [qs, qe) of a string (quotes included).
export function decodeString16(base: usize, qs: i32, qe: i32): string {
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
@unmanaged export class Members<T> {
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
export function parseInt8(base: usize, a: i32, b: i32): i64 {
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
export function numberAt(s: string, a: i32, b: i32): f64 {
  if (a >= b) return NaN;
  let c = unitAt<u16>(changetype<usize>(s), a);
  if (c != 0x2D && (c < 0x30 || c > 0x39)) return NaN; // - or digit
  return parseFloat(s.substring(a, b));
}
