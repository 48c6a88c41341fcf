// Buffers: unmanaged memory reused for every call. The input buffer holds the
// current input (the Event reads its raw fields from it); the scratch buffer
// holds what one host call passes. Both keep 8 spare bytes (see the note on
// word-at-a-time scanning in swar.ts).

import { hub } from "./host";

let scratchPtr: usize = 0;
export let scratchCap: i32 = 0;
export let inputPtr: usize = 0;
let inputCap: i32 = 0;
export let inputLen: i32 = 0;
export let inputGen: i32 = 0;
const KEEP_BYTES: i32 = 256 * 1024; // larger buffers are freed after each call

export function scratch(n: i32): usize {
  if (n > scratchCap) {
    let cap = max<i32>(n, max<i32>(scratchCap << 1, 1024));
    scratchPtr = scratchPtr == 0 ? heap.alloc(<usize>cap + 8) : heap.realloc(scratchPtr, <usize>cap + 8);
    scratchCap = cap;
  }
  return scratchPtr;
}

export function inputBuffer(n: i32): usize {
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
export function readInputBytes(len: i32): i32 {
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

// The input buffer now holds `len` bytes written by the caller (Event.parse);
// Events read from the previous input are stale.
// @ts-ignore: decorator
@inline export function setInput(len: i32): void {
  inputLen = len;
  inputGen++;
}

/** Ends a guest call: frees its garbage (the minimal runtime collects only when asked). */
export function endOfCall(): void {
  inputGen++; // this call's Event is stale from now on
  shrinkBuffers();
  __collect(); // a full collection; a no-op with the stub runtime
}
