// Echo handler: for a client event with an ack, replies
//   [{"lang":"assemblyscript","event":<event name>,"args":<the args array verbatim>}]
// Other kinds (connection, disconnect) do nothing. Binary arguments are
// placeholders in the args (ABI v1.1), so the client gets its bytes back.
//
//   ../build.sh . echo-as.wasm
import * as iohub from "../assembly/index";
export { hub_abi_version } from "../assembly/index";

export function hub_on_event(len: i32): i32 {
  return iohub.dispatch(len, handle);
}

function handle(e: iohub.Event): i32 {
  if (e.kind != iohub.KIND_EVENT || !e.ack) return iohub.OK;
  let r = iohub.reply(
    "[{\"lang\":\"assemblyscript\",\"event\":" + iohub.jsonQuote(e.name) + ",\"args\":" + e.argsJson + "}]"
  );
  if (r < 0) return iohub.fail("echo: reply failed with " + r.toString());
  return iohub.OK;
}
