package plugin

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/iohub/iohub/hub/handler"
	"github.com/iohub/iohub/hub/plugin/internal/jsvm"
	"github.com/iohub/iohub/internal/testreq"
)

// jsRuntime finds quickjs.wasm where `npm ci` at the repository root puts it.
// Without it the test is skipped (failed under scripts/test.sh, which runs
// npm ci first).
func jsRuntime(t testing.TB) string {
	p, err := filepath.Abs(filepath.Join("..", "..", DefaultJSRuntime))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		testreq.Missing(t, "", p, "run `npm ci` at the repository root")
	}
	return p
}

// writeJS writes a handler file into dir, atomically.
func writeJS(t testing.TB, dir, name, src string) {
	t.Helper()
	writeAtomic(t, filepath.Join(dir, name), []byte(src))
}

func newJSHost(t testing.TB, dir string, opts Options, bindings ...string) *testHost {
	t.Helper()
	if opts.JSRuntime == "" {
		opts.JSRuntime = jsRuntime(t)
	}
	opts.cache = testCache
	if opts.Timeout == 0 {
		opts.Timeout = 2 * time.Second // a loaded machine (and -race) is slow; tests of deadlines set theirs
	}
	return newHost(t, dir, opts, bindings...)
}

func connection(sid string) *handler.Call {
	return &handler.Call{
		Kind: handler.Connection, Event: "connection", Received: time.Now(),
		Socket: handler.Socket{ID: sid, Role: "Public", Rooms: []string{"Public", sid}},
	}
}

// The handler of strapi-plugin-io's README, copied as it is.
const seedEvents = `module.exports = [
  {
    name: 'connection',
    handler: ({ strapi }, socket) => {
      strapi.log.info(` + "`[io] new connection with id ${socket.id}`" + `);
    },
  },
];
`

func TestJSSeedHandler(t *testing.T) {
	dir := t.TempDir()
	writeJS(t, dir, "events.js", seedEvents)
	h := newJSHost(t, dir, Options{}) // no [[events]]: the file binds itself
	if !h.Bound("connection") {
		t.Fatalf("connection not bound; log:\n%s", h.logs)
	}
	if out := h.handle(connection("abc123")); out.Error != "" {
		t.Fatalf("outcome: %s", fmtOutcome(out))
	}
	logs := h.logs.String()
	if !strings.Contains(logs, `msg="[io] new connection with id abc123" plugin=events.js event=connection`) {
		t.Errorf("no connection log line:\n%s", logs)
	}
	if p := h.Problems(); len(p) != 0 {
		t.Errorf("Problems() = %q", p)
	}
}

func TestJSEffects(t *testing.T) {
	dir := t.TempDir()
	writeJS(t, dir, "chat.js", `
module.exports = {
  name: 'chat:send',
  handler: ({ strapi, io, config }, socket, msg, ack) => {
    if (io !== strapi.$io) throw new Error('ctx.io is not strapi.$io');
    console.log('from', socket.id, socket.role, socket.userId, [...socket.rooms].join('|'), 'config', config.greeting);
    socket.join('chat:' + msg.room);
    strapi.$io.emit('api::message.message.create', { text: msg.text, password: 'kept: the hub removes it' });
    strapi.$io.raw('news', { n: 1 }, { room: 'chat:' + msg.room });
    strapi.$io.raw('everyone', 'hi');
    socket.to('chat:' + msg.room).emit('said', msg.text);
    socket.broadcast.emit('all-but-me', 1, 2);
    socket.emit('welcome', 'to', msg.room);
    socket.leave('Authenticated');
    ack({ ok: true, n: 2 });
    ack('ignored: the first ack wins');
  },
};
`)
	h := newJSHost(t, dir, Options{}, `chat:send=chat:{"greeting":"hello"}`)
	out := h.handle(event("chat:send", true, map[string]any{"room": "lobby", "text": "hi"}))
	if got := fmtOutcome(out); got != `replied=true reply=[map[n:2 ok:true]] error="" reject=false` {
		t.Fatalf("outcome: %s\n%s", got, h.logs)
	}
	got, _ := json.Marshal(h.rec.Effects())
	want := `[{"op":"join","sid":"s1","room":"chat:lobby"},` +
		`{"op":"emit","event":"api::message.message.create","data":{"password":"kept: the hub removes it","text":"hi"}},` +
		`{"op":"raw","room":"chat:lobby","event":"news","args":[{"n":1}]},` +
		`{"op":"raw","event":"everyone","args":["hi"]},` +
		`{"op":"raw","room":"chat:lobby","event":"said","except":"s1","args":["hi"]},` +
		`{"op":"raw","event":"all-but-me","except":"s1","args":[1,2]},` +
		`{"op":"send","sid":"s1","event":"welcome","args":["to","lobby"]},` +
		`{"op":"leave","sid":"s1","room":"Authenticated"}]`
	if string(got) != want {
		t.Errorf("effects:\n got %s\nwant %s", got, want)
	}
	if !strings.Contains(h.logs.String(), `msg="from s1 Authenticated 7 Authenticated|s1|user:7 config hello" plugin=chat.js event=chat:send`) {
		t.Errorf("console.log line missing:\n%s", h.logs)
	}
}

func TestJSAsyncAndChain(t *testing.T) {
	dir := t.TempDir()
	writeJS(t, dir, "guard.js", `
module.exports = { name: 'e', handler: async (ctx, socket, n) => {
  await null;
  if (n > 10) throw new RangeError('too big: ' + n);
} };
`)
	writeJS(t, dir, "answer.js", `
module.exports = [
  { name: 'e', handler: async (ctx, socket, n, ack) => { const v = await Promise.resolve(n * 2); ack(v); } },
  { name: 'e', handler: (ctx, socket, n, ack) => { ack('second: ignored'); } },
  { name: 'never', handler: () => new Promise(() => {}) },
];
`)
	// guard.js is bound first by the config; answer.js binds itself after it.
	h := newJSHost(t, dir, Options{}, "e=guard")
	if got := fmtOutcome(h.handle(event("e", true, 4))); got != `replied=true reply=[8] error="" reject=false` {
		t.Errorf("small: %s\n%s", got, h.logs)
	}
	if got := fmtOutcome(h.handle(event("e", true, 11))); got != `replied=false reply=[] error="too big: 11" reject=false` {
		t.Errorf("big: %s", got)
	}
	if !strings.Contains(h.logs.String(), `msg="handler threw" plugin=guard.js event=e message="too big: 11" stack=`) {
		t.Errorf("no log of the rejection:\n%s", h.logs)
	}
	if got := fmtOutcome(h.handle(event("never", true))); !strings.Contains(got, "never settled") {
		t.Errorf("unsettled promise: %s", got)
	}
}

func TestJSExceptionThenNextEvent(t *testing.T) {
	dir := t.TempDir()
	writeJS(t, dir, "h.js", `
let calls = 0;
module.exports = { name: 'e', handler: (ctx, socket, what, ack) => {
  calls++;
  ctx.strapi.$io.raw('dropped', 1);
  if (what === 'throw') { console.warn('about to throw'); null.boom; }
  if (what === 'string') throw 'a plain string';
  ack(calls);
} };
`)
	h := newJSHost(t, dir, Options{}, "e=h")
	out := h.handle(event("e", true, "throw"))
	if !strings.Contains(out.Error, "null") || out.Replied {
		t.Errorf("throw: %s", fmtOutcome(out))
	}
	if e := h.rec.Effects(); len(e) != 0 {
		t.Errorf("a failed handler's effects were applied: %v", e)
	}
	logs := h.logs.String()
	for _, want := range []string{`level=WARN msg="about to throw" plugin=h.js`, `msg="handler threw"`, `h.js:6`} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	if got := fmtOutcome(h.handle(event("e", true, "string"))); got != `replied=false reply=[] error="a plain string" reject=false` {
		t.Errorf("string: %s", got)
	}
	// A throw from the handler's own code keeps the VM: its module state
	// (calls) carries on through both throws.
	if got := fmtOutcome(h.handle(event("e", true, "ok"))); got != `replied=true reply=[3] error="" reject=false` {
		t.Errorf("after: %s", got)
	}
}

func TestJSDeadlineAndLimits(t *testing.T) {
	dir := t.TempDir()
	writeJS(t, dir, "h.js", `
module.exports = { name: 'e', handler: (ctx, socket, what, ack) => {
  console.log('starting', what);
  switch (what) {
  case 'loop': for (;;) {}
  case 'join': Array.prototype.join.call({ length: 2 ** 40 }, ''); break; // C code: no interrupt check
  case 'hog': { const a = []; for (;;) a.push(new ArrayBuffer(1 << 20)); }
  case 'recurse': { const f = (n) => f(n + 1) + 1; f(0); }
  }
  ack('fine');
} };
`)
	// A short deadline for what must be stopped by it, a long one for what
	// must fail by itself whatever the machine's load.
	short := newJSHost(t, dir, Options{Timeout: 200 * time.Millisecond}, "e=h")
	long := newJSHost(t, dir, Options{Timeout: 10 * time.Second}, "e=h")
	for _, c := range []struct {
		h        *testHost
		what     string
		err, log string
	}{
		{short, "loop", "handler failed", "cpu time limit: used more than 200ms of CPU"},
		{short, "join", "handler failed", "cpu time limit: killed after 400ms of CPU inside code that does not check its limit"},
		{long, "hog", "out of memory", `msg="handler threw" plugin=h.js event=e message="out of memory"`},
		{long, "recurse", "Maximum call stack size exceeded", "at f (h.js:8:"},
	} {
		start := time.Now()
		out := c.h.handle(event("e", true, c.what))
		t.Logf("%s stopped after %s: %q", c.what, time.Since(start).Round(time.Millisecond), out.Error)
		if out.Error != c.err || out.Replied {
			t.Errorf("%s: %s", c.what, fmtOutcome(out))
		}
		if got := fmtOutcome(c.h.handle(event("e", true, "ok"))); got != `replied=true reply=[fine] error="" reject=false` {
			t.Fatalf("after %s: %s\n%s", c.what, got, c.h.logs)
		}
		// The handler's own lines are written, except when it was killed
		// inside a builtin: they died with the VM.
		logs := c.h.logs.String()
		if !strings.Contains(logs, c.log) || c.what != "join" && !strings.Contains(logs, `msg="starting `+c.what+`"`) {
			t.Errorf("%s: the log lacks %q or the handler's own line:\n%s", c.what, c.log, logs)
		}
	}
}

func TestJSSandbox(t *testing.T) {
	dir := t.TempDir()
	writeJS(t, dir, "h.js", `
const out = [];
const probe = (name, f) => { try { out.push(name + '=' + f()); } catch (e) { out.push(name + '!' + e.message); } };
module.exports = { name: 'e', handler: ({ strapi }, socket, ack) => {
  probe('require', () => require('fs'));
  probe('process', () => typeof process);
  probe('std', () => typeof std + typeof os + typeof fetch + typeof XMLHttpRequest);
  probe('strapi', () => strapi.entityService.findMany('x'));
  probe('date', () => typeof Date.now());
  probe('effect', () => socket.emit('connect', 1));
  probe('emit', () => strapi.$io.emit('message.create', 1));
  ack(out);
} };
`)
	h := newJSHost(t, dir, Options{}, "e=h")
	out := h.handle(event("e", true))
	got := strings.Join(toStrings(out.Reply), "\n")
	for _, want := range []string{
		`require!require("fs"): iohub handlers run sandboxed, without Node.js modules`,
		`process=undefined`,
		`std=undefinedundefinedundefinedundefined`,
		`strapi!strapi.entityService is not available in iohub`,
		`date=number`,
		`effect!"connect" is a reserved event name`,
		`emit!$io.emit: expected "<uid>.<action>"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("reply lacks %q:\n%s", want, got)
		}
	}
}

func toStrings(v []any) []string {
	var out []string
	for _, x := range v {
		if arr, ok := x.([]any); ok {
			out = append(out, toStrings(arr)...)
			continue
		}
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

func TestJSReload(t *testing.T) {
	dir := t.TempDir()
	v := func(n string) string {
		return "module.exports = { name: 'e', handler: (ctx, s, ack) => ack('" + n + "') };\n"
	}
	writeJS(t, dir, "h.js", v("v1"))
	h := newJSHost(t, dir, Options{}, "e=h")
	reply := func() string { return fmtOutcome(h.handle(event("e", true))) }
	if got := reply(); got != `replied=true reply=[v1] error="" reject=false` {
		t.Fatalf("v1: %s\n%s", got, h.logs)
	}
	writeJS(t, dir, "h.js", v("v2"))
	h.Reload(context.Background())
	if got := reply(); got != `replied=true reply=[v2] error="" reject=false` {
		t.Fatalf("v2: %s", got)
	}
	// A broken edit: refused with the file and line; v2 keeps serving.
	writeJS(t, dir, "h.js", "module.exports = {\n  name: 'e',\n  handler: (ctx, s, ack) => ack('v3'\n};\n")
	h.Reload(context.Background())
	if got := reply(); got != `replied=true reply=[v2] error="" reject=false` {
		t.Fatalf("after a broken v3: %s", got)
	}
	p := h.Problems()
	if len(p) != 1 || !strings.Contains(p[0], "events[0] (e -> h): serving its previous version: invalid handler module: h.js:4") || !strings.Contains(p[0], "SyntaxError") {
		t.Errorf("Problems() = %q", p)
	}
	if !strings.Contains(h.logs.String(), "handler module refused; the previous version keeps serving") {
		t.Errorf("no refusal log line:\n%s", h.logs)
	}
	// Exports of the wrong shape, and a file without a handler for the event.
	for src, want := range map[string]string{
		"module.exports = { handler: 1 };":                    `module.exports.name must be an event name`,
		"module.exports = [{ name: 'x', handler: () => 1 }];": `h.js has no handler named "e" (its entries are named x)`,
		"throw new Error('at load');":                         "h.js:1:11: Error: at load",
		"module.exports = 42;":                                "module.exports must be { name, handler } or an array of them",
	} {
		writeJS(t, dir, "h.js", src)
		h.Reload(context.Background())
		if p := h.Problems(); len(p) != 1 || !strings.Contains(p[0], want) {
			t.Errorf("%s: Problems() = %q, want %q", src, p, want)
		}
		if got := reply(); got != `replied=true reply=[v2] error="" reject=false` {
			t.Errorf("%s: v2 no longer serving: %s", src, got)
		}
	}
	// Switching the handler to a .wasm module of the same name: it wins.
	install(t, dir, "reply", "h")
	h.Reload(context.Background())
	if got := reply(); got != `replied=true reply=[pong] error="" reject=false` {
		t.Fatalf("wasm: %s", got)
	}
	if !strings.Contains(h.logs.String(), "the .wasm module is used, the .js file ignored") {
		t.Errorf("no precedence warning:\n%s", h.logs)
	}
	if err := os.Remove(filepath.Join(dir, "h.wasm")); err != nil {
		t.Fatal(err)
	}
	writeJS(t, dir, "h.js", v("v4"))
	h.Reload(context.Background())
	if got := reply(); got != `replied=true reply=[v4] error="" reject=false` {
		t.Fatalf("back to js: %s\n%s", got, h.logs)
	}
	if err := os.Remove(filepath.Join(dir, "h.js")); err != nil {
		t.Fatal(err)
	}
	h.Reload(context.Background())
	if got := reply(); got != `replied=false reply=[] error="handler unavailable" reject=false` {
		t.Errorf("removed handler: %s", got)
	}
}

func TestJSSelfBoundFiles(t *testing.T) {
	dir := t.TempDir()
	h := newJSHost(t, dir, Options{})
	if h.Bound("a") {
		t.Fatal("bound before any file")
	}
	writeJS(t, dir, "one.js", "module.exports = [{ name: 'a', handler: (c, s, ack) => ack('one') }, { name: 'b', handler: () => {} }];")
	writeJS(t, dir, ".hidden.js", "module.exports = { name: 'a', handler: () => { throw 1 } };")
	writeJS(t, dir, "notes.txt", "not a handler")
	h.Reload(context.Background())
	if !h.Bound("a") || !h.Bound("b") {
		t.Fatalf("not bound:\n%s", h.logs)
	}
	if got := fmtOutcome(h.handle(event("a", true))); got != `replied=true reply=[one] error="" reject=false` {
		t.Errorf("a: %s", got)
	}
	// A broken file is reported by name, and does not disturb the others.
	writeJS(t, dir, "two.js", "module.exports = { name: 'c', handler: ( => 1 };")
	h.Reload(context.Background())
	if p := h.Problems(); len(p) != 1 || !strings.Contains(p[0], filepath.Join(dir, "two.js")+": inactive: invalid handler module: two.js:1") {
		t.Errorf("Problems() = %q", p)
	}
	os.Remove(filepath.Join(dir, "one.js"))
	os.Remove(filepath.Join(dir, "two.js"))
	h.Reload(context.Background())
	if got := fmtOutcome(h.handle(event("a", true))); got != `replied=false reply=[] error="handler unavailable" reject=false` {
		t.Errorf("a after its file was removed: %s", got)
	}
	if p := h.Problems(); len(p) != 0 {
		t.Errorf("Problems() after removal = %q", p)
	}
}

func TestJSRuntimeMissing(t *testing.T) {
	dir := t.TempDir()
	writeJS(t, dir, "events.js", seedEvents)
	missing := filepath.Join(dir, "app", "node_modules", "quickjs-wasi", "quickjs.wasm")
	if err := os.MkdirAll(filepath.Join(dir, "app"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeJS(t, filepath.Join(dir, "app"), "package-lock.json", "{}")
	h := newHost(t, dir, Options{JSRuntime: missing})
	p := h.Problems()
	want := "the JavaScript runtime " + missing + " is missing: run `npm ci` in " + filepath.Join(dir, "app")
	if len(p) != 1 || !strings.Contains(p[0], want) {
		t.Errorf("Problems() = %q, want %q", p, want)
	}
	if !strings.Contains(h.logs.String(), `level=ERROR msg="JavaScript handlers cannot run"`) {
		t.Errorf("no start-up error:\n%s", h.logs)
	}
	for path, want := range map[string]string{
		filepath.Join(dir, "x", "node_modules", "quickjs-wasi", "quickjs.wasm"): "run `npm install quickjs-wasi@" + jsvm.RuntimeVersion + "` in " + filepath.Join(dir, "x"),
		filepath.Join(dir, "qjs.wasm"):                                          "install the npm package quickjs-wasi@" + jsvm.RuntimeVersion,
	} {
		if got := npmHint(path); !strings.HasPrefix(got, want) {
			t.Errorf("npmHint(%s) = %q, want %q...", path, got, want)
		}
	}
}

func TestJSTry(t *testing.T) {
	dir := t.TempDir()
	writeJS(t, dir, "h.js", "module.exports = { name: 'connection', handler: ({ strapi }, socket) => { strapi.log.info('hi ' + socket.id); socket.join('x'); } };")
	res, err := Try(context.Background(), TryOptions{
		Module: filepath.Join(dir, "h.js"), JSRuntime: jsRuntime(t),
		Call: *connection("try-1"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(res); string(b) != `{"status":"ok","replied":false,"effects":[{"op":"join","sid":"try-1","room":"x"}]}` {
		t.Errorf("try: %s", b)
	}
}

// FuzzJSOutcome: an outcome comes from the sandbox; no bytes may panic the
// decoder or the effect validation.
func FuzzJSOutcome(f *testing.F) {
	f.Add("0\tl1,2:hi\tl3,5:a\tb\nc\n" + `["emit","api::a.a.create",{"x":1}]` + "\n" + `["raw","r","ev",[1],1]` + "\n" + `["send","s1","ev",[]]` + "\n" +
		`["join","s1","r"]` + "\n" + `["leave","","r"]` + "\n" + `["disconnect","s1"]` + "\n" + `["reply",[1]]`)
	f.Add("1\tl0,3:\xed\xa0\x80x\tm\"boom\"\tt\"at f\"\n" + `["raw"]` + "\n" + `["x"]` + "\n[1]\n" + `["reply",{}]` + "\n" + `["emit","bad",1]` + "\n" + `["raw","","connect",[],0]`)
	f.Add("0\tl2,2:\xf0\x9f\x98\x80\tb[\"AAE=\"]\n\n" + `["reply",[1],[2]]` + "\n" + `["reply",[{"_placeholder":true,"num":0}]]`)
	f.Add("0\n" + `["emit","api::blog.article.create",{"data":{}},"article"]` + "\n" + `["emit","api::a.a.create",1,"a b"]` + "\n" +
		`["rawTo",["a","b"],"ev",{"data":1}]` + "\n" + `["rawTo",[],"ev",1]` + "\n" + `["rawTo",["a",""],"connect",1]`)
	f.Add("0\tx\t\t")
	f.Add("0\tl1,9:short")
	f.Fuzz(func(t *testing.T, b string) {
		o, err := parseJSOutcome([]byte(b))
		if err != nil {
			return
		}
		rec := &Recorder{Sockets: map[string]bool{"s1": true}}
		cs := &callState{sid: "s1", ack: true, chain: &chainState{}, target: rec, log: discardLog}
		for e, rest := o.nextEffect(); e != nil; e, rest = rest.nextEffect() {
			_ = cs.addJS(e)
		}
		if len(cs.effects) > maxEffects {
			t.Fatalf("%d effects", len(cs.effects))
		}
		cs.apply()
	})
}

var discardLog = slog.New(slog.DiscardHandler)

// testCache keeps compiled modules (quickjs.wasm above all) across the tests.
var testCache = wazero.NewCompilationCache()

// TestJSExamples runs examples/handlers/*/js as they are.
func TestJSExamples(t *testing.T) {
	dir := t.TempDir()
	for name, src := range map[string]string{
		"connection-logger.js": "../../examples/handlers/connection-logger/js/connection-logger.js",
		"chat.js":              "../../examples/handlers/chat/js/chat.js",
	} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		writeJS(t, dir, name, string(b))
	}
	h := newJSHost(t, dir, Options{})
	if out := h.handle(connection("sock-9")); out.Error != "" {
		t.Fatal(fmtOutcome(out))
	}
	if !strings.Contains(h.logs.String(), `msg="[io] new connection with id sock-9" plugin=connection-logger.js`) {
		t.Errorf("no connection line:\n%s", h.logs)
	}
	if got := fmtOutcome(h.handle(event("chat:send", true, map[string]any{"room": "lobby", "text": "hi"}))); got != `replied=true reply=[map[ok:true]] error="" reject=false` {
		t.Fatalf("chat: %s\n%s", got, h.logs)
	}
	eff := h.rec.Effects()
	if len(eff) != 2 || eff[0].Op != "join" || eff[0].Room != "chat:lobby" || eff[1].Op != "raw" || eff[1].Room != "chat:lobby" || eff[1].Event != "chat:message" {
		t.Errorf("chat effects: %+v", eff)
	}
	for _, bad := range []any{nil, "text", map[string]any{"room": "", "text": "x"}, map[string]any{"room": "r", "text": strings.Repeat("x", 501)}} {
		out := h.handle(event("chat:send", true, bad))
		if out.Error == "" || out.Replied || len(h.rec.Effects()) != 0 {
			t.Errorf("chat %v: %s", bad, fmtOutcome(out))
		}
	}
}

// TestJSReloadUnderLoad: while events flow, a self-bound .js file is replaced
// many times (broken versions among them). No event finds its handler
// missing, no ack fails, and both versions answer.
func TestJSReloadUnderLoad(t *testing.T) {
	dir := t.TempDir()
	v := func(n string) string {
		return "module.exports = [{ name: 'e', handler: async (ctx, s, x, ack) => { await null; ack('" + n + "'); } }];\n"
	}
	writeJS(t, dir, "hot.js", v("v1"))
	h := newJSHost(t, dir, Options{Timeout: time.Second})
	var stop atomic.Bool
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[string]int{}
	var failures []string
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				out := h.handle(event("e", true, "x"))
				mu.Lock()
				if !out.Replied || out.Error != "" || len(out.Reply) != 1 {
					failures = append(failures, fmtOutcome(out))
				} else {
					seen[out.Reply[0].(string)]++
				}
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < 30; i++ {
		switch i % 3 {
		case 0:
			writeJS(t, dir, "hot.js", v("v2"))
		case 1:
			writeJS(t, dir, "hot.js", "module.exports = [{ name: 'e', handler: ( => 1 }];") // refused
		default:
			writeJS(t, dir, "hot.js", v("v1"))
		}
		h.Reload(context.Background())
		time.Sleep(5 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	if len(failures) > 0 {
		var why []string
		for _, l := range strings.Split(h.logs.String(), "\n") {
			if strings.Contains(l, "level=WARN") || strings.Contains(l, "level=ERROR") {
				why = append(why, l)
			}
		}
		t.Fatalf("%d failed events, first: %s\nwarnings and errors:\n%s", len(failures), failures[0], strings.Join(why, "\n"))
	}
	if seen["v1"] == 0 || seen["v2"] == 0 {
		t.Fatalf("both versions should have answered: %v", seen)
	}
	t.Logf("events answered: %v", seen)
}
