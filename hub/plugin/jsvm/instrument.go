package jsvm

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Killing a VM cheaply. wazero's close-on-context-done makes a module
// killable by exiting to Go at every loop back-edge, which makes QuickJS
// about five times slower. Without any exit to Go, though, a goroutine
// looping inside Wasm code can be neither preempted nor stopped: a garbage
// collection waiting for it to reach a safe point stalls the whole process,
// timers included, until the loop ends.
//
// So instrumentLoops rewrites quickjs.wasm once, at load: every loop starts
// by counting down a new global, and every tickEvery iterations calls the
// module's own host_interrupt import (result dropped):
//
//	global.get $n  i32.const 1  i32.sub  global.set $n
//	global.get $n  i32.eqz
//	if  i32.const tickEvery  global.set $n  call $host_interrupt  drop  end
//
// That Go call is a safe point, and where a VM whose call is past its kill
// deadline panics, which traps the call. Straight-line code always ends, and
// recursion ends at the stack limit, so counting loops is enough. A few
// instructions per iteration and a Go call per tickEvery iterations cost
// about 10-15 % (BenchmarkCallString). QuickJS's own interrupt polling calls the
// same import from its interpreter.
//
// The rewriter decodes every instruction of the features quickjs.wasm uses
// (MVP, sign extension, saturating conversions, bulk memory, reference types,
// multi-value); anything else is an error, and the engine then falls back to
// close-on-context-done.

// tickEvery is how many loop iterations pass between calls to Go.
const tickEvery = 4096

var errInstrument = errors.New("cannot instrument")

// instrumentLoops returns wasm with the loop counters added, calling the
// imported function tickModule.tickName (type () -> i32), and how many loops
// it found.
func instrumentLoops(wasm []byte, tickModule, tickName string) ([]byte, int, error) {
	if len(wasm) < 8 || string(wasm[:4]) != "\x00asm" || binary.LittleEndian.Uint32(wasm[4:8]) != 1 {
		return nil, 0, fmt.Errorf("%w: not a Wasm 1 binary", errInstrument)
	}
	r := &reader{b: wasm, p: 8}
	out := append(make([]byte, 0, len(wasm)+len(wasm)/8), wasm[:8]...)
	var importedGlobals uint32
	tick := int64(-1)
	sawGlobal := false
	var counter uint32
	loops := 0
	for r.p < len(r.b) {
		id := r.byte()
		size := r.u32()
		start := r.p
		if r.err != nil || uint64(start)+uint64(size) > uint64(len(r.b)) {
			return nil, 0, fmt.Errorf("%w: truncated section", errInstrument)
		}
		payload := r.b[start : start+int(size)]
		r.p = start + int(size)
		switch id {
		case 2: // imports: find the tick function; imported globals come first in the index space
			g, f, err := scanImports(payload, tickModule, tickName)
			if err != nil {
				return nil, 0, err
			}
			importedGlobals, tick = g, f
			out = appendSection(out, id, payload)
		case 6: // globals: append the counter
			pr := &reader{b: payload}
			defined := pr.u32()
			if pr.err != nil {
				return nil, 0, fmt.Errorf("%w: global section: %v", errInstrument, pr.err)
			}
			counter = importedGlobals + defined
			body := appendU32(nil, defined+1)
			body = append(body, payload[pr.p:]...)
			body = append(body, 0x7F, 0x01, 0x41) // (global (mut i32) (i32.const tickEvery))
			body = appendS32(body, tickEvery)
			body = append(body, 0x0B)
			out = appendSection(out, id, body)
			sawGlobal = true
		case 10: // code
			if !sawGlobal || tick < 0 {
				return nil, 0, fmt.Errorf("%w: no global section, or no import %s.%s", errInstrument, tickModule, tickName)
			}
			body, n, err := instrumentCode(payload, counter, uint32(tick))
			if err != nil {
				return nil, 0, err
			}
			loops = n
			out = appendSection(out, id, body)
		default:
			out = appendSection(out, id, payload)
		}
	}
	if r.err != nil {
		return nil, 0, fmt.Errorf("%w: %v", errInstrument, r.err)
	}
	if loops == 0 {
		return nil, 0, fmt.Errorf("%w: no loop found", errInstrument)
	}
	return out, loops, nil
}

func appendSection(out []byte, id byte, payload []byte) []byte {
	out = append(out, id)
	out = appendU32(out, uint32(len(payload)))
	return append(out, payload...)
}

// scanImports counts the imported globals and finds the function index of
// the import module.name (-1 when absent).
func scanImports(b []byte, module, name string) (uint32, int64, error) {
	r := &reader{b: b}
	var globals, funcs uint32
	tick := int64(-1)
	for n := r.u32(); n > 0 && r.err == nil; n-- {
		m := r.bytes(int(r.u32()))
		f := r.bytes(int(r.u32()))
		switch r.byte() {
		case 0x00: // func
			r.u32()
			if string(m) == module && string(f) == name {
				tick = int64(funcs)
			}
			funcs++
		case 0x01: // table
			r.byte()
			r.limits()
		case 0x02: // memory
			r.limits()
		case 0x03: // global
			r.byte()
			r.byte()
			globals++
		default:
			return 0, 0, fmt.Errorf("%w: import of an unknown kind", errInstrument)
		}
	}
	if r.err != nil {
		return 0, 0, fmt.Errorf("%w: import section: %v", errInstrument, r.err)
	}
	return globals, tick, nil
}

// instrumentCode rewrites the code section's function bodies.
func instrumentCode(b []byte, counter, tick uint32) ([]byte, int, error) {
	get := appendU32([]byte{0x23}, counter) // global.get $n
	set := appendU32([]byte{0x24}, counter) // global.set $n
	var check []byte
	check = append(check, get...)
	check = append(check, 0x41, 0x01, 0x6B) // i32.const 1  i32.sub
	check = append(check, set...)
	check = append(check, get...)
	check = append(check, 0x45, 0x04, 0x40, 0x41) // i32.eqz  if  i32.const
	check = appendS32(check, tickEvery)
	check = append(check, set...)
	check = append(appendU32(append(check, 0x10), tick), 0x1A, 0x0B) // call $tick  drop  end
	r := &reader{b: b}
	n := r.u32()
	out := appendU32(make([]byte, 0, len(b)+len(b)/16), n)
	loops := 0
	var fn []byte
	for i := uint32(0); i < n && r.err == nil; i++ {
		size := int(r.u32())
		if r.err != nil || size > len(r.b)-r.p {
			return nil, 0, fmt.Errorf("%w: function %d: truncated", errInstrument, i)
		}
		body := &reader{b: r.b[r.p : r.p+size]}
		r.p += size
		// Locals: vec(count, valtype), copied as they are.
		for k := body.u32(); k > 0 && body.err == nil; k-- {
			body.u32()
			body.byte()
		}
		fn = append(fn[:0], body.b[:body.p]...)
		from := body.p
		for body.p < len(body.b) && body.err == nil {
			op := body.byte()
			if err := body.immediates(op); err != nil {
				return nil, 0, fmt.Errorf("%w: function %d: %v", errInstrument, i, err)
			}
			if op == 0x03 { // loop blocktype: the count opens the loop's body
				fn = append(fn, body.b[from:body.p]...)
				fn = append(fn, check...)
				from = body.p
				loops++
			}
		}
		if body.err != nil {
			return nil, 0, fmt.Errorf("%w: function %d: %v", errInstrument, i, body.err)
		}
		fn = append(fn, body.b[from:]...)
		out = appendU32(out, uint32(len(fn)))
		out = append(out, fn...)
	}
	if r.err != nil || r.p != len(r.b) {
		return nil, 0, fmt.Errorf("%w: code section: malformed", errInstrument)
	}
	return out, loops, nil
}

// immediates skips the immediates of the instruction op.
func (r *reader) immediates(op byte) error {
	switch {
	case op == 0x02 || op == 0x03 || op == 0x04: // block, loop, if
		r.s64(33)
	case op == 0x0C || op == 0x0D: // br, br_if
		r.u32()
	case op == 0x0E: // br_table
		for n := r.u32(); n > 0 && r.err == nil; n-- {
			r.u32()
		}
		r.u32()
	case op == 0x10: // call
		r.u32()
	case op == 0x11: // call_indirect
		r.u32()
		r.u32()
	case op == 0x1C: // select t*
		for n := r.u32(); n > 0 && r.err == nil; n-- {
			r.byte()
		}
	case op >= 0x20 && op <= 0x26: // local.*, global.*, table.get/set
		r.u32()
	case op >= 0x28 && op <= 0x3E: // loads and stores: memarg
		if align := r.u32(); align&0x40 != 0 {
			r.u32() // memory index (multi-memory)
		}
		r.u32()
	case op == 0x3F || op == 0x40: // memory.size, memory.grow
		r.u32()
	case op == 0x41:
		r.s64(32)
	case op == 0x42:
		r.s64(64)
	case op == 0x43:
		r.skip(4)
	case op == 0x44:
		r.skip(8)
	case op == 0xD0: // ref.null
		r.s64(33)
	case op == 0xD2: // ref.func
		r.u32()
	case op == 0xFC:
		switch sub := r.u32(); {
		case sub <= 7: // saturating conversions
		case sub == 8 || sub == 10 || sub == 12 || sub == 14: // memory.init, memory.copy, table.init, table.copy
			r.u32()
			r.u32()
		case sub == 9 || sub == 11 || sub == 13 || sub >= 15 && sub <= 17: // data.drop, memory.fill, elem.drop, table.grow/size/fill
			r.u32()
		default:
			return fmt.Errorf("unknown instruction 0xFC %d", sub)
		}
	case op == 0x00 || op == 0x01 || op == 0x05 || op == 0x0B || op == 0x0F || op == 0x1A || op == 0x1B ||
		op >= 0x45 && op <= 0xC4 || op == 0xD1:
		// No immediates.
	default:
		return fmt.Errorf("unknown instruction 0x%02X", op)
	}
	return r.err
}

// reader decodes the Wasm binary format; the first error sticks.
type reader struct {
	b   []byte
	p   int
	err error
}

var errTruncated = errors.New("truncated")

func (r *reader) byte() byte {
	if r.err != nil {
		return 0
	}
	if r.p >= len(r.b) {
		r.err = errTruncated
		return 0
	}
	c := r.b[r.p]
	r.p++
	return c
}

func (r *reader) bytes(n int) []byte {
	p := r.p
	r.skip(n)
	if r.err != nil {
		return nil
	}
	return r.b[p:r.p]
}

func (r *reader) skip(n int) {
	if r.err == nil && (n < 0 || n > len(r.b)-r.p) {
		r.err = errTruncated
	}
	if r.err == nil {
		r.p += n
	}
}

func (r *reader) u32() uint32 {
	var v uint32
	for shift := 0; shift < 35; shift += 7 {
		c := r.byte()
		v |= uint32(c&0x7F) << shift
		if c&0x80 == 0 {
			return v
		}
	}
	if r.err == nil {
		r.err = errors.New("LEB128 too long")
	}
	return 0
}

// s64 skips a signed LEB128 of at most bits bits.
func (r *reader) s64(bits int) {
	for i := 0; i < (bits+6)/7; i++ {
		if r.byte()&0x80 == 0 {
			return
		}
	}
	if r.err == nil {
		r.err = errors.New("LEB128 too long")
	}
}

func (r *reader) limits() {
	switch r.byte() {
	case 0x00:
		r.u32()
	case 0x01:
		r.u32()
		r.u32()
	default:
		if r.err == nil {
			r.err = errors.New("limits of an unknown kind (shared or 64-bit)")
		}
	}
}

// appendS32 appends v as a signed LEB128.
func appendS32(b []byte, v int32) []byte {
	for {
		c := byte(v & 0x7F)
		v >>= 7
		if v == 0 && c&0x40 == 0 || v == -1 && c&0x40 != 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func appendU32(b []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7F)
		v >>= 7
		if v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}
