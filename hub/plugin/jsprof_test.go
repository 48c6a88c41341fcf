package plugin

import (
	"context"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/iohub/iohub/hub/plugin/internal/jsvm"
)

// Where a JavaScript event's time goes, below the host: the prelude's
// dispatcher called directly on one VM. CPU time is read from the thread's
// clock, and cases are timed in turns (interleaved): on a shared machine
// wall time and single runs vary by tens of percent.
//
//	IOHUB_JSPROF=1 go test ./hub/plugin -run 'TestJSProfile|TestJSVariants' -v
//	go test ./hub/plugin -run NONE -bench 'JSDispatch|JSOps' -cpu 1

const profEchoBody = `(ctx, socket, ...args) => {
  const ack = typeof args[args.length - 1] === 'function' ? args.pop() : null;
  if (ack) ack({ lang: 'js', event: 'e', args });
}`

// profEcho is bench_test.go's JavaScript echo (BenchmarkHandleJSEcho).
const profEcho = "module.exports = { name: 'e', handler: " + profEchoBody + " };"

const emitBody = `({ strapi }, socket, msg, ack) => {
  strapi.$io.emit('api::message.message.create', { text: msg.text, room: msg.room });
  strapi.log.debug('emitted for ' + socket.id);
  ack({ ok: true });
}`

// interleaved times each case in turn, rounds times, calls calls a round,
// and reports each case's least and median CPU time per call: other work
// only adds to a round's time, so the least is the steadiest estimate, and
// rounds taken in turn see the same conditions.
func interleaved(t testing.TB, rounds, calls int, names []string, fns []func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	per := make([][]float64, len(fns))
	for range rounds {
		for i, f := range fns {
			t0 := threadCPUTime()
			for range calls {
				f()
			}
			per[i] = append(per[i], float64(threadCPUTime()-t0)/float64(calls))
		}
	}
	for i, p := range per {
		slices.Sort(p)
		t.Logf("%-34s min %7.0f ns  median %7.0f ns", names[i], p[0], p[len(p)/2])
	}
}

type profCases struct {
	t     testing.TB
	names []string
	fns   []func()
}

// add times fn of a VM made by preludeVM, called with the arguments of an
// event named ev.
func (c *profCases) add(name string, engine int, patch []string, extra, handler, fn, ev string) {
	vm, get := preludeVM(c.t, engine, patch, extra, handler)
	f, args := get(fn), dispatchArgs(c.t, ev)
	c.names = append(c.names, name)
	c.fns = append(c.fns, func() {
		if _, err := vm.CallArgs(context.Background(), f, args...); err != nil {
			c.t.Fatal(err)
		}
	})
}

func jsprof(t *testing.T) {
	if os.Getenv("IOHUB_JSPROF") == "" {
		t.Skip("set IOHUB_JSPROF=1")
	}
}

const emptyFn = `  hidden('__empty', function () { return ''; });`

// TestJSProfile: the cost of the dispatcher's parts and of handlers'.
func TestJSProfile(t *testing.T) {
	jsprof(t)
	c := &profCases{t: t}
	c.add("empty function, same arguments", 0, nil, emptyFn, profEcho, "__empty", "e")
	{
		vm, get := preludeVM(t, 0, nil, emptyFn, profEcho)
		f := get("__empty")
		full := dispatchArgs(t, "e")
		noJSON := slices.Clone(full)
		noJSON[1] = jsvm.Undefined
		for _, a := range []struct {
			name string
			args []jsvm.Arg
		}{{"empty function, args not parsed", noJSON}, {"empty function, no arguments", nil}} {
			c.names = append(c.names, a.name)
			c.fns = append(c.fns, func() {
				if _, err := vm.CallArgs(context.Background(), f, a.args...); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
	c.add("dispatch, no handler", 0, nil, "", profEcho, "__iohub_d", "x")
	for _, h := range []struct{ name, body string }{
		{"handler: nothing", `(ctx, socket, ...args) => {}`},
		{"handler: (msg, ack) {}", `(ctx, socket, msg, ack) => {}`},
		{"handler: pop", `(ctx, socket, ...args) => { const ack = typeof args[args.length - 1] === 'function' ? args.pop() : null; }`},
		{"handler: ack()", `(ctx, socket, msg, ack) => { ack(); }`},
		{"handler: ack('x')", `(ctx, socket, msg, ack) => { ack('x'); }`},
		{"handler: ack({ echo: msg.text })", `(ctx, socket, msg, ack) => { ack({ echo: msg.text }); }`},
		{"handler: echo", profEchoBody},
		{"emit: strapi.$io", `({ strapi }, socket, msg, ack) => { strapi.$io; }`},
		{"emit: log.debug", `({ strapi }, socket, msg, ack) => { strapi.log.debug('emitted for ' + socket.id); }`},
		{"emit: $io.emit", `({ strapi }, socket, msg, ack) => { strapi.$io.emit('api::message.message.create', { text: msg.text, room: msg.room }); }`},
		{"emit: ack({ ok: true })", `({ strapi }, socket, msg, ack) => { ack({ ok: true }); }`},
		{"emit: all", emitBody},
	} {
		c.add(h.name, 0, nil, "", "module.exports = { name: 'e', handler: "+h.body+" };", "__iohub_d", "e")
	}
	c.add("not killable: empty function", 1, nil, emptyFn, profEcho, "__empty", "e")
	c.add("not killable: echo", 1, nil, "", profEcho, "__iohub_d", "e")
	interleaved(t, 30, 200, c.names, c.fns)
}

// TestJSVariants compares variants of the prelude, each a list of its text
// and a replacement, for the echo and for an event without handlers. Those
// below were measured when it was written (see the commit messages).
func TestJSVariants(t *testing.T) {
	jsprof(t)
	c := &profCases{t: t}
	for _, v := range append([][]string{{"as is"}}, [][]string{
		{"ack: returns at once", "if (cur !== c || c.replied) return;", "return;"},
		{"ack: no stringify", "s = stringify(reply);", "s = '[1]';"},
		{"no ack function", "if (ack === 1) {", "if (ack === 2) {"},
		{"no socket", "const socket = { __proto__: Socket.prototype, id: sid, role, userId, connected: true, disconnected: false, _ts: ts, _lazy: lazy };", "const socket = null;"},
		{"no state object (no handler only)", "const c = cur = { __proto__: CALL, e: '' };", "const c = cur = CALL;"},
		{"no ctx", "const ctx = ctxFor(cfgJSON);", "const ctx = null;"},
		{"no step", "step(c, byEvent[event] || NO_HANDLERS, 0, ctx, socket, args);", ""},
		{"no outcome", "return c.pending ? '' : outcome(c);", "cur = null; return '0';"},
	}...) {
		for _, ev := range []string{"x", "e"} {
			c.add(v[0]+map[string]string{"x": " (no handler)", "e": " (echo)"}[ev], 0, v[1:], "", profEcho, "__iohub_d", ev)
		}
	}
	interleaved(t, 30, 200, c.names, c.fns)
}

// BenchmarkJSDispatch: the dispatcher with the echo, without the host; a
// function that does nothing, with the same arguments; the dispatcher for an
// event without handlers.
func BenchmarkJSDispatch(b *testing.B) {
	for _, c := range []struct{ name, extra, fn, ev string }{
		{"echo", "", "__iohub_d", "e"},
		{"empty", emptyFn, "__empty", "e"},
		{"noHandler", "", "__iohub_d", "x"},
	} {
		b.Run(c.name, func(b *testing.B) {
			vm, get := preludeVM(b, 0, nil, c.extra, profEcho)
			fn, args := get(c.fn), dispatchArgs(b, c.ev)
			b.ReportAllocs()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			t0 := threadCPUTime()
			for b.Loop() {
				if _, err := vm.CallArgs(context.Background(), fn, args...); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(threadCPUTime()-t0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkJSOps times single operations, each in a loop of 100 inside one
// call (the loop's own cost is the "loop" case), in cpu-ns/iter.
func BenchmarkJSOps(b *testing.B) {
	ops := []struct{ name, pre, op string }{
		{"loop", "", ""},
		{"JSON.parse 40 bytes", "const s = '[{\"room\":\"lobby\",\"text\":\"hello there\"}]';", "parse(s);"},
		{"JSON.stringify 1", "", "stringify(1);"},
		{"JSON.stringify {x:1}", "const a = { x: 1 };", "stringify(a);"},
		{"JSON.stringify the echo's reply", "const m = parse('[{\"room\":\"lobby\",\"text\":\"hello there\"}]');", "stringify([{ lang: 'js', event: 'e', args: m }]);"},
		{"indexOf", "const s = 'abc\\ndef';", "s.indexOf('\\n');"},
		{"object literal, 4 fields", "", "const c = { s: 0, l: null, e: null, done: false };"},
		{"object literal, __proto__ and 7", "const P = {};", "const s = { __proto__: P, id: 's1', role: 'Authenticated', userId: '7', connected: true, disconnected: false, _ts: 1, _lazy: '' };"},
		{"constructor, 8 fields", "function S(a, b, c, d, e) { this.id = a; this.role = b; this.userId = c; this.connected = true; this.disconnected = false; this._ts = d; this._lazy = e; this._x = null; }", "new S('s1', 'Authenticated', '7', 1, '');"},
		{"empty array", "", "const a = [];"},
		{"closure", "let c = {};", "const f = function ack(...reply) { c.x = reply; };"},
		{"spread call", "const f = (a, b, ...r) => r; const args = [1, 2, 3];", "f(0, 1, ...args);"},
		{"call with 5 arguments", "const f = (a, b, c, d, e) => e; const args = [1, 2, 3];", "f(0, 1, args[0], args[1], args[2]);"},
		{"function call", "function f() { return 1; }", "f();"},
		{"push and pop", "const a = [1];", "a.push(1); a.pop();"},
		{"string concatenation", "let e = ''; const j = '[\"reply\",[1]]';", "e = ''; e += '\\n' + j;"},
	}
	var extra strings.Builder
	for i, o := range ops {
		extra.WriteString("  hidden('__op_" + strconv.Itoa(i) + "', function () { " + o.pre + " for (let i = 0; i < 100; i++) { " + o.op + " } return ''; });\n")
	}
	vm, get := preludeVM(b, 0, nil, extra.String(), profEcho)
	for i, o := range ops {
		fn := get("__op_" + strconv.Itoa(i))
		b.Run(o.name, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			t0 := threadCPUTime()
			for b.Loop() {
				if _, err := vm.CallArgs(context.Background(), fn); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(threadCPUTime()-t0)/float64(b.N)/100, "cpu-ns/iter")
		})
	}
}
