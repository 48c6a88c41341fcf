package wasmguard

import (
	"errors"
	"fmt"
)

// The instructions the rewriter knows. Everything a guest can run must be
// decoded (to find loops, calls and returns), so an opcode outside this list
// refuses the module rather than being skipped:
//
//   - MVP (Wasm 1.0), including mutable-global imports and exports
//   - sign-extension operators (0xC0-0xC4)
//   - non-trapping float-to-int conversions (0xFC 0-7)
//   - bulk memory (0xFC 8-11: memory.init/copy/fill, data.drop; data count section)
//   - reference types (ref.null/is_null/func, table.get/set/grow/size/fill/init/copy,
//     elem.drop, typed select, externref/funcref values)
//   - multi-value (block types naming a function type)
//   - fixed-width SIMD (0xFD, v128)
//
// Not accepted: threads and atomics (0xFE, shared memories), tail calls,
// exception handling, multi-memory, memory64, GC, extended constant
// expressions: wazero does not enable them by default either.

// immediates skips the immediates of the instruction op (already read).
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
			r.valtype()
		}
	case op >= 0x20 && op <= 0x26: // local.*, global.*, table.get/set
		r.u32()
	case op >= 0x28 && op <= 0x3E: // loads and stores
		r.memarg()
	case op == 0x3F || op == 0x40: // memory.size, memory.grow
		if r.byte() != 0 && r.err == nil {
			r.err = errors.New("memory index other than 0 (multi-memory)")
		}
	case op == 0x41:
		r.s64(32)
	case op == 0x42:
		r.s64(64)
	case op == 0x43:
		r.skip(4)
	case op == 0x44:
		r.skip(8)
	case op == 0xD0: // ref.null
		r.valtype()
	case op == 0xD2: // ref.func
		r.u32()
	case op == 0xFC:
		switch sub := r.u32(); {
		case r.err != nil:
		case sub <= 7: // saturating conversions
		case sub == 8 || sub == 10 || sub == 12 || sub == 14: // memory.init, memory.copy, table.init, table.copy
			r.u32()
			r.u32()
		case sub == 9 || sub == 11 || sub == 13 || sub >= 15 && sub <= 17: // data.drop, memory.fill, elem.drop, table.grow/size/fill
			r.u32()
		default:
			return fmt.Errorf("unknown instruction 0xFC %d", sub)
		}
	case op == 0xFD:
		return r.simd()
	case op == 0x00 || op == 0x01 || op == 0x05 || op == 0x0B || op == 0x0F || op == 0x1A || op == 0x1B ||
		op >= 0x45 && op <= 0xC4 || op == 0xD1:
		// No immediates.
	default:
		return fmt.Errorf("unknown instruction 0x%02X", op)
	}
	return r.err
}

// simd skips a 0xFD instruction's sub-opcode and immediates.
func (r *reader) simd() error {
	sub := r.u32()
	switch {
	case r.err != nil:
	case sub <= 11 || sub == 92 || sub == 93: // v128 loads and stores
		r.memarg()
	case sub == 12 || sub == 13: // v128.const, i8x16.shuffle
		r.skip(16)
	case sub >= 21 && sub <= 34: // extract_lane, replace_lane
		r.skip(1)
	case sub >= 84 && sub <= 91: // load_lane, store_lane
		r.memarg()
		r.skip(1)
	case sub <= 255 && sub != 154 && sub != 162 && sub != 165 && sub != 166 && sub != 175 &&
		sub != 176 && sub != 178 && sub != 179 && sub != 180 && sub != 187 && sub != 194 &&
		sub != 197 && sub != 198 && sub != 207 && sub != 208 && sub != 210 && sub != 211 &&
		sub != 212 && sub != 226 && sub != 238:
		// No immediates. The gaps are unassigned (or relaxed-SIMD-to-be) opcodes.
	default:
		return fmt.Errorf("unknown instruction 0xFD %d", sub)
	}
	return r.err
}

func (r *reader) memarg() {
	if align := r.u32(); align >= 0x40 && r.err == nil {
		r.err = errors.New("memory index in a memarg (multi-memory)")
	}
	r.u32()
}

// valtype reads a value type: numbers, v128, funcref, externref.
func (r *reader) valtype() byte {
	t := r.byte()
	switch t {
	case 0x7F, 0x7E, 0x7D, 0x7C, 0x7B, 0x70, 0x6F:
	default:
		if r.err == nil {
			r.err = fmt.Errorf("unknown value type 0x%02X", t)
		}
	}
	return t
}

// reader decodes the Wasm binary format; the first error sticks.
type reader struct {
	b   []byte
	p   int
	err error
}

var errTruncated = errors.New("truncated")

func (r *reader) done() bool { return r.err != nil || r.p >= len(r.b) }

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
	var v uint64
	for shift := 0; shift < 35; shift += 7 {
		c := r.byte()
		v |= uint64(c&0x7F) << shift
		if c&0x80 == 0 {
			if v > 1<<32-1 && r.err == nil {
				r.err = errors.New("LEB128 out of range")
			}
			return uint32(v)
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

// name reads a length-prefixed string.
func (r *reader) name() []byte { return r.bytes(int(r.u32())) }

// limits reads a table's or memory's limits: min, and max (-1 when none).
func (r *reader) limits() (uint32, int64) {
	switch r.byte() {
	case 0x00:
		return r.u32(), -1
	case 0x01:
		lo := r.u32()
		return lo, int64(r.u32())
	default:
		if r.err == nil {
			r.err = errors.New("limits of an unknown kind (shared or 64-bit)")
		}
		return 0, -1
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

func appendName(b []byte, s string) []byte {
	return append(appendU32(b, uint32(len(s))), s...)
}
