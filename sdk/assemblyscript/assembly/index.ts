// iohub guest SDK for AssemblyScript, ABI v1.1 (see sdk/ABI.md and README.md).
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
// `trace` and `seed` to hooks.ts, so the module imports nothing but "hub").
//
// This file is the public API: it re-exports the other files' public names
// and holds dispatch and the exports a module needs. The rest:
//   host.ts     the "hub" imports and the ABI constants
//   buffers.ts  the input and scratch buffers
//   api.ts      the wrappers of the host imports
//   hooks.ts    abort, trace and seed
//   event.ts    the Event (the envelope)
//   json.ts     JSON helpers on strings
//   scan.ts     the JSON scanner; utf8.ts: UTF-8 <-> string; swar.ts: word-at-a-time primitives

export {
  hub,
  ABI_VERSION, ABI_VERSION_1,
  OK, ERROR, REJECT,
  NOT_FOUND, INVALID, DENIED, LIMIT, STATE, UNAVAILABLE,
  LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR,
  EXCEPT_SENDER,
  KIND_CONNECTION, KIND_DISCONNECT, KIND_EVENT,
} from "./host";
export {
  lastCode,
  readInput, setError, fail, reject,
  log, debug, info, warn, error,
  reply, emit, raw, send, join, leave, disconnect,
  kvGet, kvGetBytes, kvSet, kvSetBytes, kvDelete, kvAdd,
  nowMs, random, randomU64, randomU32,
  binaryRead, binary, attach, attachBuffer, placeholder,
} from "./api";
export { __iohub_abort, __iohub_trace, __iohub_seed } from "./hooks";
export {
  jsonGet, jsonGetString, jsonGetNumber, jsonGetBool,
  jsonIndex, jsonLength, jsonAsString, jsonAsNumber,
  jsonEscape, jsonQuote, jsonPlaceholder,
} from "./json";
export { Event } from "./event";

import { ABI_VERSION, ABI_VERSION_1, OK, ERROR } from "./host";
import { endOfCall } from "./buffers";
import { readInput, setError, fail, resetLastCode } from "./api";
import { Event } from "./event";

// ---------------------------------------------------------------------------
// Dispatch

export type Handler = (e: Event) => i32;
export type InitHandler = (configJson: string) => i32;

/**
 * Reads the envelope, runs `handler`, frees the event's garbage, returns the
 * handler's status. A malformed envelope returns ERROR without calling it.
 *
 *   export function hub_on_event(len: i32): i32 { return iohub.dispatch(len, handle) }
 */
export function dispatch(len: i32, handler: Handler): i32 {
  resetLastCode();
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

/** ABI version (required export): v1.1, binary arguments as placeholders. */
export function hub_abi_version(): i32 {
  return ABI_VERSION;
}

/**
 * ABI v1 instead (binary arguments as base64 strings, nothing sent is binary):
 * `export { hub_abi_version_v1 as hub_abi_version } from "...sdk.../index"`.
 */
export function hub_abi_version_v1(): i32 {
  return ABI_VERSION_1;
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
