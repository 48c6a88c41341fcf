package jsvm

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/iohub/iohub/internal/wattest"
)

func TestInstrumentQuickJS(t *testing.T) {
	wasm, err := os.ReadFile(runtimePath(t))
	if err != nil {
		t.Fatal(err)
	}
	out, loops, err := instrumentLoops(wasm, "env", "host_interrupt")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("quickjs.wasm: %d loops instrumented, %d -> %d bytes", loops, len(wasm), len(out))
	if loops < 100 {
		t.Errorf("only %d loops", loops)
	}
	if e := testEngine(t); e.KillMode != "instrumented" {
		t.Errorf("the test engine kills by %q (%v)", e.KillMode, e.InstrumentErr)
	}
}

// TestInstrumentStops runs a loop that never ends and stops it from its
// tick, in a runtime without close-on-context-done, while the garbage
// collector runs (it needs the looping goroutine to reach a safe point); and
// checks that instrumented code computes what it did before.
func TestInstrumentStops(t *testing.T) {
	ctx := context.Background()
	orig := wattest.Compile(t, filepath.Join("testdata", "spin.wat"))
	wasm, loops, err := instrumentLoops(orig, "env", "host_interrupt")
	if err != nil {
		t.Fatal(err)
	}
	if loops != 3 {
		t.Errorf("%d loops, want 3", loops)
	}
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	var stop, ticks atomic.Int64
	_, err = r.NewHostModuleBuilder("env").NewFunctionBuilder().
		WithFunc(func() int32 {
			ticks.Add(1)
			if stop.Load() != 0 {
				panic(ErrKilled)
			}
			return 0
		}).Export("host_interrupt").Instantiate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	run := func(b []byte, name string) api.Module {
		mod, err := r.InstantiateWithConfig(ctx, b, wazero.NewModuleConfig().WithName(name))
		if err != nil {
			t.Fatal(err)
		}
		return mod
	}
	plain, inst := run(orig, "plain"), run(wasm, "instrumented")
	for _, n := range []uint64{0, 1, 7, 100, 5000} {
		a, err1 := plain.ExportedFunction("count").Call(ctx, n)
		b, err2 := inst.ExportedFunction("count").Call(ctx, n)
		if err1 != nil || err2 != nil || a[0] != b[0] {
			t.Errorf("count(%d): %v %v / %v %v", n, a, err1, b, err2)
		}
	}
	done := make(chan error, 1)
	go func() {
		_, err := inst.ExportedFunction("spin").Call(ctx)
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	runtime.GC() // would wait forever for a loop that never calls Go
	select {
	case err := <-done:
		t.Fatalf("spin returned by itself: %v", err)
	default:
	}
	stop.Store(1)
	select {
	case err := <-done:
		if !errors.Is(err, ErrKilled) {
			t.Fatalf("spin returned %v, want ErrKilled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the tick did not stop the loop")
	}
	if ticks.Load() == 0 {
		t.Error("the loop never called its tick")
	}
}

func TestInstrumentRefuses(t *testing.T) {
	for name, b := range map[string][]byte{
		"empty":     nil,
		"not wasm":  []byte("hello world!"),
		"truncated": append([]byte("\x00asm\x01\x00\x00\x00"), 10, 0x80),
		"no globals": append([]byte("\x00asm\x01\x00\x00\x00"),
			10, 4, 1, 2, 0, 0x0B), // a code section without global and export sections
	} {
		if _, _, err := instrumentLoops(b, "env", "host_interrupt"); !errors.Is(err, errInstrument) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

// FuzzInstrument: any bytes give an error or a module; when wazero accepts
// the input, it accepts the instrumented output too.
func FuzzInstrument(f *testing.F) {
	f.Add(wattest.Compile(f, filepath.Join("testdata", "spin.wat")))
	f.Add([]byte("\x00asm\x01\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, _, err := instrumentLoops(b, "env", "host_interrupt")
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
