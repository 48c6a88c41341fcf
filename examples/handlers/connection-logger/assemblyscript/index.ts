// Logs every new connection at info:  [io] new connection with id <socket id>
//
//   ../../../../sdk/assemblyscript/build.sh . connection-logger.wasm
import * as iohub from "../../../../sdk/assemblyscript/assembly/index";
export { hub_abi_version } from "../../../../sdk/assemblyscript/assembly/index";

export function hub_on_event(len: i32): i32 {
  return iohub.dispatch(len, handle);
}

function handle(e: iohub.Event): i32 {
  if (e.kind == iohub.KIND_CONNECTION) iohub.info("[io] new connection with id " + e.socketId);
  return iohub.OK;
}
