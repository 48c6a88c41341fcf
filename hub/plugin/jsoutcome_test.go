package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iohub/iohub/hub/handler"
	"github.com/iohub/iohub/hub/plugin/internal/jsvm"
)

var (
	preludeEngineOnce sync.Once
	preludeEngines    [2]*jsvm.Engine // killable, not
	preludeEngineErr  error
)

// preludeVM is a VM that ran the prelude (patched: pairs of its text and a
// replacement; extra code inserted before its entry points are set) and
// handler, as newInstance makes them, and a lookup of its globals. engine 1
// is not killable (for measurements only).
func preludeVM(t testing.TB, engine int, patch []string, extra, handler string) (*jsvm.VM, func(string) jsvm.Value) {
	p := jsRuntime(t)
	preludeEngineOnce.Do(func() {
		w, err := os.ReadFile(p)
		if err != nil {
			preludeEngineErr = err
			return
		}
		for i := range preludeEngines {
			preludeEngines[i], preludeEngineErr = jsvm.New(context.Background(), jsvm.Options{Wasm: w, MemoryLimit: 64 << 20, Killable: i == 0})
			if preludeEngineErr != nil {
				return
			}
		}
	})
	if preludeEngineErr != nil {
		t.Fatal(preludeEngineErr)
	}
	vm, err := preludeEngines[engine].NewVM(context.Background(), jsvm.Config{HeapLimit: 32 << 20, StackLimit: 256 << 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(vm.Close)
	prelude := jsPrelude
	for i := 0; i+1 < len(patch); i += 2 {
		if !strings.Contains(prelude, patch[i]) {
			t.Fatalf("patch: %q not in the prelude", patch[i])
		}
		prelude = strings.Replace(prelude, patch[i], patch[i+1], 1)
	}
	if extra != "" {
		const at = "  hidden('__iohub_d', dispatch);"
		prelude = strings.Replace(prelude, at, extra+"\n"+at, 1)
	}
	if _, err := vm.Run(context.Background(), prelude, preludeName); err != nil {
		t.Fatal(err)
	}
	if _, err := vm.Run(context.Background(), wrapSource("h.js", handler), "h.js"); err != nil {
		t.Fatal(err)
	}
	g := vm.Global()
	return vm, func(name string) jsvm.Value {
		v := vm.Get(g, name)
		if v == 0 {
			t.Fatalf("no %s", name)
		}
		return v
	}
}

// dispatchArgs are the dispatcher's arguments for an event named name with
// one argument, {"room":"lobby","text":"hello there"}, asking for an ack.
func dispatchArgs(t testing.TB, name string) []jsvm.Arg {
	c := event(name, true, map[string]any{"room": "lobby", "text": "hello there"})
	var e jsEvent
	if err := e.set(c, nil, nil); err != nil {
		t.Fatal(err)
	}
	return (&jsInstance{}).jsArgs(&e, nil)
}

// TestJSOutcomeLogs: log lines reach the hub as the handler wrote them,
// tabs, newlines, characters outside the BMP and all; a lone surrogate
// becomes U+FFFD (as JSON would have it); with a failure too.
func TestJSOutcomeLogs(t *testing.T) {
	vm, get := preludeVM(t, 0, nil, "", `module.exports = [
  { name: 'e', handler: (ctx, socket, msg, ack) => {
    console.log('a\tb\nc', 'é', '😀');
    ctx.strapi.log.warn('lone \ud800 and \udc00x');
    console.error('%s=%d', 'n', 42);
    ack(msg.text);
  } },
  { name: 'f', handler: () => { console.debug('before'); throw new TypeError('no\ttab'); } },
];`)
	d := get("__iohub_d")
	out, err := vm.CallArgs(context.Background(), d, dispatchArgs(t, "e")...)
	if err != nil {
		t.Fatal(err)
	}
	o, err := parseJSOutcome(out)
	if err != nil {
		t.Fatalf("%v: %q", err, out)
	}
	want := []jsLogEntry{{1, "a\tb\nc é 😀"}, {2, "lone \uFFFD and \uFFFDx"}, {3, "n=42"}}
	if !reflect.DeepEqual(o.Logs, want) || o.Status != 0 {
		t.Errorf("logs %+v, want %+v", o.Logs, want)
	}
	if e, rest := o.nextEffect(); string(e) != `["reply",["hello there"]]` || rest != nil {
		t.Errorf("effects %q", o.effects)
	}
	out, err = vm.CallArgs(context.Background(), d, dispatchArgs(t, "f")...)
	if err != nil {
		t.Fatal(err)
	}
	o, err = parseJSOutcome(out)
	if err != nil || o.Status != 1 || o.Message != "no\ttab" || !strings.Contains(o.Stack, "h.js:8") ||
		!reflect.DeepEqual(o.Logs, []jsLogEntry{{0, "before"}}) || o.effects != nil {
		t.Errorf("failure: %+v %v (%q)", o, err, out)
	}
}

func TestParseJSOutcome(t *testing.T) {
	for in, want := range map[string]string{
		"0":                            `0 [] "" "" []`,
		"0\n[1]\n[2]":                  `0 [] "" "[1]\n[2]" []`,
		"0\tl1,3:a\nb\tl2,0:\n[1]":     `0 [{1 "a\nb"} {2 ""}] "" "[1]" []`,
		"0\tl0,2:😀\tl0,1:\xed\xa0\x80": `0 [{0 "😀"} {0 "�"}] "" "" []`,
		"1\tm\"x\\ty\"\tt\"s\"\n[1]":   `1 [] "x\ty" "[1]" []`,
		"0\tb[\"AAE=\"]":               `0 [] "" "" [[0 1]]`,
		"":                             "error",
		"2":                            "error",
		"0x":                           "error",
		"0\t":                          "error",
		"0\tz1":                        "error",
		"0\tl1,5:abc":                  "error",
		"0\tl1,1:😀":                    "error", // half a surrogate pair
		"0\tl,1:a":                     "error",
		"0\tl1,-1:a":                   "error",
		"0\tm\"x":                      "error",
	} {
		o, err := parseJSOutcome([]byte(in))
		got := "error"
		if err == nil {
			logs := make([]string, len(o.Logs))
			for i, l := range o.Logs {
				logs[i] = fmt.Sprintf("{%d %q}", l.Level, l.Text)
			}
			got = fmt.Sprintf("%d [%s] %q %q %v", o.Status, strings.Join(logs, " "), o.Message, o.effects, o.Binaries)
		}
		if got != want {
			t.Errorf("%q: got %s, want %s", in, got, want)
		}
	}
}

// TestJSSocketAndKinds: what a handler's socket holds, and the arguments of
// each kind of event (the client's, none for a connection, the reason for a
// disconnect), as the dispatcher's arguments carry them.
func TestJSSocketAndKinds(t *testing.T) {
	dir := t.TempDir()
	writeJS(t, dir, "k.js", `
const seen = (socket, what) => socket.emit('seen', what);
module.exports = [
  { name: 'e', handler: (ctx, socket, ...args) => {
    const ack = args.pop();
    const hs = socket.handshake;
    seen(socket, {
      id: socket.id, role: socket.role, userId: socket.userId, user: socket.user,
      rooms: [...socket.rooms], connected: socket.connected, disconnected: socket.disconnected,
      issued: hs.issued, time: typeof hs.time, data: socket.data, args,
      ack: [typeof ack, ack.name, ack.length], config: ctx.config,
    });
    socket.data = { n: 1 };
    socket.join('r2');
    seen(socket, [socket.data, socket.rooms.has('r2'), Object.keys(socket).filter((k) => k[0] !== '_')]);
    ack('done');
  } },
  { name: 'connection', handler: (ctx, socket, ...args) => seen(socket, ['connection', args]) },
  { name: 'disconnect', handler: (ctx, socket, ...args) => seen(socket, ['disconnect', args, socket.user]) },
];`)
	h := newJSHost(t, dir, Options{}, `e=k:{"x":[1]}`, "connection=k", "disconnect=k")
	h.rec.Sockets = map[string]bool{"s1": true, "s\"2": true}
	c := event("e", true, "a", 2, nil, map[string]any{"é": "😀"})
	c.Socket.Claims = map[string]any{"id": 7, "name": "Ann"}
	c.Received = time.UnixMilli(1700000000123)
	if out := h.handle(c); out.Error != "" || fmt.Sprint(out.Reply) != "[done]" {
		t.Fatalf("event: %s\n%s", fmtOutcome(out), h.logs)
	}
	dc := &handler.Call{Kind: handler.Disconnect, Event: "disconnect", Reason: "transport \"close\"", Received: time.Now(),
		Socket: handler.Socket{ID: "s\"2", Role: "Public", Rooms: []string{"Public"}}}
	for _, call := range []*handler.Call{connection("s1"), dc} {
		if out := h.handle(call); out.Error != "" {
			t.Fatalf("%s: %s\n%s", call.Kind, fmtOutcome(out), h.logs)
		}
	}
	got, _ := json.Marshal(h.rec.Effects())
	want := `[{"op":"send","sid":"s1","event":"seen","args":[{"ack":["function","ack",0],"args":["a",2,null,{"é":"😀"}],` +
		`"config":{"x":[1]},"connected":true,"data":{},"disconnected":false,"id":"s1","issued":1700000000123,` +
		`"role":"Authenticated","rooms":["Authenticated","s1","user:7"],"time":"string","user":{"id":7,"name":"Ann"},"userId":"7"}]},` +
		`{"op":"join","sid":"s1","room":"r2"},` +
		`{"op":"send","sid":"s1","event":"seen","args":[[{"n":1},true,["id","role","userId","connected","disconnected"]]]},` +
		`{"op":"send","sid":"s1","event":"seen","args":[["connection",[]]]},` +
		`{"op":"send","sid":"s\"2","event":"seen","args":[["disconnect",["transport \"close\""],null]]}]`
	if string(got) != want {
		t.Errorf("effects:\n got %s\nwant %s", got, want)
	}
}

// FuzzSplitEffect: where splitEffect splits an array whose elements are each
// valid JSON, the decoder reads the same elements from it; so with addJS
// decoding every element strictly, the split accepts what the decoder would.
func FuzzSplitEffect(f *testing.F) {
	for _, s := range []string{`["emit","api::a.a.create",{"x":[1,"]"]}]`, `["raw","r","ev",[1],1]`, `["x","a\"],[b"]`,
		`["join","s1","r",]`, `[,1]`, `[1 ,2]`, `["a"]]`, `[{"a":1}}]`, `["\u00e9",null,true,-1.5e3]`, `[]`, `[[]]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		parts, ok := splitEffect(raw, nil)
		if !ok {
			return
		}
		for _, p := range parts {
			if !json.Valid(p) {
				return
			}
		}
		var want []json.RawMessage
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatalf("split %q into valid elements %q, but the decoder refuses it: %v", raw, parts, err)
		}
		if fmt.Sprintf("%q", want) != fmt.Sprintf("%q", parts) {
			t.Fatalf("%q: split %q, decoder %q", raw, parts, want)
		}
	})
}

// FuzzJSONString: jsonString is encoding/json's reading of a string.
func FuzzJSONString(f *testing.F) {
	for _, s := range []string{`"abc"`, `"a\"b"`, `"é"`, `null`, `1`, `"\u0000"`, "\"a\x01\"", `"a`, `""`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok := jsonString(b)
		var want string
		err := json.Unmarshal(b, &want)
		if ok != (err == nil) || got != want {
			t.Fatalf("%q: got %q %v, decoder %q %v", b, got, ok, want, err)
		}
	})
}

// TestJSAckLimits: what an ack does with a reply it cannot send: a
// circular one throws (and the event has no reply, the first call having
// counted), one past the effects' limits throws RangeError; binary replies
// go as binary.
func TestJSAckLimits(t *testing.T) {
	dir := t.TempDir()
	writeJS(t, dir, "a.js", `
const tell = (f) => { try { f(); } catch (e) { console.log(e.name + ': ' + e.message); } };
module.exports = [
  { name: 'circ', handler: (ctx, socket, ack) => { const o = {}; o.o = o; tell(() => ack(o)); ack('second'); } },
  { name: 'many', handler: (ctx, socket, ack) => { for (let i = 0; i < 256; i++) socket.join('r' + i); tell(() => ack(1)); } },
  { name: 'big', handler: (ctx, socket, ack) => { tell(() => ack('x'.repeat(1 << 20))); ack('small'); } },
  { name: 'bin', handler: (ctx, socket, ack) => ack(new Uint8Array([1, 2, 3]), 'x') },
];`)
	h := newJSHost(t, dir, Options{})
	for _, c := range []struct{ event, reply, log string }{
		{"circ", "replied=false reply=[]", "TypeError: the ack arguments cannot be sent: circular reference"},
		{"many", "replied=false reply=[]", "RangeError: iohub: more than 256 effects in one event"},
		{"big", "replied=false reply=[]", "RangeError: iohub: the effects of one event exceed 1 MiB"},
		{"bin", "replied=true reply=[[1 2 3] x]", ""},
	} {
		before := len(h.logs.String())
		out := h.handle(event(c.event, true))
		if got := fmtOutcome(out); !strings.HasPrefix(got, c.reply+" ") || out.Error != "" {
			t.Errorf("%s: %s", c.event, got)
		}
		if logs := h.logs.String()[before:]; !strings.Contains(logs, c.log) {
			t.Errorf("%s: log lacks %q:\n%s", c.event, c.log, logs)
		}
		h.rec.Effects()
	}
}
