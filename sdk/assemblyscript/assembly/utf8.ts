// UTF-8 bytes to AssemblyScript (UTF-16) strings and back, a word at a time.

import { eqLanes, firstLane, clip, unitAt, wordAt, overreadable } from "./swar";

// --- UTF-8 bytes -> string ---

// 4 bytes -> 4 UTF-16 units.
// @ts-ignore: decorator
@inline function widen4(x: u32): u64 {
  let y = <u64>x;
  return (y & 0xFF) | ((y & 0xFF00) << 8) | ((y & 0xFF0000) << 16) | ((y & 0xFF000000) << 24);
}

// @ts-ignore: decorator
@inline export function hexVal(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  c |= 0x20;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

// The unit a JSON escape \c stands for (u: the 4 units after "u", for \u).
// @ts-ignore: decorator
@inline export function unescapeUnit(c: i32): i32 {
  if (c == 0x6E) return 0x0A; // n
  if (c == 0x74) return 0x09; // t
  if (c == 0x72) return 0x0D; // r
  if (c == 0x62) return 0x08; // b
  if (c == 0x66) return 0x0C; // f
  return c; // " \ / and anything else: the unit itself
}

const WIDE = memory.data(32);

/**
 * Decodes the UTF-8 bytes base[a..b) to a string; with `unescape`, also JSON
 * string escapes. 8 bytes readable after b.
 */
export function utf8ToString(base: usize, a: i32, b: i32, unescape: bool): string {
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
export function utf8Put(s: string, p: usize): i32 {
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
@inline export function utf8Room(s: string): i32 {
  let n = s.length;
  return n <= 21845 ? n * 3 : utf8Length(s);
}
