// Table-driven tests of the SDK's JSON scanner and host-call wrappers, run on the
// compiled test entry (test/scanner.ts) with a stub of the hub imports.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { instantiate } from "./build/scanner.js";
import { makeHub } from "./host.mjs";

const { hub, st } = makeHub();
const mod = await WebAssembly.compile(readFileSync(new URL("./build/scanner.wasm", import.meta.url)));
const ex = await instantiate(mod, { hub });
st.memory = ex.memory;

const FIELDS = ["v", "kind", "name", "ack", "socketId", "role", "userId", "reason", "ts", "argsJson", "userJson", "roomsJson"];
function parse(json) {
  if (!ex.parse(json)) return null;
  return Object.fromEntries(FIELDS.map((f, i) => [f, ex.field(i)]));
}

const SAMPLE = `{"v":1,"kind":"event","event":"chat:send",
 "args":[{"room":"lobby","text":"hi"}],
 "ack":true,
 "socket":{"id":"Xy3...","role":"Authenticated","userId":"7","rooms":["Xy3...","Authenticated","user:7"],"user":{"id":7,"iat":1700000000,"exp":1700003600}},
 "reason":"",
 "ts":1764066000123}`;

const TRICKY_ARGS = String.raw`[{"text":"he said \"}]\" ok","n":[1,[2,{"x":"]"}]],"e":{}},"\\",null,true,-1.5e3,"😀 é",[]]`;

const envelopeCases = [
  ["ABI sample", SAMPLE, {
    v: "1", kind: "event", name: "chat:send", ack: "true", socketId: "Xy3...", role: "Authenticated", userId: "7",
    reason: "", ts: "1764066000123", argsJson: `[{"room":"lobby","text":"hi"}]`,
    userJson: `{"id":7,"iat":1700000000,"exp":1700003600}`, roomsJson: `["Xy3...","Authenticated","user:7"]`,
  }],
  ["connection, anonymous",
    `{"v":1,"kind":"connection","event":"connection","args":[],"ack":false,"socket":{"id":"s1","role":"Public","userId":"","rooms":["s1","Public"],"user":null},"reason":"","ts":5}`,
    { kind: "connection", name: "connection", ack: "false", socketId: "s1", role: "Public", userId: "", userJson: "null", argsJson: "[]", ts: "5" }],
  ["disconnect with reason",
    `{"v":1,"kind":"disconnect","event":"disconnect","args":[],"ack":false,"socket":{"id":"s2","role":"Public","userId":"","rooms":[],"user":null},"reason":"client namespace disconnect","ts":1}`,
    { kind: "disconnect", reason: "client namespace disconnect", roomsJson: "[]" }],
  ["pretty-printed", `{
      "v" : 1 ,
      "kind"	:	"event",
      "event" : "a b",
      "args" : [ 1 , { "k" : [ ] } ] ,
      "ack" : true ,
      "socket" : { "id" : "x" , "role" : "r" , "userId" : "u" , "rooms" : [ ] , "user" : { } } ,
      "reason" : "" ,
      "ts" : 42
    }`,
    { kind: "event", name: "a b", argsJson: `[ 1 , { "k" : [ ] } ]`, ack: "true", socketId: "x", role: "r", userId: "u", userJson: "{ }", ts: "42" }],
  ["other order, unknown keys with decoys",
    String.raw`{"extra":{"kind":"decoy","event":"decoy","a":[1,{"b":"}"}]},"ts":7,"socket":{"x":{"id":"decoy"},"id":"real","user":{"id":"decoy"}},"kind":"event","note":"\"kind\":\"decoy\"","event":"e","args":[],"ack":false}`,
    { kind: "event", name: "e", socketId: "real", userJson: `{"id":"decoy"}`, ts: "7", ack: "false", role: "", userId: "" }],
  ["tricky args verbatim", `{"v":1,"kind":"event","event":"x","args":${TRICKY_ARGS},"ack":true,"socket":{"id":"s"},"reason":"","ts":1}`,
    { argsJson: TRICKY_ARGS, ack: "true", socketId: "s" }],
  ["escaped strings decoded",
    String.raw`{"kind":"event","event":"chat:\u00e9\"x\\\/\n\t\ud83d\ude00","socket":{"id":"a\/b","role":"R\u00f4le","userId":"\u0037"},"reason":"line\r\nnext","args":[]}`,
    { name: "chat:é\"x\\/\n\t😀", socketId: "a/b", role: "Rôle", userId: "7", reason: "line\r\nnext" }],
  ["escaped keys", String.raw`{"k\u0069nd":"event","\u0065vent":"n","socket":{"\u0069d":"s"}}`, { kind: "event", name: "n", socketId: "s" }],
  ["socket null, defaults", `{"kind":"connection","event":"connection","socket":null}`,
    { kind: "connection", socketId: "", userJson: "null", argsJson: "[]", roomsJson: "[]", ack: "false", ts: "0", v: "0" }],
  ["empty object", `{}`, { kind: "", name: "" }],
  ["ts fractional keeps integer part", `{"ts":1764066000123.75}`, { ts: "1764066000123" }],
  ["ts negative", `{"ts":-12}`, { ts: "-12" }],
  ["non-BMP and long strings", `{"event":"${"😀".repeat(1000)}","args":["${"x".repeat(70000)}"]}`,
    { name: "😀".repeat(1000), argsJson: `["${"x".repeat(70000)}"]` }],
];

for (const [name, json, want] of envelopeCases) {
  test(`Event.parse: ${name}`, () => {
    const got = parse(json);
    assert.ok(got, "parsed");
    for (const [k, v] of Object.entries(want)) assert.equal(got[k], v, k);
  });
}

const malformed = ["", "  ", "[]", "null", `"x"`, `{`, `{"kind":"event"`, `{"kind":"ev`, `{"kind" "x"}`, `{"kind":}`,
  `{"kind":"event",}`, `{"a":1 "b":2}`, `{"args":[1,2`, `{"socket":{"id":"s"}`, `{"socket":{"id":}}`, `{kind:"x"}`, `{"a":"\\"}`];
for (const json of malformed) {
  test(`Event.parse rejects ${JSON.stringify(json)}`, () => assert.equal(parse(json), null));
}

const getCases = [
  // [object, key, raw, string, number]
  [`{"a":1,"b":"x"}`, "a", "1", null, 1],
  [`{"a":1,"b":"x"}`, "b", `"x"`, "x", NaN],
  [`{"a":1,"b":"x"}`, "c", null, null, NaN],
  [`{"o":{"k":1},"k":2}`, "k", "2", null, 2],
  [`{"x":"\\"k\\":5","k":6}`, "k", "6", null, 6],
  [`{"l":[{"k":1},"k"],"k":"yes"}`, "k", `"yes"`, "yes", NaN],
  [String.raw`{"r\u006fom":"lobby"}`, "room", `"lobby"`, "lobby", NaN],
  [`{ "a" : [ 1 , 2 ] , "b" : -2.5e-3 }`, "a", "[ 1 , 2 ]", null, NaN],
  [`{ "a" : [ 1 , 2 ] , "b" : -2.5e-3 }`, "b", "-2.5e-3", null, -0.0025],
  [`{"n":1E3,"z":0,"neg":-7}`, "n", "1E3", null, 1000],
  [`{"n":1E3,"z":0,"neg":-7}`, "z", "0", null, 0],
  [`{"n":1E3,"z":0,"neg":-7}`, "neg", "-7", null, -7],
  [`{"s":"5"}`, "s", `"5"`, "5", NaN],
  [`{"t":true,"f":false,"n":null}`, "n", "null", null, NaN],
  [String.raw`{"text":"line\nnext \"q\" \\ \/ \u00e9 \ud83d\ude00 \u0000"}`, "text", null, "line\nnext \"q\" \\ / é 😀 \u0000", NaN],
  [`{"e":""}`, "e", `""`, "", NaN],
  [`{"":1}`, "", "1", null, 1],
  [`[{"a":1}]`, "a", null, null, NaN],
  [`{"a":1,`, "b", null, null, NaN],
  [`{"a":1,`, "a", "1", null, 1], // found before the malformed part
  [`"a"`, "a", null, null, NaN],
];
for (const [obj, key, raw, str, num] of getCases) {
  test(`jsonGet* ${obj} . ${JSON.stringify(key)}`, () => {
    if (raw !== null) assert.equal(ex.get(obj, key), raw);
    else if (str === null) assert.equal(ex.get(obj, key), null);
    assert.equal(ex.getString(obj, key), str);
    assert.ok(Object.is(ex.getNumber(obj, key), num) || (Number.isNaN(num) && Number.isNaN(ex.getNumber(obj, key))),
      `number: got ${ex.getNumber(obj, key)} want ${num}`);
  });
}

test("jsonGetBool", () => {
  const o = `{"t":true,"f":false,"n":null,"s":"true"}`;
  assert.equal(ex.getBool(o, "t", false), true);
  assert.equal(ex.getBool(o, "f", true), false);
  assert.equal(ex.getBool(o, "n", true), true);
  assert.equal(ex.getBool(o, "s", false), false);
  assert.equal(ex.getBool(o, "absent", true), true);
});

const indexCases = [
  // [array, index, raw]
  [`[]`, 0, null],
  [`[1,"a",{"b":[2]},[3],null]`, 0, "1"],
  [`[1,"a",{"b":[2]},[3],null]`, 1, `"a"`],
  [`[1,"a",{"b":[2]},[3],null]`, 2, `{"b":[2]}`],
  [`[1,"a",{"b":[2]},[3],null]`, 3, "[3]"],
  [`[1,"a",{"b":[2]},[3],null]`, 4, "null"],
  [`[1,"a",{"b":[2]},[3],null]`, 5, null],
  [`[1]`, -1, null],
  [`[ "x,y" , 2 ]`, 1, "2"],
  [String.raw`["a\"],[",{"k":"]}"},7]`, 2, "7"],
  [String.raw`["\\",8]`, 1, "8"],
  [`{"a":1}`, 0, null],
  [`[1,`, 1, null],
  [TRICKY_ARGS, 1, String.raw`"\\"`],
  [TRICKY_ARGS, 4, "-1.5e3"],
  [TRICKY_ARGS, 5, `"😀 é"`],
  [TRICKY_ARGS, 6, "[]"],
];
for (const [arr, i, raw] of indexCases) {
  test(`jsonIndex ${arr.slice(0, 40)} [${i}]`, () => assert.equal(ex.index(arr, i), raw));
}

const lengthCases = [[`[]`, 0], [` [ ] `, 0], [`[1]`, 1], [`[1,[2,3],{"a":"]"}]`, 3], [TRICKY_ARGS, 7], [`"x"`, -1], [`[1,`, -1], [`[1 2]`, -1], [`{}`, -1]];
for (const [arr, n] of lengthCases) {
  test(`jsonLength ${arr.slice(0, 40)}`, () => assert.equal(ex.length(arr), n));
}

test("jsonAsString / jsonAsNumber", () => {
  assert.equal(ex.asString(String.raw`"a\u0062\"c"`), "ab\"c");
  assert.equal(ex.asString(` "x" `), "x");
  assert.equal(ex.asString(`5`), null);
  assert.equal(ex.asNumber(`-12.5`), -12.5);
  assert.equal(ex.asNumber(` 3 `), 3);
  assert.ok(Number.isNaN(ex.asNumber(`"3"`)));
  assert.ok(Number.isNaN(ex.asNumber(`true`)));
});

test("Event arg helpers", () => {
  const env = `{"kind":"event","event":"x","args":[{"room":"lobby","n":3.5},"plain",{"room":7}],"ack":true}`;
  assert.equal(ex.argString(env, 0, "room"), "lobby");
  assert.equal(ex.argNumber(env, 0, "n"), 3.5);
  assert.equal(ex.argString(env, 2, "room"), null);
  assert.equal(ex.argNumber(env, 2, "room"), 7);
  assert.equal(ex.argString(env, 1, "room"), null);
  assert.equal(ex.argString(env, 9, "room"), null);
  assert.equal(ex.argAsString(env, 1), "plain");
  assert.equal(ex.argAsString(env, 0), null);
  assert.equal(ex.argCount(env), 3);
});

const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const escapeCases = [
  ["", ""], ["plain", "plain"], [`a"b`, `a\\"b`], ["a\\b", "a\\\\b"], ["\n\r\t\b\f", "\\n\\r\\t\\b\\f"],
  ["\u0000\u001f\u0001", "\\u0000\\u001f\\u0001"], ["é/😀", "é/😀"], ["\ud800", "\\ud800"], ["\udc00x", "\\udc00x"],
  ["a\ud800\ud800b", "a\\ud800\\ud800b"], ["\ud83d\ude00\ud83d", "\ud83d\ude00\\ud83d"], ["\u2028\u007f", "\u2028\u007f"],
  ["</script>", "</script>"],
];
for (const [s, want] of escapeCases) {
  test(`jsonEscape ${JSON.stringify(s)}`, () => {
    assert.equal(ex.escape(s), want);
    const q = ex.quote(s);
    assert.equal(q, `"${want}"`);
    assert.equal(JSON.parse(q), s);
    assert.ok(!LONE.test(q), "no lone surrogate in the output");
  });
}

// --- wrappers, against the stub hub ---

test("readInput reads the whole input (larger than the scratch buffer)", () => {
  const big = `{"x":"${"é".repeat(100000)}"}`;
  st.event(big);
  assert.equal(ex.readInput(), big);
  st.event("");
  assert.equal(ex.readInput(), "");
});

test("log, info, setError pass UTF-8", () => {
  st.event("{}");
  ex.callLog(2, "warn é 😀");
  ex.callInfo("[io] new connection with id x");
  ex.callSetError("bad \"thing\"");
  assert.deepEqual(st.logs, [[2, "warn é 😀"], [1, "[io] new connection with id x"]]);
  assert.equal(st.error, "bad \"thing\"");
});

test("socket effects decode exactly and return the host's code", () => {
  st.event("{}");
  assert.equal(ex.callReply(`[{"ok":true}]`), 0);
  assert.equal(ex.callReply(`[1]`), -5);
  assert.equal(ex.lastCode(), -5);
  assert.equal(ex.callEmit("api::message.message.create", `{"id":1,"t":"é"}`), 0);
  assert.equal(ex.callRaw("", "tick", `[1]`, false), 0);
  assert.equal(ex.callRaw("lobby", "msg", `["😀"]`, true), 0);
  assert.equal(ex.callSend("sid1", "dm", `[]`), 0);
  assert.equal(ex.callJoin("", "room:é"), 0);
  assert.equal(ex.callLeave("s", "r"), 0);
  assert.equal(ex.callDisconnect(""), 0);
  assert.deepEqual(st.effects, [
    ["reply", `[{"ok":true}]`],
    ["emit", "api::message.message.create", `{"id":1,"t":"é"}`],
    ["raw", "", "tick", "[1]", 0],
    ["raw", "lobby", "msg", `["😀"]`, 1],
    ["send", "sid1", "dm", "[]"],
    ["join", "", "room:é"],
    ["leave", "s", "r"],
    ["disconnect", ""],
  ]);
  st.event("{}", false);
  assert.equal(ex.callReply(`[]`), -3);
  st.codes = { send: -1, join: -2, raw: -4 };
  assert.equal(ex.callSend("gone", "x", "[]"), -1);
  assert.equal(ex.callJoin("s", ""), -2);
  assert.equal(ex.callRaw("", "x", "[]", false), -4);
  assert.equal(ex.lastCode(), -4);
});

test("lone surrogates reach the host as U+FFFD (valid UTF-8)", () => {
  st.event("{}");
  assert.equal(ex.callJoin("s", "a\ud800b"), 0);
  assert.deepEqual(st.effects, [["join", "s", "a\ufffdb"]]);
});

test("kv wrappers", () => {
  st.event("{}");
  assert.equal(ex.callKvGet("k"), null);
  assert.equal(ex.lastCode(), -1);
  assert.equal(ex.callKvSet("k", "välue", 0n), 0);
  assert.equal(st.lastTtl, 0n);
  assert.equal(ex.callKvGet("k"), "välue");
  assert.equal(ex.callKvGetLen("k"), 6);
  const big = "v".repeat(65536) + "😀";
  assert.equal(ex.callKvSet("big", big, 60000n), 0);
  assert.equal(st.lastTtl, 60000n);
  assert.equal(ex.callKvGet("big"), big); // longer than the first buffer: read again
  assert.equal(ex.callKvDelete("big"), 0);
  assert.equal(ex.callKvDelete("big"), -1);
  assert.equal(ex.callKvAdd("n", 5n, 0n), 5n);
  assert.equal(ex.callKvAdd("n", -7n, 1000n), -2n);
  assert.equal(st.lastTtl, 1000n);
  assert.equal(ex.callKvGet("n"), "-2");
  assert.equal(ex.callKvAdd("n", 9007199254740993n, 0n), 9007199254740991n);
  assert.equal(ex.callKvAdd("k", 1n, 0n), 0n);
  assert.equal(ex.lastCode(), -5);
});

test("time and randomness", () => {
  assert.equal(ex.callNowMs(), 1764066000123n);
  const seen = new Set();
  for (let i = 0; i < 20; i++) seen.add(ex.callRandomU32());
  assert.ok(seen.size > 15);
  const r = ex.callMathRandom(); // seeded through hub.random, no env.seed import
  assert.ok(r >= 0 && r < 1);
});

test("throw traps after set_error and an error log line", () => {
  st.event("{}");
  assert.throws(() => ex.callThrow("boom"), WebAssembly.RuntimeError);
  assert.match(st.error, /^abort: boom at (.*\/)?scanner\.ts:\d+:\d+$/);
  assert.deepEqual(st.logs.map((l) => l[0]), [3]);
  assert.equal(st.logs[0][1], st.error);
});

// --- boundaries of the word-at-a-time code, and seeded random JSON ---

test("Event fields read after the input was replaced trap", () => {
  st.event("{}");
  assert.throws(() => ex.staleRead(`{"event":"x"}`), WebAssembly.RuntimeError);
  assert.match(st.error, /Event field read after its event ended/);
});

const PIECES = ["a", "é", "😀", "\\", "\"", "\n", "\u0001", "/", "\u2028", "\ud800"];
test("names of every length and escape position", () => {
  for (let len = 0; len <= 40; len++) {
    for (const p of ["", ...PIECES]) {
      for (const at of p ? [0, Math.floor(len / 2), len] : [0]) {
        let name = "x".repeat(len);
        name = name.slice(0, at) + p + name.slice(at);
        const env = `{"v":1,"kind":"event","event":${JSON.stringify(name)},"args":[${JSON.stringify(name)}],"ack":true,"socket":{"id":${JSON.stringify(name)}},"ts":${len}}`;
        const got = parse(env);
        assert.equal(got.name, name, `name ${JSON.stringify(name)}`);
        assert.equal(got.socketId, name);
        assert.equal(got.ts, String(len));
        assert.equal(got.argsJson, `[${JSON.stringify(name)}]`);
        assert.equal(ex.escape(name), JSON.stringify(name).slice(1, -1).replace(/\\u2028/g, "\u2028"));
      }
    }
  }
});

test("UTF-8 out of every length and position", () => {
  for (let len = 0; len <= 24; len++) {
    for (const p of ["", "é", "😀", "\u0800", "\ud800"]) {
      const m = "y".repeat(len) + p + "z".repeat(len % 5);
      st.event("{}");
      ex.callInfo(m);
      assert.equal(st.logs[0][1], m.replace("\ud800", "\ufffd"));
    }
  }
});

function rng(seed) {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 4294967296; };
}
function randString(r) {
  const n = Math.floor(r() * 14);
  let s = "";
  for (let i = 0; i < n; i++) s += r() < 0.6 ? String.fromCharCode(97 + Math.floor(r() * 26)) : PIECES[Math.floor(r() * (PIECES.length - 1))];
  return s;
}
function randValue(r, depth) {
  const t = r();
  if (depth > 3 || t < 0.3) return randString(r);
  if (t < 0.45) return Math.floor(r() * 2e6) / (r() < 0.5 ? 1 : 100) * (r() < 0.3 ? -1 : 1);
  if (t < 0.5) return r() < 0.5;
  if (t < 0.55) return null;
  if (t < 0.75) return Array.from({ length: Math.floor(r() * 4) }, () => randValue(r, depth + 1));
  const o = {};
  for (let i = Math.floor(r() * 5); i > 0; i--) o[randString(r) || "k"] = randValue(r, depth + 1);
  return o;
}

test("seeded random JSON: jsonGet, jsonIndex, jsonLength, getString, getNumber, envelope args", () => {
  const r = rng(12345);
  for (let n = 0; n < 400; n++) {
    const obj = {};
    for (let i = Math.floor(r() * 6); i > 0; i--) obj[randString(r) || "k"] = randValue(r, 0);
    const text = JSON.stringify(obj, null, n % 3 === 0 ? 1 : undefined);
    for (const [k, v] of Object.entries(obj)) {
      const raw = ex.get(text, k);
      assert.notEqual(raw, null, `key ${JSON.stringify(k)} in ${text}`);
      assert.deepEqual(JSON.parse(raw), v);
      assert.equal(ex.getString(text, k), typeof v === "string" ? v : null);
      if (typeof v === "number") assert.equal(ex.getNumber(text, k), v);
    }
    assert.equal(ex.get(text, "absent-key"), null);
    const arr = Object.values(obj);
    const atext = JSON.stringify(arr, null, n % 4 === 0 ? 2 : undefined);
    assert.equal(ex.length(atext), arr.length);
    arr.forEach((v, i) => assert.deepEqual(JSON.parse(ex.index(atext, i)), v));
    const args = JSON.stringify(arr);
    const got = parse(`{"v":1,"kind":"event","event":"e","args":${args},"ack":false,"socket":{"id":"s","user":${text}},"ts":1}`);
    assert.equal(got.argsJson, args);
    assert.equal(got.userJson, text);
    assert.equal(got.socketId, "s");
  }
});

test("binary: placeholder and jsonPlaceholder", () => {
  for (const i of [0, 1, 9, 10, 12345, 2147483647]) {
    const p = ex.placeholderOf(i);
    assert.equal(p, `{"_placeholder":true,"num":${i}}`);
    assert.deepEqual(JSON.parse(p), { _placeholder: true, num: i });
    assert.equal(ex.placeholderNum(p), i);
  }
  const cases = [
    [`{ "num" : 3 , "_placeholder" : true }`, 3],
    [`{"_placeholder":false,"num":0}`, -1],
    [`{"_placeholder":"true","num":0}`, -1],
    [`{"_placeholder":true}`, -1],
    [`{"_placeholder":true,"num":-1}`, -1],
    [`{"_placeholder":true,"num":1.5}`, -1],
    [`{"_placeholder":true,"num":"1"}`, -1],
    [`{"_placeholder":true,"num":1e12}`, -1],
    [`[{"_placeholder":true,"num":0}]`, -1],
    [`"x"`, -1],
    [`null`, -1],
  ];
  for (const [json, want] of cases) assert.equal(ex.placeholderNum(json), want, json);
});

test("binary: binary, binaryRead, attach, attachBuffer against the stub", () => {
  st.event("{}", true, [[0, 1, 0xfe, 0xff], []]);
  assert.equal(ex.callBinaryHex(0), "0001feff");
  assert.equal(ex.lastCode(), 4);
  assert.equal(ex.callBinaryLen(1), 0);
  assert.equal(ex.callBinaryLen(2), -100);
  assert.equal(ex.lastCode(), -1);
  assert.equal(ex.callBinaryRead(0, 2), 4); // the full length, 2 bytes copied
  assert.equal(ex.callBinaryRead(0, 0), 4);
  assert.equal(ex.callBinaryRead(5, 8), -1);
  assert.equal(ex.callAttach("hé"), 2);
  assert.deepEqual([...st.binaries[2]], [0x68, 0xc3, 0xa9]);
  assert.equal(ex.callAttachBuffer(""), 3);
  assert.equal(st.binaries[3].length, 0);
  assert.equal(ex.callBinaryHex(2), "68c3a9"); // an attachment reads back too
  const big = "x".repeat(100000);
  assert.equal(ex.callAttach(big), 4);
  assert.equal(ex.callBinaryLen(4), 100000);
  st.codes.binary_attach = -3;
  assert.equal(ex.callAttach("no"), -3);
  assert.equal(ex.lastCode(), -3);
});
