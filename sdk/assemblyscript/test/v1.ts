// Test entry that stays on ABI v1 (binary arguments as base64 strings).
import * as iohub from "../assembly/index";
export { hub_abi_version_v1 as hub_abi_version } from "../assembly/index";

export function hub_on_event(len: i32): i32 {
  return iohub.dispatch(len, (e: iohub.Event): i32 => {
    if (e.ack) iohub.reply(e.argsJson);
    return iohub.OK;
  });
}
