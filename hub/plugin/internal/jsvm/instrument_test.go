package jsvm

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/iohub/iohub/hub/plugin/internal/wasmguard"
)

// TestInstrumentQuickJS: the build of package-lock.json is instrumented (the
// rewriter itself is tested in package wasmguard), and deep JavaScript
// recursion still ends in QuickJS's catchable RangeError, not at the Wasm
// stack bound.
func TestInstrumentQuickJS(t *testing.T) {
	wasm, err := os.ReadFile(runtimePath(t))
	if err != nil {
		t.Fatal(err)
	}
	out, st, err := wasmguard.Instrument(wasm, wasmguard.Options{TickModule: "env", TickName: "host_interrupt", StackLimit: StackBound})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("quickjs.wasm: %+v, %d -> %d bytes", st, len(wasm), len(out))
	if st.Loops < 100 || st.Functions < 1000 {
		t.Errorf("only %+v", st)
	}
	e := testEngine(t)
	if e.KillMode != "instrumented" {
		t.Errorf("the test engine kills by %q (%v)", e.KillMode, e.InstrumentErr)
	}
	vm, err := e.NewVM(context.Background(), Config{HeapLimit: 16 << 20, StackLimit: 256 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer vm.Close()
	_, err = vm.Eval(context.Background(), "function f(n) { return n === 0 ? 0 : 1 + f(n - 1) } f(1e6)", "deep.js")
	if err == nil || !strings.Contains(err.Error(), "RangeError") || vm.Closed() {
		t.Errorf("deep recursion: %v (VM closed: %v), want a RangeError and the VM kept", err, vm.Closed())
	}
}
