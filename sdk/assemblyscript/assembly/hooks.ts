// Runtime hooks (wired by build.sh with --use abort=... trace=... seed=...), so
// that no "env" import appears. asc looks the --use names up among the @global
// names of every file in the program; index.ts re-exports these, which is what
// brings this file into every module built on the SDK.

import { LOG_DEBUG, LOG_ERROR } from "./host";
import { setError, log, randomU64 } from "./api";

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
