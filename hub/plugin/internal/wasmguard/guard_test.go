package wasmguard

import (
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/iohub/iohub/internal/wattest"
)

func fixture(t testing.TB, name string) []byte {
	return wattest.Compile(t, filepath.Join("testdata", name+".wat"))
}

// guest is a runtime with env.nothing and the guard module, whose tick
// counts and traps once stop is set.
type guest struct {
	r           wazero.Runtime
	ticks, stop atomic.Int64
}

var errStopped = errors.New("stopped by the tick")

func newGuest(t testing.TB) *guest {
	ctx := context.Background()
	g := &guest{r: wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig())}
	t.Cleanup(func() { _ = g.r.Close(ctx) })
	if _, err := g.r.NewHostModuleBuilder("env").NewFunctionBuilder().WithFunc(func() {}).Export("nothing").Instantiate(ctx); err != nil {
		t.Fatal(err)
	}
	err := Instantiate(ctx, g.r, func(context.Context) {
		g.ticks.Add(1)
		if g.stop.Load() != 0 {
			panic(errStopped)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func (g *guest) load(t testing.TB, b []byte) api.Module {
	m, err := g.r.InstantiateWithConfig(context.Background(), b, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func call(m api.Module, name string, args ...uint64) (uint64, error) {
	r, err := m.ExportedFunction(name).Call(context.Background(), args...)
	if err != nil || len(r) == 0 {
		return 0, err
	}
	return r[0], nil
}

var testOptions = Options{StackLimit: 1 << 20, TableLimit: 1000, MemoryLimitPages: 16, GlobalLimit: 100}

// TestSemantics: instrumented code computes what the original does, with a
// tick small enough to run often.
func TestSemantics(t *testing.T) {
	orig := fixture(t, "semantics")
	for _, o := range []Options{testOptions, {FuelPerTick: 3}, {FuelPerTick: 1, StackLimit: 1 << 16}} {
		out, st, err := Instrument(orig, o)
		if err != nil {
			t.Fatal(err)
		}
		if st.Loops != 1 || st.Functions != 10 {
			t.Errorf("stats %+v", st)
		}
		g := newGuest(t)
		plain, inst := g.load(t, orig), g.load(t, out)
		cases := []struct {
			fn   string
			args []uint64
		}{
			{"fib", []uint64{15}}, {"sum", []uint64{1000}}, {"started", nil}, {"viaref", nil}, {"stacky", []uint64{100}},
			{"pair", []uint64{0}}, {"pair", []uint64{5}}, {"indirect", []uint64{0, 10}}, {"indirect", []uint64{1, 10}},
		}
		for x := uint64(0); x < 7; x++ {
			cases = append(cases, struct {
				fn   string
				args []uint64
			}{"early", []uint64{x}}, struct {
				fn   string
				args []uint64
			}{"indirect", []uint64{2, x}})
		}
		for _, c := range cases {
			want, err1 := call(plain, c.fn, c.args...)
			got, err2 := call(inst, c.fn, c.args...)
			if err1 != nil || err2 != nil || want != got {
				t.Errorf("%+v: %s%v = %d %v, instrumented %d %v", o, c.fn, c.args, want, err1, got, err2)
			}
		}
		if o.FuelPerTick > 0 && g.ticks.Load() == 0 {
			t.Errorf("%+v: no tick", o)
		}
	}
}

// TestLimits: loop-free exponential recursion reaches the tick while the
// garbage collector waits for it; recursion stops at the stack bound with
// little memory used; table.grow stops at the table limit.
func TestLimits(t *testing.T) {
	out, _, err := Instrument(fixture(t, "limits"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	g := newGuest(t)
	m := g.load(t, out)
	for fn, args := range map[string][]uint64{"tree": {60}, "spin": nil} {
		g.stop.Store(0)
		done := make(chan error, 1)
		go func() {
			_, err := call(m, fn, args...)
			done <- err
		}()
		time.Sleep(20 * time.Millisecond)
		gc := make(chan struct{})
		go func() { runtime.GC(); close(gc) }()
		select {
		case <-gc:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: a garbage collection waited 5s for the guest", fn)
		}
		g.stop.Store(1)
		if err := <-done; !errors.Is(err, errStopped) {
			t.Errorf("%s: %v, want the tick's error", fn, err)
		}
	}
	if _, err := call(g.load(t, out), "deep", 0); !errors.Is(err, ErrStackOverflow) {
		t.Errorf("deep: %v, want ErrStackOverflow", err)
	}
	m = g.load(t, out)
	for _, c := range []struct{ delta, want uint32 }{{0x7fffffff, 0xffffffff}, {200_000_000, 0xffffffff}, {1000, 0xffffffff}, {999, 1}, {1, 0xffffffff}} {
		if got, err := call(m, "grow", uint64(c.delta)); err != nil || uint32(got) != c.want {
			t.Errorf("table.grow %d = %d %v, want %d", c.delta, int32(got), err, int32(c.want))
		}
	}
}

// TestRefused: modules over the limits, and what cannot be decoded.
func TestRefused(t *testing.T) {
	tests := []struct {
		name, wat string
		err       error
		message   string
	}{
		{"big table", `(module (table 10000000 funcref))`, ErrLimit, "tables declare 10000000 entries; the limit is 1000"},
		{"two tables", `(module (table 600 funcref) (table 600 externref))`, ErrLimit, "tables declare 1200 entries; the limit is 1000"},
		{"big memory", `(module (memory 17))`, ErrLimit, "memory declares 17 pages (1 MiB); the limit is 16 pages (1 MiB)"},
		{"big data", `(module (memory 1) (data (i32.const 0) "` + strings.Repeat("x", 600_000) + `") (data "` + strings.Repeat("x", 600_000) + `"))`,
			ErrLimit, "data segments hold 1200000 bytes; the memory limit is 1048576"},
		{"big element", `(module (table 1 funcref) (func $f) (elem funcref` + strings.Repeat(" (ref.func $f)", 1001) + `))`,
			ErrLimit, "element segment 0 has 1001 entries"},
		{"globals", `(module` + strings.Repeat(" (global i32 (i32.const 0))", 101) + `)`, ErrLimit, "101 globals; the limit is 100"},
		{"reserved", `(module (import "iohub_guard" "tick" (func)))`, ErrUnsupported, "reserved"},
		{"atomics", `(module (memory 1 1 shared) (func (drop (i32.atomic.load (i32.const 0)))))`, ErrUnsupported, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "m.wat")
			wattest.WriteAtomic(t, path, []byte(tt.wat))
			b := wattest.CompileWith(t, path, "--enable-threads")
			_, _, err := Instrument(b, testOptions)
			if !errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.message) {
				t.Errorf("err = %v, want %v with %q", err, tt.err, tt.message)
			}
		})
	}
	for name, b := range map[string][]byte{
		"empty":     nil,
		"not wasm":  []byte("hello world!"),
		"truncated": append([]byte("\x00asm\x01\x00\x00\x00"), 10, 0x80),
		"no types":  append([]byte("\x00asm\x01\x00\x00\x00"), 3, 2, 1, 0, 10, 4, 1, 2, 0, 0x0B),
	} {
		if _, _, err := Instrument(b, testOptions); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

// FuzzInstrument: any bytes give an error or a module; when wazero accepts
// the input, it accepts the instrumented output too.
func FuzzInstrument(f *testing.F) {
	f.Add(fixture(f, "semantics"))
	f.Add(fixture(f, "limits"))
	f.Add([]byte("\x00asm\x01\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, _, err := Instrument(b, testOptions)
		if err != nil {
			return
		}
		ctx := context.Background()
		r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
		defer r.Close(ctx)
		if _, err := r.CompileModule(ctx, b); err != nil {
			return
		}
		if _, err := r.CompileModule(ctx, out); err != nil {
			t.Fatalf("the input compiles, its instrumented version does not: %v", err)
		}
	})
}
