// Package wasmguard rewrites a guest Wasm module so that nothing it runs can
// escape the host's limits, whatever the code does:
//
//   - Fuel. Every function entry and every loop header counts down a fuel
//     global by a weight (1 + the body's instruction count / 64); when it
//     runs out, the code calls an imported tick function and refills. Within
//     one entry or iteration, code only runs forward, so at most about 64
//     instructions run per unit of fuel: the tick comes at least every
//     FuelPerTick*64 instructions (a few milliseconds), recursion and
//     straight-line code included. The tick is a Go call: the host checks its
//     budget there (and traps the call by panicking), and the Go runtime gets
//     a safe point, which a goroutine inside compiled Wasm code otherwise
//     never reaches (a garbage collection waiting for it stalls the process).
//   - Stack. Each function adds an estimate of its frame (8 bytes per param
//     and local, plus FrameOverhead) to a global at entry, and takes it off on
//     every way out (its body is wrapped in a block; `return` becomes a branch
//     to it). Over StackLimit, it calls the imported stack_overflow function
//     (which traps with that reason) before wazero's own stack would grow to
//     hundreds of megabytes.
//   - Tables. Every defined table's maximum is clamped to TableLimit, so
//     table.grow past it returns -1 in the engine itself.
//   - Load-time limits. A module whose declared table or memory minimum,
//     data or element segments or global count exceed the limits is refused
//     with an error wrapping ErrLimit.
//
// The imports it adds (module ImportModule) shift every function index; the
// rewriter renumbers calls, ref.func, exports, the start function, element
// segments and global initialisers, and drops the "name" custom section.
package wasmguard

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ImportModule is the import module of the functions Instrument adds; a
// module that imports from it itself is refused.
const ImportModule = "iohub_guard"

// Names of the imports (both () -> ()).
const (
	TickName     = "tick"
	OverflowName = "stack_overflow"
)

// Defaults of Options.
const (
	DefaultFuelPerTick   = 1 << 16
	DefaultFrameOverhead = 64
)

var (
	// ErrUnsupported: the module is not Wasm this package can decode (or not
	// Wasm at all).
	ErrUnsupported = errors.New("wasm module not supported")
	// ErrLimit: the module declares more than the limits allow.
	ErrLimit = errors.New("wasm module over the limits")
	// ErrStackOverflow is what a stack_overflow import should panic with.
	ErrStackOverflow = errors.New("call stack limit exceeded")
)

// Options say what to count and what to limit. Zero limits mean none.
type Options struct {
	// TickModule.TickName is an import the module already has, of type
	// () -> () or () -> i32 (the result is dropped), to call instead of
	// adding ImportModule.tick.
	TickModule, TickName string
	// FuelPerTick is the fuel between ticks; zero means DefaultFuelPerTick.
	FuelPerTick int32
	// StackLimit bounds the estimated call stack, in bytes; zero means no
	// stack accounting (and no stack_overflow import).
	StackLimit uint32
	// FrameOverhead is the estimate's allowance per frame beyond its params
	// and locals (return address, spills); zero means DefaultFrameOverhead.
	FrameOverhead uint32
	// TableLimit caps every table's entries: declared minimums and element
	// segments are checked, maximums clamped.
	TableLimit uint32
	// MemoryLimitPages caps a declared memory minimum and the data segments'
	// total size (in 64 KiB pages).
	MemoryLimitPages uint32
	// GlobalLimit caps the number of globals.
	GlobalLimit uint32
}

// Stats say what Instrument found.
type Stats struct {
	Functions, Loops int
	AddedImports     int
}

// section is one section of the input, its payload a sub-slice of it.
type section struct {
	id      byte
	payload []byte
}

// order is the place of each standard section id in a module.
var order = map[byte]int{1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7, 8: 8, 9: 9, 12: 10, 10: 11, 11: 12}

// module is what the rewriter learns from the input before writing.
type module struct {
	o             Options
	types         []funcType
	addedTypes    []funcType
	importedFuncs uint32
	importedGlobs uint32
	definedGlobs  uint32
	funcTypes     []uint32 // type index of each defined function
	tick          uint32   // function index (output numbering)
	tickDrops     bool     // the tick returns an i32 to drop
	overflow      uint32
	added         []string // names of the ImportModule imports added
	voidType      uint32
	shift         uint32 // added imports: defined function indices move by this
	fuel, sp      uint32 // the globals added
	stats         Stats
}

type funcType struct{ params, results []byte }

func unsupported(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrUnsupported}, args...)...)
}

func overLimit(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrLimit}, args...)...)
}

// Instrument returns wasm rewritten as the package documentation says.
func Instrument(wasm []byte, o Options) ([]byte, Stats, error) {
	if o.FuelPerTick <= 0 {
		o.FuelPerTick = DefaultFuelPerTick
	}
	if o.FrameOverhead == 0 {
		o.FrameOverhead = DefaultFrameOverhead
	}
	if len(wasm) < 8 || string(wasm[:4]) != "\x00asm" || binary.LittleEndian.Uint32(wasm[4:8]) != 1 {
		return nil, Stats{}, unsupported("not a Wasm 1 binary")
	}
	secs, err := split(wasm)
	if err != nil {
		return nil, Stats{}, err
	}
	m := &module{o: o}
	if err := m.scan(secs); err != nil {
		return nil, Stats{}, err
	}
	out, err := m.write(wasm[:8], secs)
	if err != nil {
		return nil, Stats{}, err
	}
	return out, m.stats, nil
}

// split cuts the module into its sections, checking their order.
func split(wasm []byte) ([]section, error) {
	r := &reader{b: wasm, p: 8}
	var secs []section
	last := 0
	for !r.done() {
		id := r.byte()
		payload := r.bytes(int(r.u32()))
		if r.err != nil {
			return nil, unsupported("truncated section")
		}
		if id != 0 {
			rank, ok := order[id]
			if !ok {
				return nil, unsupported("unknown section %d (a feature this hub does not accept)", id)
			}
			if rank <= last {
				return nil, unsupported("section %d out of order", id)
			}
			last = rank
		}
		secs = append(secs, section{id, payload})
	}
	return secs, r.err
}

// scan reads the types, imports, functions and globals, and decides what to add.
func (m *module) scan(secs []section) error {
	wantTick := m.o.TickModule != ""
	tickFound := false
	for _, s := range secs {
		r := &reader{b: s.payload}
		switch s.id {
		case 1:
			for n := r.u32(); n > 0 && r.err == nil; n-- {
				if r.byte() != 0x60 && r.err == nil {
					return unsupported("type section: not a function type")
				}
				var t funcType
				for k := r.u32(); k > 0 && r.err == nil; k-- {
					t.params = append(t.params, r.valtype())
				}
				for k := r.u32(); k > 0 && r.err == nil; k-- {
					t.results = append(t.results, r.valtype())
				}
				m.types = append(m.types, t)
			}
		case 2:
			for n := r.u32(); n > 0 && r.err == nil; n-- {
				mod, name := string(r.name()), string(r.name())
				if mod == ImportModule && r.err == nil {
					return unsupported("imports %s.%s: the %s module is reserved", mod, name, ImportModule)
				}
				switch r.byte() {
				case 0x00:
					ti := r.u32()
					if wantTick && mod == m.o.TickModule && name == m.o.TickName {
						if int(ti) >= len(m.types) || len(m.types[ti].params) != 0 || len(m.types[ti].results) > 1 ||
							len(m.types[ti].results) == 1 && m.types[ti].results[0] != 0x7F {
							return unsupported("import %s.%s is not of type () -> () or () -> i32", mod, name)
						}
						m.tick, m.tickDrops, tickFound = m.importedFuncs, len(m.types[ti].results) == 1, true
					}
					m.importedFuncs++
				case 0x01:
					r.valtype()
					r.limits()
				case 0x02:
					r.limits()
				case 0x03:
					r.valtype()
					r.byte()
					m.importedGlobs++
				default:
					if r.err == nil {
						return unsupported("import of an unknown kind")
					}
				}
			}
		case 3:
			for n := r.u32(); n > 0 && r.err == nil; n-- {
				m.funcTypes = append(m.funcTypes, r.u32())
			}
		case 6:
			m.definedGlobs = r.u32()
		}
		if r.err != nil {
			return unsupported("section %d: %v", s.id, r.err)
		}
	}
	for _, ti := range m.funcTypes {
		if int(ti) >= len(m.types) {
			return unsupported("function of unknown type %d", ti)
		}
	}
	if wantTick && !tickFound {
		return unsupported("no import %s.%s", m.o.TickModule, m.o.TickName)
	}
	if !wantTick {
		m.added = append(m.added, TickName)
	}
	if m.o.StackLimit > 0 {
		m.added = append(m.added, OverflowName)
	}
	m.shift = uint32(len(m.added))
	for i, name := range m.added {
		switch name {
		case TickName:
			m.tick = m.importedFuncs + uint32(i)
		case OverflowName:
			m.overflow = m.importedFuncs + uint32(i)
		}
	}
	m.stats.AddedImports = len(m.added)
	if len(m.added) > 0 {
		m.voidType = m.typeFor(nil, nil)
	}
	m.fuel = m.importedGlobs + m.definedGlobs
	m.sp = m.fuel + 1
	if lim := m.o.GlobalLimit; lim > 0 && uint64(m.importedGlobs)+uint64(m.definedGlobs) > uint64(lim) {
		return overLimit("%d globals; the limit is %d", uint64(m.importedGlobs)+uint64(m.definedGlobs), lim)
	}
	return nil
}

// typeFor returns the index of the type (params) -> (results), adding it
// when the module lacks it.
func (m *module) typeFor(params, results []byte) uint32 {
	eq := func(t funcType) bool {
		return string(t.params) == string(params) && string(t.results) == string(results)
	}
	for i, t := range m.types {
		if eq(t) {
			return uint32(i)
		}
	}
	for i, t := range m.addedTypes {
		if eq(t) {
			return uint32(len(m.types) + i)
		}
	}
	m.addedTypes = append(m.addedTypes, funcType{params, results})
	return uint32(len(m.types) + len(m.addedTypes) - 1)
}

// funcIndex renumbers a function index of the input.
func (m *module) funcIndex(i uint32) uint32 {
	if i >= m.importedFuncs {
		return i + m.shift
	}
	return i
}

// write produces the output: header, then the sections in order, with the
// type, import and global sections added when the input has none.
func (m *module) write(header []byte, secs []section) ([]byte, error) {
	// The code section adds types (wrapper blocks of multi-value functions),
	// so it is rewritten before the type section is written.
	var code []byte
	for _, s := range secs {
		if s.id == 10 {
			var err error
			if code, err = m.code(s.payload); err != nil {
				return nil, err
			}
		}
	}
	if code == nil && len(m.funcTypes) > 0 {
		return nil, unsupported("functions without a code section")
	}
	out := append(make([]byte, 0, len(header)+len(code)+1024), header...)
	need := map[byte]bool{6: true}
	if len(m.addedTypes) > 0 {
		need[1] = true
	}
	if len(m.added) > 0 {
		need[2] = true
	}
	emitMissing := func(before int) error {
		for _, id := range []byte{1, 2, 6} {
			if need[id] && order[id] < before {
				b, err := m.section(id, nil, code)
				if err != nil {
					return err
				}
				out = appendSection(out, id, b)
				need[id] = false
			}
		}
		return nil
	}
	for _, s := range secs {
		if s.id != 0 {
			if err := emitMissing(order[s.id]); err != nil {
				return nil, err
			}
			need[s.id] = false
		} else if m.shift > 0 && isNameSection(s.payload) {
			continue // function indices in it are stale
		}
		b, err := m.section(s.id, s.payload, code)
		if err != nil {
			return nil, err
		}
		out = appendSection(out, s.id, b)
	}
	if err := emitMissing(100); err != nil {
		return nil, err
	}
	return out, nil
}

func isNameSection(payload []byte) bool {
	r := &reader{b: payload}
	return string(r.name()) == "name" && r.err == nil
}

func appendSection(out []byte, id byte, payload []byte) []byte {
	out = append(out, id)
	out = appendU32(out, uint32(len(payload)))
	return append(out, payload...)
}

// section returns the output payload of section id (p is nil for an added one).
func (m *module) section(id byte, p, code []byte) ([]byte, error) {
	r := &reader{b: p}
	var out []byte
	switch id {
	case 1: // types: append the added ones
		n := uint32(0)
		if p != nil {
			n = r.u32()
		}
		out = appendU32(nil, n+uint32(len(m.addedTypes)))
		out = append(out, p[r.p:]...)
		for _, t := range m.addedTypes {
			out = append(out, 0x60)
			out = append(appendU32(out, uint32(len(t.params))), t.params...)
			out = append(appendU32(out, uint32(len(t.results))), t.results...)
		}
	case 2: // imports: append the added ones
		n := uint32(0)
		if p != nil {
			n = r.u32()
		}
		out = appendU32(nil, n+uint32(len(m.added)))
		out = append(out, p[r.p:]...)
		for _, name := range m.added {
			out = appendName(appendName(out, ImportModule), name)
			out = appendU32(append(out, 0x00), m.voidType)
		}
	case 4:
		return m.tables(r)
	case 5:
		return m.memories(r)
	case 6:
		return m.globals(r)
	case 7:
		return m.exports(r)
	case 8:
		out = appendU32(nil, m.funcIndex(r.u32()))
	case 9:
		return m.elements(r)
	case 10:
		return code, nil
	case 11:
		return p, m.data(r)
	default:
		return p, nil
	}
	if r.err != nil {
		return nil, unsupported("section %d: %v", id, r.err)
	}
	return out, nil
}
