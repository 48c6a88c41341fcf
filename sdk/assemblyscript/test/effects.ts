// Test entry that calls every ABI v1 host import once per event (all 16 end
// up in its import section), reporting return codes in its log.
import * as iohub from "../assembly/index";
export { hub_abi_version } from "../assembly/index";

export function hub_on_event(len: i32): i32 {
  return iohub.dispatch(len, handle);
}

function handle(e: iohub.Event): i32 {
  let codes: i32[] = [];
  codes.push(iohub.join("", "room:" + e.name));
  codes.push(iohub.leave("", e.role));
  codes.push(iohub.raw("room:" + e.name, "said", e.argsJson, true));
  codes.push(iohub.raw("", "said", "{}", false)); // not an array: INVALID
  codes.push(iohub.send("", "dm", "[\"é😀\"]"));
  codes.push(iohub.send("nobody", "dm", "[]")); // NOT_FOUND
  codes.push(iohub.emit("api::message.message.create", "{\"id\":1}"));
  codes.push(iohub.kvSet("k", "v1", 0));
  let v = iohub.kvGet("k");
  let n = iohub.kvAdd("count", 2, 60000);
  let n2 = iohub.kvAdd("k", 1); // not an integer: STATE
  codes.push(iohub.lastCode());
  codes.push(iohub.kvDelete("k"));
  codes.push(iohub.kvDelete("k"));
  let buf = new Uint8Array(16);
  codes.push(iohub.random(buf));
  codes.push(iohub.reply("[" + iohub.jsonQuote(v !== null ? v : "null") + "," + n.toString() + "," + n2.toString() + "]"));
  codes.push(iohub.reply("[]")); // STATE (or DENIED without ack)
  if (iohub.nowMs() < 1700000000000) return iohub.fail("clock");
  if (e.argString(0, "disconnect") == "yes") codes.push(iohub.disconnect());
  iohub.info("codes " + codes.join(","));
  return iohub.OK;
}
