package jsvm

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iohub/iohub/internal/testreq"
)

// RuntimePath finds node_modules/quickjs-wasi/quickjs.wasm above the test's
// directory (npm ci at the repository root puts it there).
func runtimePath(t testing.TB) string {
	dir, _ := os.Getwd()
	for {
		p := filepath.Join(dir, "node_modules", "quickjs-wasi", "quickjs.wasm")
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			testreq.Missing(t, "", "node_modules/quickjs-wasi/quickjs.wasm", "run `npm ci` at the repository root")
		}
		dir = parent
	}
}

var (
	engineOnce sync.Once
	engine     *Engine
	engineErr  error
)

func testEngine(t testing.TB) *Engine {
	// The runtime is looked up outside the Once: a skip (or failure) inside it
	// would leave a nil engine behind for every later test.
	path := runtimePath(t)
	engineOnce.Do(func() {
		var b []byte
		b, engineErr = os.ReadFile(path)
		if engineErr == nil {
			engine, engineErr = New(context.Background(), Options{Wasm: b, MemoryLimit: 16 << 20, Killable: true})
		}
	})
	if engineErr != nil {
		t.Fatal(engineErr)
	}
	return engine
}

func newVM(t testing.TB, cfg Config) *VM {
	t.Helper()
	vm, err := testEngine(t).NewVM(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(vm.Close)
	return vm
}

func evalString(t testing.TB, vm *VM, code string) string {
	t.Helper()
	v, err := vm.Eval(context.Background(), code, "test.js")
	if err != nil {
		t.Fatalf("eval %q: %v", code, err)
	}
	defer vm.Free(v)
	s, ok := vm.String(v)
	if !ok {
		t.Fatalf("eval %q: not a string", code)
	}
	return s
}

func TestEvalAndHostFunctions(t *testing.T) {
	var got []string
	vm := newVM(t, Config{Global: "host", Funcs: map[string]Func{
		"echo": func(vm *VM, args []Value) (Value, error) {
			var parts []string
			for _, a := range args {
				s, ok := vm.String(a)
				if !ok {
					s = "<not a string>"
				}
				parts = append(parts, s)
			}
			got = append(got, strings.Join(parts, "|"))
			return vm.NewString("héllo " + strings.Join(parts, "+")), nil
		},
		"fail": func(vm *VM, args []Value) (Value, error) {
			return 0, errors.New("nope")
		},
		"num": func(vm *VM, args []Value) (Value, error) {
			return vm.NewNumber(vm.Number(args[0]) * 2), nil
		},
	}})
	if s := evalString(t, vm, `host.echo("a", "ü\u0000x", 3)`); s != "héllo a+ü\x00x+<not a string>" {
		t.Errorf("echo: %q", s)
	}
	if len(got) != 1 || got[0] != "a|ü\x00x|<not a string>" {
		t.Errorf("host saw %q", got)
	}
	if s := evalString(t, vm, `try { host.fail(); "no" } catch (e) { e instanceof Error ? e.message : "?" }`); s != "nope" {
		t.Errorf("fail: %q", s)
	}
	if s := evalString(t, vm, `String(host.num(21))`); s != "42" {
		t.Errorf("num: %q", s)
	}
	// Values and calls from the host.
	fn, err := vm.Eval(context.Background(), `(function (a, b) { return a + "-" + b })`, "f.js")
	if err != nil {
		t.Fatal(err)
	}
	a, b, u := vm.NewString("x"), vm.NewString("y"), vm.Undefined()
	r, err := vm.Call(context.Background(), fn, u, a, b)
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := vm.String(r); s != "x-y" {
		t.Errorf("call: %q", s)
	}
	for _, v := range []Value{fn, a, b, u, r} {
		vm.Free(v)
	}
}

func TestExceptions(t *testing.T) {
	vm := newVM(t, Config{})
	_, err := vm.Eval(context.Background(), "let a = 1;\nlet b = ;\n", "broken.js")
	var exc *Exception
	if !errors.As(err, &exc) || exc.Name != "SyntaxError" || !strings.Contains(exc.Stack, "broken.js:2") {
		t.Fatalf("syntax error: %#v", err)
	}
	_, err = vm.Eval(context.Background(), "function f() { throw new TypeError('bad ' + 1) }\nf()", "t.js")
	if !errors.As(err, &exc) || exc.Error() != "TypeError: bad 1" || !strings.Contains(exc.Stack, "t.js:1") {
		t.Fatalf("throw: %#v", err)
	}
	_, err = vm.Eval(context.Background(), "throw 'plain'", "t.js")
	if !errors.As(err, &exc) || exc.Error() != "plain" {
		t.Fatalf("throw string: %#v", err)
	}
	if s := evalString(t, vm, `"still " + "usable"`); s != "still usable" {
		t.Error(s)
	}
}

func TestInterruptAndMemoryLimit(t *testing.T) {
	vm := newVM(t, Config{HeapLimit: 4 << 20})
	vm.SetDeadline(time.Now().Add(50 * time.Millisecond))
	start := time.Now()
	_, err := vm.Eval(context.Background(), "for (;;) {}", "loop.js")
	var exc *Exception
	if !errors.As(err, &exc) || !vm.Interrupted() {
		t.Fatalf("loop: %v (interrupted %v)", err, vm.Interrupted())
	}
	t.Logf("stopped after %s: %v", time.Since(start), err)
	vm.SetDeadline(time.Time{})
	if s := evalString(t, vm, `"after loop"`); s != "after loop" {
		t.Error(s)
	}
	_, err = vm.Eval(context.Background(), "const a = []; for (;;) a.push('x'.repeat(1000) + a.length)", "hog.js")
	if !errors.As(err, &exc) || !strings.Contains(exc.Message, "out of memory") {
		t.Fatalf("hog: %v", err)
	}
	if s := evalString(t, vm, `"after hog"`); s != "after hog" {
		t.Error(s)
	}
}

func TestKilledByContext(t *testing.T) {
	vm := newVM(t, Config{})
	// No deadline for the interrupt hook: only the context stops it.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := vm.Eval(ctx, "for (;;) {}", "loop.js")
	if !errors.Is(err, ErrKilled) || !vm.Closed() {
		t.Fatalf("want killed, got %v (closed %v)", err, vm.Closed())
	}
	vm.Free(1) // harmless on a closed VM
	if v := vm.NewString("x"); v != 0 {
		t.Errorf("NewString on a killed VM: %d", v)
	}
}

// TestKilledInBuiltin: a loop inside C code, which QuickJS's interrupt hook
// never reaches, is killed at the context's deadline, while the garbage
// collector keeps asking every goroutine for a safe point (the looping one
// must give it, or the whole process stalls).
func TestKilledInBuiltin(t *testing.T) {
	vm := newVM(t, Config{})
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
				runtime.GC()
				time.Sleep(time.Millisecond)
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := vm.Eval(ctx, "Array.prototype.join.call({ length: 2 ** 40 }, '')", "join.js")
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrKilled) || !vm.Closed() {
			t.Fatalf("want killed, got %v (closed %v)", err, vm.Closed())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the builtin's loop was not killed")
	}
}

func TestJobs(t *testing.T) {
	var log []string
	vm := newVM(t, Config{Global: "h", Funcs: map[string]Func{
		"log": func(vm *VM, args []Value) (Value, error) {
			s, _ := vm.String(args[0])
			log = append(log, s)
			return 0, nil
		},
	}})
	v, err := vm.Eval(context.Background(), `(async () => { await null; h.log("a"); await 1; h.log("b") })(); h.log("sync")`, "p.js")
	if err != nil {
		t.Fatal(err)
	}
	vm.Free(v)
	if err := vm.RunJobs(context.Background()); err != nil {
		t.Fatal(err)
	}
	if strings.Join(log, ",") != "sync,a,b" {
		t.Errorf("order: %v", log)
	}
}

func BenchmarkCall(b *testing.B) {
	vm := newVM(b, Config{Global: "h", Funcs: map[string]Func{
		"log": func(vm *VM, args []Value) (Value, error) {
			_, _ = vm.String(args[0])
			return 0, nil
		},
	}})
	fn, err := vm.Eval(context.Background(), `(function (s) { const e = JSON.parse(s); h.log("x " + e.id); return 0 })`, "f.js")
	if err != nil {
		b.Fatal(err)
	}
	u := vm.Undefined()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		vm.SetDeadline(time.Now().Add(time.Second))
		s := vm.NewString(`{"id":"abc","role":"Public","args":[1,2,3]}`)
		r, err := vm.Call(ctx, fn, u, s)
		if err != nil {
			b.Fatal(err)
		}
		vm.Free(r)
		vm.Free(s)
	}
}

func TestRun(t *testing.T) {
	vm := newVM(t, Config{})
	if !vm.boxed {
		t.Error("quickjs.wasm's values are not NaN-boxed as expected; Run takes the slow path")
	}
	for code, want := range map[string]string{
		`"a" + "b"`:                           "ab",
		`"x".repeat(5000) + "y".repeat(5000)`: strings.Repeat("x", 5000) + strings.Repeat("y", 5000),
		`JSON.stringify({u: "\u2028é"})`:      `{"u":"` + "\u2028é" + `"}`,
		`JSON.parse("\"line\u2028sep\"")`:     "line\u2028sep",
	} {
		got, err := vm.Run(context.Background(), code, "run.js")
		if err != nil || got != want {
			t.Errorf("Run(%.40q) = %.40q, %v", code, got, err)
		}
	}
	_, err := vm.Run(context.Background(), "null.x", "run.js")
	var exc *Exception
	if !errors.As(err, &exc) || exc.Name != "TypeError" {
		t.Errorf("exception: %v", err)
	}
	// A long script grows the code buffer.
	long := `"` + strings.Repeat("z", 100000) + `"`
	if got, err := vm.Run(context.Background(), long, "run.js"); err != nil || len(got) != 100000 {
		t.Errorf("long: %d %v", len(got), err)
	}
}

// BenchmarkCallString: the shape of one handler event (a string in, the
// envelope, and a string out, the outcome) in both engine modes: killable
// (what the hub runs) and not, to show what the kill fallback costs.
func BenchmarkCallString(b *testing.B) {
	wasm, err := os.ReadFile(runtimePath(b))
	if err != nil {
		b.Fatal(err)
	}
	for _, killable := range []bool{true, false} {
		name := map[bool]string{true: "killable", false: "interrupt-only"}[killable]
		b.Run(name, func(b *testing.B) {
			e, err := New(context.Background(), Options{Wasm: wasm, Killable: killable})
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close(context.Background())
			vm, err := e.NewVM(context.Background(), Config{})
			if err != nil {
				b.Fatal(err)
			}
			fn, err := vm.Eval(context.Background(), `(function (s) {
  const e = JSON.parse(s);
  const out = [];
  for (const a of e.args) out.push(a * 2);
  return '{"s":0,"id":' + JSON.stringify(e.id) + ',"e":[' + JSON.stringify(["reply", out]) + ']}';
})`, "f.js")
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			env := `{"id":"Xy3abcdefghij","role":"Authenticated","args":[1,2,3],"room":"lobby","text":"hello there"}`
			b.ReportAllocs()
			for b.Loop() {
				vm.SetDeadline(time.Now().Add(time.Second))
				if s, err := vm.CallString(ctx, fn, env); err != nil || !strings.HasPrefix(s, `{"s":0`) {
					b.Fatal(s, err)
				}
			}
		})
	}
}

// TestRuntimeVersionPinned keeps RuntimeVersion and the lockfile in step.
func TestRuntimeVersionPinned(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	var lock struct {
		Packages map[string]struct{ Version string } `json:"packages"`
	}
	if err := json.Unmarshal(b, &lock); err != nil {
		t.Fatal(err)
	}
	if got := lock.Packages["node_modules/quickjs-wasi"].Version; got != RuntimeVersion {
		t.Errorf("package-lock.json pins quickjs-wasi %q, RuntimeVersion is %q", got, RuntimeVersion)
	}
}
