package jsvm

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// Value is a QuickJS value held by the host: a pointer to a heap-allocated
// JSValue in the VM's memory. Values returned by VM methods are owned by the
// caller, who frees them with Free; the arguments a Func receives are
// borrowed and freed by QuickJS after the Func returns.
type Value uint32

// Func is a host function callable from JavaScript. It returns a Value the
// caller owns no more (QuickJS takes it), or an error, which is thrown into
// the script as an Error with the error's text. A Func must not run
// JavaScript (no Call, Eval or RunJobs): it is itself inside one.
type Func func(vm *VM, args []Value) (Value, error)

// Config configures one VM.
type Config struct {
	// HeapLimit bounds the JavaScript heap, in bytes: an allocation past it
	// throws "out of memory" inside the script (catchable), leaving the VM
	// usable. Zero means no limit beyond the engine's MemoryLimit.
	HeapLimit int64
	// StackLimit bounds the JavaScript stack, in bytes (a runaway recursion
	// throws a RangeError). Zero keeps QuickJS's default.
	StackLimit int64
	// Funcs are installed as properties of the global object Global (a plain
	// object), by name, before any script runs.
	Funcs  map[string]Func
	Global string
	// Stdout and Stderr receive what the runtime writes through WASI (QuickJS
	// itself writes nothing; there is no console but what the caller builds).
	Stdout, Stderr io.Writer
}

// VM is one QuickJS runtime and context in its own wazero instance.
type VM struct {
	mod    api.Module
	mem    api.Memory
	funcs  map[string]Func
	ctx    context.Context // the context of the outer call running, for nested calls: &cctx or nil
	cctx   vmCtx
	closed bool

	deadline    time.Time
	cpuClock    func() time.Duration // nil: no CPU limit (SetCPULimit)
	cpuStart    time.Duration
	cpuLimit    time.Duration
	interrupted bool
	killable    bool        // instrumented: a call's context end kills it
	killed      atomic.Bool // the call's context ended: the next host_interrupt traps
	depth       int         // host calls in progress (for the args slice)
	args        []Value

	scratch    uint32 // wasm_malloc'd: [0,4) length out-parameter, [8,8+8*maxArgs) argv, then string bytes
	scratchCap uint32
	code       uint32 // wasm_malloc'd source buffer of Run, never touched by host calls
	codeCap    uint32
	boxed      bool  // JSValues are NaN-boxed 8-byte words whose tag the host can read itself
	undef      Value // undefined, the this of CallString
	strArgs    []Value

	// Exported functions. Those that run JavaScript (eval, call, jobs) are
	// only called from outside a host call; helpers never run JavaScript, so
	// they may be called from inside one. wazero's functions are not
	// re-entrant, which this split guarantees.
	fEval, fCall, fJobPending, fExecJob                     api.Function
	fMalloc, fFree, fNewString, fNewNumber, fGetUndefined   api.Function
	fGetPropString, fSetPropString, fGetStringLen, fFreeStr api.Function
	fGetFloat64, fFreeValue, fIsException, fIsError         api.Function
	fIsString, fGetException, fThrow, fNewError             api.Function
	fNewHostFunction, fGetGlobal, fNewObject                api.Function
	stack                                                   []uint64
	// hstack is call1's: helpers are not re-entered (a nested call1, from a
	// host call, starts after the outer one took its parameters, and ends
	// before it writes its results).
	hstack [5]uint64

	raw     rawAPI // QuickJS's own API, for CallArgs (args.go)
	argVals [maxArgs]uint64
}

const (
	maxArgs       = 12
	stringsOffset = 8 + 8*maxArgs // argv holds 8-byte JSValues for CallArgs
	minScratch    = 4096
)

// NewVM instantiates quickjs.wasm and initialises a QuickJS runtime in it.
func (e *Engine) NewVM(ctx context.Context, cfg Config) (*VM, error) {
	mc := wazero.NewModuleConfig().
		WithName("").
		WithStartFunctions(). // _initialize is called below, with the VM in the context
		WithSysWalltime().
		WithSysNanotime().
		WithRandSource(rand.Reader)
	if cfg.Stdout != nil {
		mc = mc.WithStdout(cfg.Stdout)
	}
	if cfg.Stderr != nil {
		mc = mc.WithStderr(cfg.Stderr)
	}
	vm := &VM{funcs: cfg.Funcs, stack: make([]uint64, 8)}
	vm.cctx.vm = vm
	ictx := context.WithValue(ctx, vmKey{}, vm)
	mod, err := e.runtime.InstantiateModule(ictx, e.compiled, mc)
	if err != nil {
		return nil, fmt.Errorf("jsvm: instantiate: %w", err)
	}
	vm.mod, vm.mem = mod, mod.Memory()
	vm.killable = e.KillMode == "instrumented"
	f := mod.ExportedFunction
	vm.fEval, vm.fCall, vm.fJobPending, vm.fExecJob = f("qjs_eval"), f("qjs_call"), f("qjs_is_job_pending"), f("qjs_execute_pending_job")
	vm.fMalloc, vm.fFree, vm.fNewString, vm.fNewNumber = f("wasm_malloc"), f("wasm_free"), f("qjs_new_string"), f("qjs_new_number")
	vm.fGetUndefined, vm.fGetPropString, vm.fSetPropString = f("qjs_get_undefined"), f("qjs_get_prop_string"), f("qjs_set_prop_string")
	vm.fGetStringLen, vm.fFreeStr, vm.fGetFloat64, vm.fFreeValue = f("qjs_get_string_len"), f("qjs_free_cstring"), f("qjs_get_float64"), f("qjs_free_value")
	vm.fIsException, vm.fIsError, vm.fIsString = f("qjs_is_exception"), f("qjs_is_error"), f("qjs_is_string")
	vm.fGetException, vm.fThrow, vm.fNewError = f("qjs_get_exception"), f("qjs_throw"), f("qjs_new_error")
	vm.fNewHostFunction, vm.fGetGlobal, vm.fNewObject = f("qjs_new_host_function"), f("qjs_get_global"), f("qjs_new_object")
	vm.raw.init(f)

	fail := func(err error) (*VM, error) {
		vm.Close()
		return nil, err
	}
	if _, err := f("_initialize").Call(ictx); err != nil {
		return fail(fmt.Errorf("jsvm: _initialize: %w", err))
	}
	if r, err := f("qjs_init").Call(ictx); err != nil || int32(r[0]) != 0 {
		return fail(fmt.Errorf("jsvm: qjs_init failed: %v", err))
	}
	if cfg.HeapLimit > 0 {
		if _, err := f("qjs_set_memory_limit").Call(ictx, uint64(uint32(min(cfg.HeapLimit, 1<<32-1)))); err != nil {
			return fail(err)
		}
	}
	if cfg.StackLimit > 0 {
		if _, err := f("qjs_set_max_stack_size").Call(ictx, uint64(uint32(cfg.StackLimit))); err != nil {
			return fail(err)
		}
	}
	if _, err := f("qjs_set_interrupt_handler").Call(ictx, 1); err != nil {
		return fail(err)
	}
	if err := vm.install(ictx, cfg.Global, cfg.Funcs); err != nil {
		return fail(err)
	}
	if !vm.boxed {
		return fail(errors.New("jsvm: quickjs.wasm's values are not NaN-boxed 8-byte words: not the quickjs-wasi build this hub expects"))
	}
	r, err := vm.raw.ctxPtr.Call(ictx)
	if err != nil {
		return fail(err)
	}
	vm.raw.ctx = r[0]
	return vm, nil
}

// JSValue tags of the NaN-boxed representation quickjs.wasm uses on wasm32
// (the high word of the 8-byte value).
const (
	tagUndefined = 3
	tagException = 6
	tagString    = 0xfffffff9 // -7
)

// install allocates the scratch buffer and makes the global object named
// global holding one function per Func.
func (vm *VM) install(ctx context.Context, global string, funcs map[string]Func) (err error) {
	vm.enter(ctx)
	defer vm.leave(ctx, &err)
	if err := vm.growScratch(minScratch); err != nil {
		return err
	}
	// Check the value representation once, so Run can tell an exception from
	// a string by reading the value instead of making two more guest calls.
	u := Value(vm.call1(vm.fGetUndefined))
	e := Value(vm.call1(vm.fNewString, uint64(vm.scratch), 0))
	vm.boxed = vm.highWord(u) == tagUndefined && vm.highWord(e) == tagString
	vm.undef = u
	vm.call0(vm.fFreeValue, uint64(e))
	if len(funcs) == 0 {
		return nil
	}
	obj := Value(vm.call1(vm.fNewObject))
	for name := range funcs {
		p, n := vm.putString(name, false)
		fn := Value(vm.call1(vm.fNewHostFunction, uint64(p), uint64(n), 0))
		vm.setProp(obj, name, fn)
		vm.call0(vm.fFreeValue, uint64(fn))
	}
	g := Value(vm.call1(vm.fGetGlobal))
	vm.setProp(g, global, obj)
	vm.call0(vm.fFreeValue, uint64(g))
	vm.call0(vm.fFreeValue, uint64(obj))
	return nil
}

// Close frees the VM's instance. Safe to call twice.
func (vm *VM) Close() {
	if vm.closed {
		return
	}
	vm.closed = true
	if vm.mod != nil {
		_ = vm.mod.Close(context.Background())
	}
}

// Closed reports whether the VM can no longer be used: closed, or killed by
// its context's deadline.
func (vm *VM) Closed() bool { return vm.closed || vm.mod.IsClosed() }

// MemorySize is the VM's linear memory size in bytes: what it costs, and
// what grows when a script retains data.
func (vm *VM) MemorySize() uint32 { return vm.mem.Size() }

// SetDeadline makes QuickJS stop the running script with an uncatchable
// "interrupted" error once t has passed. The zero time means none.
func (vm *VM) SetDeadline(t time.Time) {
	vm.deadline = t
	vm.interrupted = false
}

// SetCPULimit makes QuickJS stop the running script with an uncatchable
// "interrupted" error once it has used limit of CPU time as clock measures it
// from now (the caller's thread CPU clock, with the goroutine locked to its
// thread for the call), and kills an instrumented VM at twice that: code that
// does not poll the interrupt hook (a long builtin) still reaches the
// instrumented loop checks. A zero limit or nil clock removes the limit.
func (vm *VM) SetCPULimit(limit time.Duration, clock func() time.Duration) {
	if limit <= 0 || clock == nil {
		vm.cpuClock = nil
	} else {
		vm.cpuClock, vm.cpuLimit, vm.cpuStart = clock, limit, clock()
	}
	vm.interrupted = false
}

// Interrupted reports whether a script ran past the deadline since the last
// SetDeadline (QuickJS was asked to stop it; a builtin that does not poll the
// hook runs on until the call's context kills the VM).
func (vm *VM) Interrupted() bool { return vm.interrupted }

func (vm *VM) interrupt() int32 {
	if vm.cpuClock != nil {
		used := vm.cpuClock() - vm.cpuStart
		if used > 2*vm.cpuLimit && vm.killable {
			vm.killed.Store(true)
		}
		if used > vm.cpuLimit {
			vm.interrupted = true
			return 1
		}
	}
	if vm.deadline.IsZero() || time.Now().Before(vm.deadline) {
		return 0
	}
	vm.interrupted = true
	return 1
}

// Exception is a JavaScript exception that escaped a script.
type Exception struct {
	Name    string // "SyntaxError", "TypeError", "InternalError", ... ("" for a thrown non-Error)
	Message string
	Stack   string // QuickJS's "    at f (file.js:3:5)" lines, when the value had a stack
}

func (e *Exception) Error() string {
	if e.Name == "" {
		return e.Message
	}
	return e.Name + ": " + e.Message
}

// ErrKilled is returned when a call ran past its context and the instance was
// closed: the VM is unusable.
var ErrKilled = errors.New("jsvm: VM killed at its context deadline")

// enter makes ctx (carrying the VM) the context of the guest calls of one
// outer call, and the deferred leave ends it: it turns a panic of a helper
// (a trap, or the instance killed under it) into *err and closes the VM
// then. With an instrumented module, ctx's end kills the VM: host_interrupt
// polls ctx.Err and traps (it is called every few milliseconds at most:
// package wasmguard). Polling, not a callback on ctx.Done, so that a
// context that arms a timer or a goroutine only when Done is asked for (the
// plugin package's) costs neither.
func (vm *VM) enter(ctx context.Context) {
	if vm.ctx != nil {
		panic("jsvm: VM used by two calls at once, or JavaScript run from inside a host function")
	}
	vm.cctx.Context = ctx
	vm.ctx = &vm.cctx
}

func (vm *VM) leave(ctx context.Context, err *error) {
	vm.ctx, vm.cctx.Context = nil, nil
	if vm.killable && ctx.Err() != nil {
		// The deadline came: even when the call made it, the VM may have
		// been marked, and cannot run again.
		vm.killed.Store(true)
		defer vm.Close()
	}
	if r := recover(); r != nil {
		e, ok := r.(error)
		if !ok {
			e = fmt.Errorf("%v", r)
		}
		*err = vm.callErr(e)
	}
}

// vmCtx is the context of a VM's guest calls: the outer call's, carrying
// the VM for the host imports. One per VM, reused by every call.
type vmCtx struct {
	context.Context
	vm *VM
}

func (c *vmCtx) Value(key any) any {
	if _, ok := key.(vmKey); ok {
		return c.vm
	}
	return c.Context.Value(key)
}

// callErr wraps a failed guest call: a killed instance, or a trap.
func (vm *VM) callErr(err error) error {
	if errors.Is(err, ErrKilled) {
		return err
	}
	if vm.killed.Load() || vm.mod.IsClosed() {
		vm.Close()
		return fmt.Errorf("%w: %v", ErrKilled, err)
	}
	vm.Close() // a trap leaves QuickJS in an unknown state
	return fmt.Errorf("jsvm: trap: %w", err)
}

// Eval runs code as a global script named filename and returns its value.
func (vm *VM) Eval(ctx context.Context, code, filename string) (_ Value, err error) {
	vm.enter(ctx)
	defer vm.leave(ctx, &err)
	// Not in the scratch buffer: nested host calls reuse that while the
	// script runs.
	buf, err := vm.alloc(len(code) + len(filename) + 2)
	if err != nil {
		return 0, err
	}
	vm.write(buf, code)
	vm.write(buf+uint32(len(code)), "\x00")
	name := buf + uint32(len(code)) + 1
	vm.write(name, filename+"\x00")
	vm.stack[0], vm.stack[1], vm.stack[2], vm.stack[3] = uint64(buf), uint64(len(code)), uint64(name), 0
	if err := vm.fEval.CallWithStack(vm.ctx, vm.stack); err != nil {
		return 0, vm.callErr(err)
	}
	v := Value(vm.stack[0])
	vm.call0(vm.fFree, uint64(buf))
	return vm.result(v)
}

// CallString calls fn with string arguments (at most 8) and returns its
// value, which must be a string. It is the path of one handler event, made of
// as few guest calls as possible (each crosses into Wasm and back): one per
// argument to make it, the call, two to read the result, then one per value
// to free.
func (vm *VM) CallString(ctx context.Context, fn Value, args ...string) (_ string, err error) {
	if len(args) > maxArgs {
		return "", fmt.Errorf("jsvm: at most %d arguments", maxArgs)
	}
	vm.enter(ctx)
	defer vm.leave(ctx, &err)
	vals := vm.strArgs[:0]
	defer func() {
		for _, v := range vals {
			if v != 0 && !vm.Closed() {
				vm.call0(vm.fFreeValue, uint64(v))
			}
		}
		vm.strArgs = vals[:0]
	}()
	for _, a := range args {
		p, n := vm.putString(a, false)
		v := Value(vm.call1(vm.fNewString, uint64(p), uint64(n)))
		if v == 0 {
			return "", errors.New("jsvm: out of memory in the VM")
		}
		vals = append(vals, v)
	}
	for i, v := range vals {
		vm.putU32(vm.scratch+8+4*uint32(i), uint32(v))
	}
	vm.stack[0], vm.stack[1], vm.stack[2], vm.stack[3] = uint64(fn), uint64(vm.undef), uint64(len(vals)), uint64(vm.scratch+8)
	if err := vm.fCall.CallWithStack(vm.ctx, vm.stack); err != nil {
		return "", vm.callErr(err)
	}
	return vm.takeString(Value(vm.stack[0]))
}

// takeString reads and frees the string value of a call. An exception is
// told from a string by reading the value's tag when the representation
// allows (saving two guest calls).
func (vm *VM) takeString(v Value) (string, error) {
	if v == 0 {
		return "", errors.New("jsvm: out of memory in the VM")
	}
	var isExc bool
	if vm.boxed {
		isExc = vm.highWord(v) == tagException
	} else {
		isExc = vm.call1(vm.fIsException, uint64(v)) != 0
	}
	if isExc {
		vm.call0(vm.fFreeValue, uint64(v))
		return "", vm.exception()
	}
	s, ok := vm.stringOf(v) // converts a non-string: callers' scripts return strings
	vm.call0(vm.fFreeValue, uint64(v))
	if !ok {
		return "", errors.New("jsvm: the script's value is not a string")
	}
	return s, nil
}

// Run evaluates code as a global script and returns its value as a string.
// Compiling costs microseconds: call functions for what is frequent.
func (vm *VM) Run(ctx context.Context, code, filename string) (_ string, err error) {
	vm.enter(ctx)
	defer vm.leave(ctx, &err)
	need := uint32(len(code) + len(filename) + 2)
	if need > vm.codeCap {
		c := max(need, 2*vm.codeCap, minScratch)
		p, err := vm.alloc(int(c))
		if err != nil {
			return "", err
		}
		if vm.code != 0 {
			vm.call0(vm.fFree, uint64(vm.code))
		}
		vm.code, vm.codeCap = p, c
	}
	vm.write(vm.code, code)
	vm.write(vm.code+uint32(len(code)), "\x00"+filename+"\x00")
	vm.stack[0], vm.stack[1], vm.stack[2], vm.stack[3] = uint64(vm.code), uint64(len(code)), uint64(vm.code+uint32(len(code))+1), 0
	if err := vm.fEval.CallWithStack(vm.ctx, vm.stack); err != nil {
		return "", vm.callErr(err)
	}
	return vm.takeString(Value(vm.stack[0]))
}

func (vm *VM) highWord(v Value) uint32 { return vm.u32(uint32(v) + 4) }

// Call calls fn with this and args (at most 8) and returns its value.
func (vm *VM) Call(ctx context.Context, fn, this Value, args ...Value) (_ Value, err error) {
	if len(args) > maxArgs {
		return 0, fmt.Errorf("jsvm: at most %d arguments", maxArgs)
	}
	vm.enter(ctx)
	defer vm.leave(ctx, &err)
	// argv is copied by qjs_call before any JavaScript runs, so the scratch
	// buffer is free again for nested host calls.
	for i, a := range args {
		vm.putU32(vm.scratch+8+4*uint32(i), uint32(a))
	}
	vm.stack[0], vm.stack[1], vm.stack[2], vm.stack[3] = uint64(fn), uint64(this), uint64(len(args)), uint64(vm.scratch+8)
	if err := vm.fCall.CallWithStack(vm.ctx, vm.stack); err != nil {
		return 0, vm.callErr(err)
	}
	return vm.result(Value(vm.stack[0]))
}

// RunJobs runs pending jobs (promise reactions) until none is left. A job
// that throws is reported after the queue ran dry.
func (vm *VM) RunJobs(ctx context.Context) (err error) {
	vm.enter(ctx)
	defer vm.leave(ctx, &err)
	var first error
	for {
		if err := vm.fJobPending.CallWithStack(vm.ctx, vm.stack); err != nil {
			return vm.callErr(err)
		}
		if int32(vm.stack[0]) == 0 {
			return first
		}
		if err := vm.fExecJob.CallWithStack(vm.ctx, vm.stack); err != nil {
			return vm.callErr(err)
		}
		if int32(vm.stack[0]) < 0 && first == nil {
			first = vm.exception()
		}
	}
}

// result turns a returned value into (value, nil) or (0, *Exception).
func (vm *VM) result(v Value) (Value, error) {
	if v == 0 {
		return 0, errors.New("jsvm: out of memory in the VM")
	}
	if vm.call1(vm.fIsException, uint64(v)) != 0 {
		vm.Free(v)
		return 0, vm.exception()
	}
	return v, nil
}

// exception takes the pending exception and describes it. Property reads may
// run getters of the thrown object: still under the caller's deadline.
func (vm *VM) exception() *Exception {
	exc := Value(vm.call1(vm.fGetException))
	defer vm.Free(exc)
	e := &Exception{}
	if vm.call1(vm.fIsError, uint64(exc)) == 0 {
		e.Message, _ = vm.stringOf(exc)
		return e
	}
	e.Name = vm.propString(exc, "name")
	e.Message = vm.propString(exc, "message")
	e.Stack = strings.TrimRight(vm.propString(exc, "stack"), "\n")
	return e
}

func (vm *VM) propString(obj Value, name string) string {
	v := vm.getProp(obj, name)
	defer vm.Free(v)
	if vm.call1(vm.fIsString, uint64(v)) == 0 {
		return ""
	}
	s, _ := vm.stringOf(v)
	return s
}

// Get returns obj[name].
func (vm *VM) Get(obj Value, name string) Value {
	defer vm.helper()()
	return vm.getProp(obj, name)
}

// Global returns the global object.
func (vm *VM) Global() Value {
	defer vm.helper()()
	return Value(vm.call1(vm.fGetGlobal))
}

// NewString makes a string; its bytes are taken as UTF-8.
func (vm *VM) NewString(s string) Value {
	defer vm.helper()()
	p, n := vm.putString(s, false)
	return Value(vm.call1(vm.fNewString, uint64(p), uint64(n)))
}

// NewNumber makes a number.
func (vm *VM) NewNumber(f float64) Value {
	defer vm.helper()()
	return Value(vm.call1(vm.fNewNumber, api.EncodeF64(f)))
}

// Undefined returns a new handle to undefined.
func (vm *VM) Undefined() Value {
	defer vm.helper()()
	return Value(vm.call1(vm.fGetUndefined))
}

// String returns v as a Go string when it is a JavaScript string. Lone
// surrogates come out as WTF-8 bytes (not valid UTF-8).
func (vm *VM) String(v Value) (string, bool) {
	defer vm.helper()()
	if vm.call1(vm.fIsString, uint64(v)) == 0 {
		return "", false
	}
	return vm.stringOf(v)
}

// Number returns v converted to a number (NaN for what does not convert).
// Call it on numbers only: converting an object would run its valueOf.
func (vm *VM) Number(v Value) float64 {
	defer vm.helper()()
	return api.DecodeF64(vm.call1(vm.fGetFloat64, uint64(v)))
}

// Free releases a Value. Zero is ignored.
func (vm *VM) Free(v Value) {
	if v == 0 || vm.Closed() {
		return
	}
	defer vm.helper()()
	vm.call0(vm.fFreeValue, uint64(v))
}

// helper gives calls made outside any outer call (from Go code preparing
// arguments or dropping results) a context carrying the VM, and turns their
// failure into a closed VM (a zero Value for the caller) instead of a panic.
// Inside an outer call it does nothing: a failure there ends the outer call.
func (vm *VM) helper() func() {
	if vm.ctx != nil {
		return func() {}
	}
	vm.cctx.Context = context.Background()
	vm.ctx = &vm.cctx
	return func() {
		vm.ctx, vm.cctx.Context = nil, nil
		if r := recover(); r != nil {
			vm.Close()
		}
	}
}

// hostCall runs the Func a JavaScript call of a host function names.
func (vm *VM) hostCall(m api.Module, namePtr, nameLen, argc, argv uint32) uint32 {
	nb, ok := m.Memory().Read(namePtr, nameLen)
	if !ok {
		panic(errors.New("jsvm: host function name out of bounds"))
	}
	fn := vm.funcs[string(nb)]
	if fn == nil {
		return vm.throw(fmt.Sprintf("no host function %q", nb))
	}
	vm.depth++
	defer func() { vm.depth-- }()
	var args []Value
	if vm.depth == 1 {
		args = vm.args[:0]
	}
	for i := range argc {
		args = append(args, Value(vm.u32(argv+4*i)))
	}
	if vm.depth == 1 {
		vm.args = args
	}
	v, err := fn(vm, args)
	if err != nil {
		return vm.throw(err.Error())
	}
	if v == 0 {
		v = Value(vm.call1(vm.fGetUndefined))
	}
	return uint32(v)
}

// throw makes a host call throw an Error with msg; host_call then returns 0.
func (vm *VM) throw(msg string) uint32 {
	e := Value(vm.call1(vm.fNewError))
	p, n := vm.putString(msg, false)
	s := Value(vm.call1(vm.fNewString, uint64(p), uint64(n)))
	vm.setProp(e, "message", s)
	vm.call0(vm.fFreeValue, uint64(s))
	vm.call0(vm.fFreeValue, vm.call1(vm.fThrow, uint64(e))) // qjs_throw returns a JS_EXCEPTION handle
	vm.call0(vm.fFreeValue, uint64(e))
	return 0
}

func (vm *VM) getProp(obj Value, name string) Value {
	p, _ := vm.putString(name, true)
	return Value(vm.call1(vm.fGetPropString, uint64(obj), uint64(p)))
}

func (vm *VM) setProp(obj Value, name string, v Value) {
	p, _ := vm.putString(name, true)
	vm.call1(vm.fSetPropString, uint64(obj), uint64(p), uint64(v))
}

// stringOf reads a string value (JS_ToCStringLen: no conversion code runs
// for strings).
func (vm *VM) stringOf(v Value) (string, bool) {
	p := vm.call1(vm.fGetStringLen, uint64(v), uint64(vm.scratch))
	if p == 0 {
		return "", false
	}
	n := vm.u32(vm.scratch)
	b, ok := vm.mem.Read(uint32(p), n)
	if !ok {
		panic(errors.New("jsvm: string out of bounds"))
	}
	s := string(b)
	vm.call0(vm.fFreeStr, p)
	return s, true
}

// putString copies s (NUL-terminated when asked) into the scratch buffer.
func (vm *VM) putString(s string, nul bool) (uint32, uint32) {
	need := uint32(len(s)) + 1
	if stringsOffset+need > vm.scratchCap {
		if err := vm.growScratch(stringsOffset + need); err != nil {
			panic(err) // the VM is out of memory; the call fails and the VM is dropped
		}
	}
	p := vm.scratch + stringsOffset
	vm.write(p, s)
	if nul {
		vm.write(p+uint32(len(s)), "\x00")
	}
	return p, uint32(len(s))
}

func (vm *VM) growScratch(need uint32) error {
	c := max(need, 2*vm.scratchCap, minScratch)
	p, err := vm.alloc(int(c))
	if err != nil {
		return err
	}
	if vm.scratch != 0 {
		vm.call0(vm.fFree, uint64(vm.scratch))
	}
	vm.scratch, vm.scratchCap = p, c
	return nil
}

func (vm *VM) alloc(n int) (uint32, error) {
	if n > 1<<30 {
		return 0, errors.New("jsvm: string too large")
	}
	p := uint32(vm.call1(vm.fMalloc, uint64(n)))
	if p == 0 {
		return 0, errors.New("jsvm: out of memory in the VM")
	}
	return p, nil
}

func (vm *VM) write(p uint32, s string) {
	if !vm.mem.WriteString(p, s) {
		panic(errors.New("jsvm: write out of bounds"))
	}
}

func (vm *VM) u32(p uint32) uint32 {
	b, ok := vm.mem.Read(p, 4)
	if !ok {
		panic(errors.New("jsvm: read out of bounds"))
	}
	return binary.LittleEndian.Uint32(b)
}

func (vm *VM) putU32(p, v uint32) {
	if !vm.mem.WriteUint32Le(p, v) {
		panic(errors.New("jsvm: write out of bounds"))
	}
}

// call1 calls a helper export and returns its result. Helpers are called
// with the outer call's context; a failure panics, which wazero turns into
// the outer call's error (or, outside one, reaches the caller's recover).
func (vm *VM) call1(f api.Function, params ...uint64) uint64 {
	st := vm.hstack[:]
	copy(st, params)
	if err := f.CallWithStack(vm.ctx, st[:]); err != nil {
		panic(err)
	}
	return st[0]
}

func (vm *VM) call0(f api.Function, params ...uint64) { vm.call1(f, params...) }
