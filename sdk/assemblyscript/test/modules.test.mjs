// Tests of the built handler modules (the SDK example, the connection logger and
// the registration-style test entry) with a stub of the hub imports: their
// imports/exports against ABI v1, their behaviour, and bounded memory over many
// events on one instance.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { makeHub, inspect, ABI_IMPORTS } from "./host.mjs";

const dir = new URL("./build/", import.meta.url);
const MODULES = ["echo-as.wasm", "connection-logger-as.wasm", "registered.wasm", "effects.wasm", "binary.wasm", "v1.wasm"];

async function load(file) {
  const { hub, st } = makeHub();
  const { instance } = await WebAssembly.instantiate(readFileSync(new URL(file, dir)), { hub });
  st.memory = instance.exports.memory;
  return { ex: instance.exports, st };
}

function envelope({ kind = "event", event = "chat:send", args = "[]", ack = false, id = "Xy3", user = "null", reason = "" } = {}) {
  return `{"v":1,"kind":${JSON.stringify(kind)},"event":${JSON.stringify(event)},"args":${args},"ack":${ack},` +
    `"socket":{"id":${JSON.stringify(id)},"role":"Authenticated","userId":"7","rooms":[${JSON.stringify(id)},"Authenticated","user:7"],"user":${user}},` +
    `"reason":${JSON.stringify(reason)},"ts":1764066000123}`;
}

function run(m, input, ack, binaries = []) {
  m.st.event(input, ack, binaries);
  const len = Buffer.byteLength(input);
  return m.ex.hub_on_event(len);
}

for (const file of MODULES) {
  test(`${file}: ABI v1.1 imports and exports`, async () => {
    const { imports, exports } = inspect(new URL(file, dir));
    for (const imp of imports) {
      assert.equal(imp.module, "hub", `import ${imp.module}.${imp.name}`);
      assert.equal(imp.kind, "func");
      assert.equal(imp.sig, ABI_IMPORTS[imp.name], `signature of hub.${imp.name}`);
    }
    const byName = Object.fromEntries(exports.map((e) => [e.name, e]));
    assert.equal(byName.memory?.kind, "memory");
    assert.equal(byName.hub_abi_version?.sig, "()->(i32)");
    assert.equal(byName.hub_on_event?.sig, "(i32)->(i32)");
    if (byName.hub_init) assert.equal(byName.hub_init.sig, "(i32)->(i32)");
    assert.ok(!byName._start, "no _start");
    const m = await load(file);
    assert.equal(m.ex.hub_abi_version(), file === "v1.wasm" ? 1 : 0x0101);
  });
}

test("echo: replies with the event name and the args verbatim when an ack is asked", async () => {
  const m = await load("echo-as.wasm");
  const args = String.raw`[{"room":"lobby","text":"hi é 😀 \"q\" \\ \u003c"} , 1.50, null, [ ], "}]"]`;
  for (let i = 0; i < 3; i++) { // the same instance, several events
    assert.equal(run(m, envelope({ event: "chat:send", args, ack: true }), true), 0);
    assert.deepEqual(m.st.effects, [["reply", `[{"lang":"assemblyscript","event":"chat:send","args":${args}}]`]]);
  }
  assert.equal(run(m, envelope({ event: "we\"ird\u00e9\n", args: "[]", ack: true }), true), 0);
  assert.equal(JSON.parse(m.st.effects[0][1])[0].event, "we\"ird\u00e9\n");
});

test("echo: binary arguments pass through as their placeholders", async () => {
  const m = await load("echo-as.wasm");
  const args = `[{"_placeholder":true,"num":0},{"nested":{"_placeholder":true,"num":1},"n":1}]`;
  assert.equal(run(m, envelope({ event: "up", args, ack: true }), true, [[1, 2], [3]]), 0);
  assert.deepEqual(m.st.effects, [["reply", `[{"lang":"assemblyscript","event":"up","args":${args}}]`]]);
  assert.equal(m.st.binaries.length, 2, "the echo attaches nothing");
});

test("binary: reads, reverses and attaches binary 0; replies with placeholders", async () => {
  const m = await load("binary.wasm");
  const args = `["name",{"_placeholder":true,"num":0}]`;
  for (let i = 0; i < 3; i++) {
    assert.equal(run(m, envelope({ event: "up", args, ack: true }), true, [[1, 2, 3]]), 0, m.st.error);
    assert.deepEqual(m.st.effects, [["reply",
      `[${args},{"_placeholder":true,"num":1},3,[1,2],-1,{"_placeholder":true,"num":2},-1]`]]);
    assert.deepEqual(m.st.binaries.map((b) => [...b]), [[1, 2, 3], [3, 2, 1], [0x68, 0x69]]);
  }
  // argBinary: the first argument is binary itself.
  assert.equal(run(m, envelope({ args: `[{"_placeholder":true,"num":0}]`, ack: true }), true, [[9, 8, 7, 6]]), 0);
  assert.equal(JSON.parse(m.st.effects[0][1])[4], 4);
});

test("binary: no binary argument, or attach refused: status 1 with a message, no effect", async () => {
  const m = await load("binary.wasm");
  assert.equal(run(m, envelope({ args: `[1]`, ack: true }), true), 1);
  assert.equal(m.st.error, "no binary argument: -1");
  m.st.event(envelope({ args: `[{"_placeholder":true,"num":0}]`, ack: true }), true, [[1]]);
  m.st.codes.binary_attach = -3;
  assert.equal(m.ex.hub_on_event(Buffer.byteLength(m.st.input)), 1);
  assert.equal(m.st.error, "attach: -3");
  assert.deepEqual(m.st.effects, []);
});

test("v1: hub_abi_version_v1 re-exported as hub_abi_version", async () => {
  const m = await load("v1.wasm");
  assert.equal(m.ex.hub_abi_version(), 1);
  assert.equal(run(m, envelope({ args: `["AQID"]`, ack: true }), true), 0);
  assert.deepEqual(m.st.effects, [["reply", `["AQID"]`]]);
});

test("echo: no ack, connection, disconnect: status 0, no effect", async () => {
  const m = await load("echo-as.wasm");
  assert.equal(run(m, envelope({ args: "[1]", ack: false }), false), 0);
  assert.equal(run(m, envelope({ kind: "connection", event: "connection", ack: false }), false), 0);
  assert.equal(run(m, envelope({ kind: "disconnect", event: "disconnect", reason: "transport close" }), false), 0);
  assert.deepEqual(m.st.effects, []);
  assert.deepEqual(m.st.logs, []);
});

test("echo: a malformed envelope is status 1 with a message", async () => {
  const m = await load("echo-as.wasm");
  assert.equal(run(m, `{"kind":"event",`, true), 1);
  assert.equal(m.st.error, "iohub: malformed event envelope");
  assert.deepEqual(m.st.effects, []);
});

test("echo: memory stays bounded over many events on one instance", async () => {
  const m = await load("echo-as.wasm");
  const args = JSON.stringify([{ text: "x".repeat(20000) }, "é".repeat(5000)]);
  const input = envelope({ args, ack: true });
  for (let i = 0; i < 10; i++) run(m, input, true); // the allocator's working set
  const after1 = m.ex.memory.buffer.byteLength;
  for (let i = 0; i < 3000; i++) assert.equal(run(m, input, true), 0);
  const after = m.ex.memory.buffer.byteLength;
  assert.equal(after, after1, `memory grew from ${after1} to ${after} bytes`);
  assert.ok(after <= 1 << 20, `memory ${after} bytes`);
});

test("connection-logger: logs the connection at info, nothing else", async () => {
  const m = await load("connection-logger-as.wasm");
  assert.equal(run(m, envelope({ kind: "connection", event: "connection", id: "abc-123" }), false), 0);
  assert.deepEqual(m.st.logs, [[1, "[io] new connection with id abc-123"]]);
  assert.equal(run(m, envelope({ kind: "event", event: "connection", ack: true }), true), 0);
  assert.equal(run(m, envelope({ kind: "disconnect", event: "disconnect" }), false), 0);
  assert.deepEqual(m.st.logs, []);
  assert.deepEqual(m.st.effects, []);
});

test("registered: hub_init config, onEvent handler, reject", async () => {
  const m = await load("registered.wasm");
  m.st.event(`{"greeting":"hi"}`);
  assert.equal(m.ex.hub_init(17), 0);
  assert.equal(run(m, envelope({ event: "greet", args: `[{"name":"Ann"}]`, ack: true }), true), 0);
  assert.deepEqual(m.st.effects, [["reply", `["hi Ann"]`]]);
  assert.equal(run(m, envelope({ event: "greet", args: `[{}]`, ack: true }), true), 2);
  assert.equal(m.st.error, "name missing");
  const r = await load("registered.wasm");
  r.st.event(`{"refuse":true}`);
  assert.equal(r.ex.hub_init(16), 1);
  assert.equal(r.st.error, "refused by config");
});

test("echo: time per event (informative)", async () => {
  const m = await load("echo-as.wasm");
  const input = envelope({ args: `[{"room":"lobby","text":"hi"}]`, ack: true });
  const n = 20000;
  for (let i = 0; i < 2000; i++) run(m, input, true);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) run(m, input, true);
  const ns = Number(process.hrtime.bigint() - t0) / n;
  console.log(`# echo-as: ${ns.toFixed(0)} ns per event in Node (${input.length}-byte envelope, stub host)`);
});
