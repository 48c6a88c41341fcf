// Test entry for the registration style: the SDK's own exports, one handler.
import * as iohub from "../assembly/index";
export { hub_abi_version, hub_on_event, hub_init } from "../assembly/index";

let greeting = "hello";

iohub.onInit((config: string): i32 => {
  let g = iohub.jsonGetString(config, "greeting");
  if (g !== null) greeting = g;
  if (iohub.jsonGetBool(config, "refuse")) return iohub.fail("refused by config");
  return iohub.OK;
});

iohub.onEvent((e: iohub.Event): i32 => {
  if (e.kind == iohub.KIND_EVENT && e.name == "greet") {
    let who = e.argString(0, "name");
    if (who === null) return iohub.reject("name missing");
    iohub.reply("[" + iohub.jsonQuote(greeting + " " + who) + "]");
  }
  return iohub.OK;
});
