package jsvm

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func evalFn(t testing.TB, vm *VM, src string) Value {
	t.Helper()
	fn, err := vm.Eval(context.Background(), src, "f.js")
	if err != nil {
		t.Fatal(err)
	}
	return fn
}

func TestCallArgs(t *testing.T) {
	vm := newVM(t, Config{})
	ctx := context.Background()
	fn := evalFn(t, vm, `(function (...a) { return JSON.stringify(a.map((v) => [typeof v, v === undefined ? null : v])); })`)
	got, err := vm.CallArgs(ctx, fn, String("héllo\x00x"), StringBytes([]byte("b")), JSON([]byte(`[{"a":1,"s":"\u00e9\ud83d\ude00"},null]`)),
		Int(7), Int(-1<<31), Int(1<<40), Number(1.5), Number(math.Inf(1)), Undefined, String(""))
	if err != nil {
		t.Fatal(err)
	}
	want := `[["string","héllo\u0000x"],["string","b"],["object",[{"a":1,"s":"é😀"},null]],["number",7],["number",-2147483648],["number",1099511627776],["number",1.5],["number",null],["undefined",null],["string",""]]`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// A large argument grows the scratch buffer.
	big := strings.Repeat("x", 100000)
	if got, err := vm.CallArgs(ctx, evalFn(t, vm, `(function (a, b) { return a.length + ',' + b.length; })`), String("y"), String(big)); err != nil || string(got) != "1,100000" {
		t.Errorf("big: %q %v", got, err)
	}
	// A JSON argument that does not parse: a SyntaxError, and the VM serves on.
	_, err = vm.CallArgs(ctx, fn, String("a"), JSON([]byte(`[1,`)))
	var exc *Exception
	if !errors.As(err, &exc) || exc.Name != "SyntaxError" {
		t.Errorf("bad JSON: %v", err)
	}
	// An exception of the function; a value that is not a string.
	if _, err := vm.CallArgs(ctx, evalFn(t, vm, `(function (m) { throw new TypeError(m); })`), String("boom")); !errors.As(err, &exc) || exc.Error() != "TypeError: boom" {
		t.Errorf("throw: %v", err)
	}
	if got, err := vm.CallArgs(ctx, evalFn(t, vm, `(function () { return {}; })`)); string(got) != "[object Object]" || err != nil {
		t.Errorf("object result: %q %v", got, err)
	}
	if got, err := vm.CallArgs(ctx, evalFn(t, vm, `(function (s) { let r = ''; for (let i = 0; i < 100; i++) r += s + i; return r; })`), String(big)); len(got) != 100*100000+190 || err != nil {
		t.Errorf("rope result: %d bytes, %v", len(got), err)
	}
	if got, err := vm.CallArgs(ctx, fn); err != nil || string(got) != "[]" {
		t.Errorf("no arguments: %q %v", got, err)
	}
	if _, err := vm.CallArgs(ctx, fn, make([]Arg, maxArgs+1)...); err == nil {
		t.Error("too many arguments accepted")
	}
}

// TestCallArgsNoLeak: arguments and results are freed, whatever the call
// comes to; a host call that moves the scratch buffer (a long error
// message) does not confuse the freeing.
func TestCallArgsNoLeak(t *testing.T) {
	vm := newVM(t, Config{Global: "h", Funcs: map[string]Func{
		"fail": func(vm *VM, args []Value) (Value, error) { return 0, errors.New(strings.Repeat("e", 20000)) },
	}})
	ctx := context.Background()
	ok := evalFn(t, vm, `(function (s, o) { return s + o.length; })`)
	move := evalFn(t, vm, `(function (s, o) { try { h.fail(); } catch (e) {} return s + o.length; })`)
	arg := strings.Repeat("a", 1000)
	run := func(n int) {
		for range n {
			if _, err := vm.CallArgs(ctx, ok, String(arg), JSON([]byte(`[1,2,3,{"x":"`+arg+`"}]`))); err != nil {
				t.Fatal(err)
			}
			if _, err := vm.CallArgs(ctx, move, String(arg), JSON([]byte(`[1]`))); err != nil {
				t.Fatal(err)
			}
			if _, err := vm.CallArgs(ctx, ok, String(arg), JSON([]byte(`[1,`))); err == nil {
				t.Fatal("bad JSON accepted")
			}
		}
	}
	run(200) // the heap reaches its working size
	before := vm.MemorySize()
	run(2000)
	if after := vm.MemorySize(); after > before {
		t.Errorf("memory grew from %d to %d bytes over 2000 calls", before, after)
	}
}

// TestCallArgsKilled: CallArgs is stopped by its context like every call.
func TestCallArgsKilled(t *testing.T) {
	vm := newVM(t, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := vm.CallArgs(ctx, evalFn(t, vm, `(function (s) { for (;;) {} })`), String("x"))
	if !errors.Is(err, ErrKilled) || !vm.Closed() {
		t.Fatalf("want killed, got %v (closed %v)", err, vm.Closed())
	}
}

func BenchmarkCallArgs(b *testing.B) {
	vm := newVM(b, Config{})
	ctx := context.Background()
	fn := evalFn(b, vm, `(function (event, args, ack, sid, role, userId, ts, lazy) { return ''; })`)
	args := []Arg{String("chat"), JSON([]byte(`[{"room":"lobby","text":"hello there"}]`)), Int(1),
		String("Xy3abcdefghij"), String("Authenticated"), String("7"), Number(1.7e12), String("[\"a\"]\nnull")}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := vm.CallArgs(ctx, fn, args...); err != nil {
			b.Fatal(err)
		}
	}
}
