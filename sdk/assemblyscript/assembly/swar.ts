// Word-at-a-time primitives of the text code (utf8.ts, scan.ts, json.ts).
//
// Performance note. The hub stops runaway guests with wazero's
// close-on-context-done, which costs a call out of the guest at every loop
// iteration (~20-30 ns, far more than the instructions inside). So the text
// code works a 64-bit word at a time (8 UTF-8 bytes or 4 UTF-16 units,
// "SWAR"), peels the first word of short scans out of the loop, and reads up
// to 7 bytes past the end of a buffer (lanes past the end are masked off),
// which is why every buffer it scans has 8 readable bytes after it.

// @ts-ignore: decorator
@inline function ONES<T>(): u64 { return sizeof<T>() == 1 ? 0x0101010101010101 : 0x0001000100010001; }
// @ts-ignore: decorator
@inline function LOW<T>(): u64 { return sizeof<T>() == 1 ? 0x7F7F7F7F7F7F7F7F : 0x7FFF7FFF7FFF7FFF; }
/** Units per word. */
// @ts-ignore: decorator
@inline export function UNITS<T>(): i32 { return 8 >> alignof<T>(); }
/** The top bit of every lane of x that is 0, exactly. */
// @ts-ignore: decorator
@inline export function zeroLanes<T>(x: u64): u64 { let m = LOW<T>(); return ~(((x & m) + m) | x | m); }
/** The top bit of every lane of x equal to v. */
// @ts-ignore: decorator
@inline export function eqLanes<T>(x: u64, v: u64): u64 { return zeroLanes<T>(x ^ (ONES<T>() * v)); }
/** Index of the first lane marked in m (m != 0). */
// @ts-ignore: decorator
@inline export function firstLane<T>(m: u64): i32 { return <i32>ctz(m) >> (3 + alignof<T>()); }
/** m with only the lanes of units i..n-1 kept (the word at i may reach past n). */
// @ts-ignore: decorator
@inline export function clip<T>(m: u64, i: i32, n: i32): u64 {
  let left = n - i;
  return left >= UNITS<T>() ? m : m & ((<u64>1 << (<u64>left << (3 + alignof<T>()))) - 1);
}
// @ts-ignore: decorator
@inline export function unitAt<T>(base: usize, i: i32): i32 { return <i32>load<T>(base + (<usize>i << alignof<T>())); }
// @ts-ignore: decorator
@inline export function wordAt<T>(base: usize, i: i32): u64 { return load<u64>(base + (<usize>i << alignof<T>())); }
/** Lanes that end a string scan: " or \. */
// @ts-ignore: decorator
@inline export function strStops<T>(x: u64): u64 { return eqLanes<T>(x, 0x22) | eqLanes<T>(x, 0x5C); }
/** Lanes that end a number or literal: , } ] and whitespace (any unit <= 0x20). */
// @ts-ignore: decorator
@inline export function scalarStops<T>(x: u64): u64 {
  let ctl: u64 = sizeof<T>() == 1 ? 0xE0E0E0E0E0E0E0E0 : 0xFFE0FFE0FFE0FFE0;
  return eqLanes<T>(x, 0x2C) | eqLanes<T>(x, 0x7D) | eqLanes<T>(x, 0x5D) | zeroLanes<T>(x & ctl) | eqLanes<T>(x, 0x20);
}
/** Lanes that matter inside an object or array: " { } [ ]. */
// @ts-ignore: decorator
@inline export function nestStops<T>(x: u64): u64 {
  let y = x | (ONES<T>() * 0x20); // [ -> {, ] -> }
  return eqLanes<T>(x, 0x22) | eqLanes<T>(y, 0x7B) | eqLanes<T>(y, 0x7D);
}

/** Makes the 8 bytes after `end` readable (grows memory by a page when a string ends at the top). */
export function overreadable(end: usize): void {
  if (end + 8 > (<usize>memory.size() << 16)) {
    if (memory.grow(1) < 0) unreachable();
  }
}
