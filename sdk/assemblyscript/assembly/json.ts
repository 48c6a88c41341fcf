// JSON helpers on strings (public): members and elements of a JSON text,
// escaping and quoting.

import { eqLanes, zeroLanes, firstLane, clip, unitAt, wordAt, overreadable } from "./swar";
import { Members, skipWs, skipString, skipValue, decodeString16, numberAt } from "./scan";

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

/**
 * The num of the raw JSON value `json` when it is a binary placeholder
 * ({"_placeholder":true,"num":N}, ABI v1.1), else -1.
 */
export function jsonPlaceholder(json: string | null): i32 {
  if (json === null) return -1;
  if (!jsonGetBool(json, "_placeholder")) return -1;
  let n = jsonGetNumber(json, "num");
  if (!(n >= 0 && n <= <f64>i32.MAX_VALUE) || n != Math.floor(n)) return -1;
  return <i32>n;
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
