// Package jsvm drives the QuickJS-NG build of the npm package quickjs-wasi
// (quickjs.wasm) on wazero: one compiled module, many small VMs, each a wazero
// instance with its own linear memory holding one QuickJS runtime and context.
//
// quickjs.wasm exports a flat C API (qjs_*): values cross the boundary as i32
// pointers to heap-allocated JSValues, strings as (ptr, len) in the guest's
// memory. JavaScript calls into Go through functions made with
// qjs_new_host_function, which all arrive at the env.host_call import with
// their name; the VM dispatches them to the Funcs it was created with.
// QuickJS polls env.host_interrupt while it runs bytecode (and regular
// expressions), which is how a call is stopped at its deadline with the VM
// still usable.
//
// The package knows nothing about iohub: package plugin builds handlers on it.
// A VM is used by one goroutine at a time.
package jsvm

import (
	"context"
	"errors"
	"fmt"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/iohub/iohub/hub/plugin/internal/wasmguard"
)

// RuntimeVersion is the quickjs-wasi release this package is written and
// tested against (package-lock.json pins it). Other builds are accepted when
// they export what requiredExports lists.
const RuntimeVersion = "3.6.2"

// Options configure an Engine.
type Options struct {
	// Wasm is quickjs.wasm from the quickjs-wasi package. Required.
	Wasm []byte
	// MemoryLimit caps each VM's linear memory, in bytes (rounded down to
	// 64 KiB pages). Zero means 32 MiB. It is the hard ceiling behind the
	// JavaScript heap limit of Config.HeapLimit.
	MemoryLimit int64
	// Cache is a wazero compilation cache; nil compiles in memory only.
	Cache wazero.CompilationCache
	// Killable makes a call's context deadline stop the VM even inside a
	// loop that does not poll the interrupt hook (QuickJS's C builtins do not:
	// Array.prototype.join over a huge array-like, a large sort); the VM is
	// unusable afterwards. quickjs.wasm is instrumented for it (package
	// wasmguard: fuel at function entries and loops, a stack bound), which
	// costs about 10-15 %; when that fails, wazero's
	// close-on-context-done does it, which exits to Go at every loop back-edge
	// and makes scripts about five times slower (Engine.KillMode says which).
	// Without Killable, the deadline of SetDeadline still stops scripts (the
	// interpreter and regular expressions poll the hook), but nothing stops a
	// loop inside a builtin: the call runs to its end, and while it does, a
	// garbage collection cannot finish (the goroutine never reaches a safe
	// point) and the process stalls. Only benchmarks should go without it.
	Killable bool
}

// Engine is one wazero runtime with quickjs.wasm compiled in it. Compiling
// takes a few hundred milliseconds (tens with a warm disk cache); a VM made
// from it about two milliseconds.
type Engine struct {
	runtime  wazero.Runtime
	compiled wazero.CompiledModule
	// KillMode is how a call's context deadline stops a VM: "instrumented"
	// (function entries and loops call Go every few milliseconds at most), "close-on-context-done"
	// (wazero's, slow) or "" (not Killable).
	KillMode string
	// InstrumentErr says why instrumentation failed, when it did.
	InstrumentErr error
}

// StackBound is the estimated Wasm call stack (wasmguard) past which a VM's
// call traps; QuickJS's own limit on its C stack stops scripts long before.
const StackBound = 8 << 20

// requiredExports are the qjs_* functions this package calls.
var requiredExports = []string{
	"_initialize", "wasm_malloc", "wasm_free",
	"qjs_init", "qjs_set_memory_limit", "qjs_set_interrupt_handler", "qjs_set_max_stack_size",
	"qjs_eval", "qjs_call", "qjs_new_host_function", "qjs_new_string", "qjs_new_number",
	"qjs_get_undefined", "qjs_get_global", "qjs_get_prop_string", "qjs_set_prop_string",
	"qjs_get_string_len", "qjs_free_cstring", "qjs_get_float64", "qjs_free_value",
	"qjs_is_exception", "qjs_is_error", "qjs_is_string", "qjs_get_exception", "qjs_throw",
	"qjs_new_error", "qjs_is_job_pending", "qjs_execute_pending_job",
}

// New compiles quickjs.wasm and checks that it exports what this package
// uses, so a different build is refused with a clear message rather than
// failing at the first call.
func New(ctx context.Context, opts Options) (*Engine, error) {
	if len(opts.Wasm) == 0 {
		return nil, errors.New("jsvm: no quickjs.wasm bytes")
	}
	limit := opts.MemoryLimit
	if limit <= 0 {
		limit = 32 << 20
	}
	wasm, mode := opts.Wasm, ""
	var instrumentErr error
	if opts.Killable {
		// The fuel's tick is QuickJS's own interrupt hook. The stack bound
		// is far above what QuickJS's stack limit (StackLimit of Config,
		// checked on its stack in linear memory) lets scripts reach, so deep
		// JavaScript recursion still gets a catchable RangeError first.
		if w, _, err := wasmguard.Instrument(opts.Wasm, wasmguard.Options{
			TickModule: "env", TickName: "host_interrupt", StackLimit: StackBound,
		}); err == nil {
			wasm, mode = w, "instrumented"
		} else {
			mode, instrumentErr = "close-on-context-done", err
		}
	}
	rc := wazero.NewRuntimeConfig().
		WithCloseOnContextDone(mode == "close-on-context-done").
		WithMemoryLimitPages(uint32(max(limit/65536, 1)))
	if opts.Cache != nil {
		rc = rc.WithCompilationCache(opts.Cache)
	}
	r := wazero.NewRuntimeWithConfig(ctx, rc)
	fail := func(err error) (*Engine, error) {
		_ = r.Close(ctx)
		return nil, err
	}
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, r); err != nil {
		return fail(fmt.Errorf("jsvm: wasi: %w", err))
	}
	if err := instantiateEnv(ctx, r); err != nil {
		return fail(fmt.Errorf("jsvm: env module: %w", err))
	}
	if err := wasmguard.Instantiate(ctx, r, func(context.Context) {}); err != nil {
		return fail(fmt.Errorf("jsvm: guard module: %w", err))
	}
	cm, err := r.CompileModule(ctx, wasm)
	if err != nil {
		return fail(fmt.Errorf("jsvm: quickjs.wasm does not compile: %w", err))
	}
	fns := cm.ExportedFunctions()
	var missing []string
	for _, name := range requiredExports {
		if _, ok := fns[name]; !ok {
			missing = append(missing, name)
		}
	}
	if _, ok := cm.ExportedMemories()["memory"]; !ok {
		missing = append(missing, "memory")
	}
	missing = append(missing, checkRawExports(fns)...)
	if len(missing) > 0 {
		return fail(fmt.Errorf("jsvm: quickjs.wasm lacks exports %v (or they have other signatures): not the quickjs-wasi build this hub expects", missing))
	}
	for _, imp := range cm.ImportedFunctions() {
		mod, name, _ := imp.Import()
		if _, ok := envFuncs[name]; mod == "env" && !ok {
			return fail(fmt.Errorf("jsvm: quickjs.wasm imports env.%s, which this hub does not provide", name))
		}
	}
	return &Engine{runtime: r, compiled: cm, KillMode: mode, InstrumentErr: instrumentErr}, nil
}

// Close frees the runtime and every VM still open.
func (e *Engine) Close(ctx context.Context) error { return e.runtime.Close(ctx) }

// vmKey finds the VM a host import is called for: every guest call carries
// its VM in the context.
type vmKey struct{}

func vmFrom(ctx context.Context) *VM {
	vm, _ := ctx.Value(vmKey{}).(*VM)
	if vm == nil {
		panic(errors.New("jsvm: host import called outside a VM call"))
	}
	return vm
}

// envFuncs implement the "env" imports of quickjs.wasm.
var envFuncs = map[string]struct {
	fn              api.GoModuleFunc
	params, results []api.ValueType
}{
	// host_call(name_ptr, name_len, this_ptr, argc, argv_ptr) -> JSValue*:
	// a JavaScript call of a function made by qjs_new_host_function.
	"host_call": {func(ctx context.Context, m api.Module, s []uint64) {
		s[0] = uint64(vmFrom(ctx).hostCall(m, uint32(s[0]), uint32(s[1]), uint32(s[3]), uint32(s[4])))
	}, []api.ValueType{i32, i32, i32, i32, i32}, []api.ValueType{i32}},
	// host_interrupt() -> non-zero to stop the running script. QuickJS polls
	// it while it interprets; instrumented loops call it too (instrument.go),
	// and a killed VM's call traps here.
	"host_interrupt": {func(ctx context.Context, _ api.Module, s []uint64) {
		vm := vmFrom(ctx)
		s[0] = uint64(vm.interrupt())        // may mark the VM killed (its CPU limit)
		if vm.killable && ctx.Err() != nil { // the call's context ended (VM.enter)
			vm.killed.Store(true)
		}
		if vm.killed.Load() {
			panic(ErrKilled)
		}
	}, nil, []api.ValueType{i32}},
	// host_get_timezone_offset(hi, lo) -> seconds east of UTC: VMs run in
	// UTC, so handlers behave the same on every machine.
	"host_get_timezone_offset": {func(_ context.Context, _ api.Module, s []uint64) {
		s[0] = 0
	}, []api.ValueType{i32, i32}, []api.ValueType{i32}},
	// The promise rejection tracker and the module loader are never enabled;
	// these only keep the instance linkable (and free what they are given).
	"host_promise_rejection": {func(ctx context.Context, _ api.Module, s []uint64) {
		vm := vmFrom(ctx)
		vm.Free(Value(s[0]))
		vm.Free(Value(s[1]))
	}, []api.ValueType{i32, i32, i32}, nil},
	"host_module_normalize": {func(_ context.Context, _ api.Module, s []uint64) {
		s[0] = 0
	}, []api.ValueType{i32, i32}, []api.ValueType{i32}},
	"host_module_load": {func(_ context.Context, _ api.Module, s []uint64) {
		s[0] = 0
	}, []api.ValueType{i32, i32}, []api.ValueType{i32}},
}

const i32 = api.ValueTypeI32

func instantiateEnv(ctx context.Context, r wazero.Runtime) error {
	b := r.NewHostModuleBuilder("env")
	for name, f := range envFuncs {
		b.NewFunctionBuilder().WithGoModuleFunction(f.fn, f.params, f.results).Export(name)
	}
	_, err := b.Instantiate(ctx)
	return err
}
