// Test entry for the binary API (ABI v1.1): replies
//   [<args verbatim>, <binary 0 reversed, attached>, <len of binary 0 read into 2 bytes>,
//    <first 2 bytes>, <argBinary(0) length or -1>, <attachBuffer of "hi">, <binary 9: -1>]
// so the args' placeholders come back as the client's bytes.
import * as iohub from "../assembly/index";
export { hub_abi_version } from "../assembly/index";

export function hub_on_event(len: i32): i32 {
  return iohub.dispatch(len, handle);
}

function handle(e: iohub.Event): i32 {
  let data = iohub.binary(0);
  if (data === null) return iohub.fail("no binary argument: " + iohub.lastCode().toString());
  data.reverse();
  let idx = iohub.attach(data);
  if (idx < 0) return iohub.fail("attach: " + idx.toString());
  let two = new Uint8Array(2);
  let full = iohub.binaryRead(0, two);
  let a0 = e.argBinary(0);
  let hi = iohub.attachBuffer(String.UTF8.encode("hi"));
  let missing = iohub.binary(9);
  let r = iohub.reply(
    "[" + e.argsJson + "," + iohub.placeholder(idx) + "," + full.toString() + ",[" +
    two[0].toString() + "," + two[1].toString() + "]," + (a0 === null ? "-1" : a0.length.toString()) + "," +
    iohub.placeholder(hi) + "," + (missing === null ? iohub.lastCode().toString() : "0") + "]"
  );
  if (r < 0) return iohub.fail("reply: " + r.toString());
  return iohub.OK;
}
