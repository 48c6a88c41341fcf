package jsvm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/tetratelabs/wazero/api"
)

// CallArgs is the path of one handler event. It talks to QuickJS's own API
// (JS_NewStringLen, JS_ParseJSON, JS_Call, ...), whose JSValues are 8-byte
// words passed by value, instead of quickjs-wasi's qjs_* wrappers, which box
// every value in a malloc'd cell: each argument costs one guest call (and a
// string or object one more to free it), a number none when it is a small
// integer, and the result three. JSON arguments are parsed by QuickJS from
// the host's bytes, without a JavaScript string and a JSON.parse call.

// rawAPI holds QuickJS's exported C API and the context pointer it takes.
type rawAPI struct {
	ctx                                         uint64 // JSContext*
	ctxPtr                                      api.Function
	newString, newNumber, parseJSON, call, free api.Function
	toCString, freeCString                      api.Function
}

// rawExports are the C API functions CallArgs uses, with their wasm32
// signatures: a JSValue is an i64 (NaN-boxed), pointers and sizes i32.
var rawExports = map[string][2][]api.ValueType{
	"qjs_get_context_ptr": {nil, {i32}},
	"JS_NewStringLen":     {{i32, i32, i32}, {i64}},
	"JS_NewNumber":        {{i32, f64}, {i64}},
	"JS_ParseJSON":        {{i32, i32, i32, i32}, {i64}},
	"JS_Call":             {{i32, i64, i64, i32, i32}, {i64}},
	"JS_FreeValue":        {{i32, i64}, nil},
	"JS_ToCStringLen2":    {{i32, i32, i64, i32}, {i32}},
	"JS_FreeCString":      {{i32, i32}, nil},
}

const (
	i64 = api.ValueTypeI64
	f64 = api.ValueTypeF64
)

func (r *rawAPI) init(f func(string) api.Function) {
	r.ctxPtr = f("qjs_get_context_ptr")
	r.newString, r.newNumber, r.parseJSON = f("JS_NewStringLen"), f("JS_NewNumber"), f("JS_ParseJSON")
	r.call, r.free = f("JS_Call"), f("JS_FreeValue")
	r.toCString, r.freeCString = f("JS_ToCStringLen2"), f("JS_FreeCString")
}

// checkRawExports reports the C API functions missing from fns or not of
// the expected signature.
func checkRawExports(fns map[string]api.FunctionDefinition) []string {
	var bad []string
	for name, sig := range rawExports {
		d, ok := fns[name]
		if !ok || !slices.Equal(d.ParamTypes(), sig[0]) || !slices.Equal(d.ResultTypes(), sig[1]) {
			bad = append(bad, name)
		}
	}
	return bad
}

// JSValue words of the NaN-boxed representation: the tag in the high word.
const (
	valUndefined = uint64(tagUndefined) << 32
	tagObject    = 0xffffffff // -1
)

// hasRefCount reports whether v is a value QuickJS counts references of
// (its tag is negative: strings, objects, symbols, ...).
func hasRefCount(v uint64) bool { return int32(v>>32) < 0 }

type argKind uint8

const (
	argUndefined argKind = iota
	argString
	argJSON
	argInt
	argNumber
)

// Arg is one argument of CallArgs.
type Arg struct {
	kind argKind
	b    []byte
	s    string
	n    float64
}

// Undefined is the undefined argument.
var Undefined = Arg{}

// String is a string argument; its bytes are taken as UTF-8.
func String(s string) Arg { return Arg{kind: argString, s: s} }

// StringBytes is String of b, which must not change during the call.
func StringBytes(b []byte) Arg { return Arg{kind: argString, b: b} }

// JSON is the value the JSON text b holds (what JSON.parse makes of it).
func JSON(b []byte) Arg { return Arg{kind: argJSON, b: b} }

// Int is a number argument that is an integer.
func Int(n int64) Arg { return Arg{kind: argInt, n: float64(n)} }

// Number is a number argument.
func Number(f float64) Arg { return Arg{kind: argNumber, n: f} }

func (a *Arg) size() int { return len(a.b) + len(a.s) }

// CallArgs calls fn with args (at most 12) and returns its value as a
// string's UTF-8 bytes (converted if it is not one), which the caller owns. A JSON argument that does not parse fails the call with the
// SyntaxError as an *Exception, before fn runs.
func (vm *VM) CallArgs(ctx context.Context, fn Value, args ...Arg) (_ []byte, err error) {
	if len(args) > maxArgs {
		return nil, fmt.Errorf("jsvm: at most %d arguments", maxArgs)
	}
	vm.enter(ctx)
	defer vm.leave(ctx, &err)
	r := &vm.raw
	// The scratch buffer is sized for the largest argument first: growing it
	// moves argv.
	need := 0
	for i := range args {
		need = max(need, args[i].size())
	}
	vm.reserve(uint32(need) + 2)
	argv := vm.scratch + 8
	// The values are freed from a Go copy: a host call may move the scratch
	// buffer while the function runs (JS_Call copies argv before that).
	vals := vm.argVals[:0]
	defer func() {
		for _, v := range vals {
			if hasRefCount(v) && !vm.Closed() {
				vm.call0(r.free, r.ctx, v)
			}
		}
	}()
	for i := range args {
		a := &args[i]
		var v uint64
		switch a.kind {
		case argUndefined:
			v = valUndefined
		case argInt:
			if n := int64(a.n); n == int64(int32(n)) {
				v = uint64(uint32(int32(n))) // JS_TAG_INT is 0
			} else {
				v = vm.call1(r.newNumber, r.ctx, api.EncodeF64(a.n))
			}
		case argNumber:
			v = vm.call1(r.newNumber, r.ctx, api.EncodeF64(a.n))
		case argString, argJSON:
			p := vm.putArg(a)
			if a.kind == argString {
				v = vm.call1(r.newString, r.ctx, uint64(p), uint64(a.size()))
			} else {
				// JS_ParseJSON wants the text NUL-terminated; the filename
				// is the empty string right after it.
				v = vm.call1(r.parseJSON, r.ctx, uint64(p), uint64(a.size()), uint64(p+uint32(a.size())+1))
			}
		}
		if uint32(v>>32) == tagException {
			return nil, vm.exception()
		}
		vm.putU64(argv+8*uint32(i), v)
		vals = append(vals, v)
	}
	fv := vm.u64(uint32(fn))
	res := vm.call1(r.call, r.ctx, fv, valUndefined, uint64(len(args)), uint64(argv))
	if uint32(res>>32) == tagException {
		return nil, vm.exception()
	}
	// Read as a string: long concatenations are ropes (a tag of their own),
	// and callers' functions return strings, so nothing else is converted.
	p := uint32(vm.call1(r.toCString, r.ctx, uint64(vm.scratch), res, 0))
	if p == 0 {
		vm.call0(r.free, r.ctx, res)
		return nil, errors.New("jsvm: the function's value is not a string")
	}
	b, ok := vm.mem.Read(p, vm.u32(vm.scratch))
	if !ok {
		panic(errors.New("jsvm: string out of bounds"))
	}
	out := bytes.Clone(b)
	vm.call0(r.freeCString, r.ctx, uint64(p))
	vm.call0(r.free, r.ctx, res)
	return out, nil
}

// reserve makes room for need bytes of strings in the scratch buffer.
func (vm *VM) reserve(need uint32) {
	if stringsOffset+need > vm.scratchCap {
		if err := vm.growScratch(stringsOffset + need); err != nil {
			panic(err) // the VM is out of memory; the call fails and the VM is dropped
		}
	}
}

// putArg copies a string or JSON argument into the scratch buffer (reserved
// for it), after the argv words, followed by two NULs.
func (vm *VM) putArg(a *Arg) uint32 {
	p := vm.scratch + stringsOffset
	if a.b != nil {
		if !vm.mem.Write(p, a.b) {
			panic(errors.New("jsvm: write out of bounds"))
		}
	} else {
		vm.write(p, a.s)
	}
	vm.write(p+uint32(a.size()), "\x00\x00")
	return p
}

func (vm *VM) u64(p uint32) uint64 {
	v, ok := vm.mem.ReadUint64Le(p)
	if !ok {
		panic(errors.New("jsvm: read out of bounds"))
	}
	return v
}

func (vm *VM) putU64(p uint32, v uint64) {
	if !vm.mem.WriteUint64Le(p, v) {
		panic(errors.New("jsvm: write out of bounds"))
	}
}
