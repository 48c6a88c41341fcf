package wasmguard

// Function bodies. Each becomes
//
//	locals (as they were)
//	fuel check (weight of the whole body)
//	sp += frame; if sp > StackLimit: call $stack_overflow, unreachable
//	block (result = the function's results)
//	  the body, with `return` as `br` to this block, calls renumbered,
//	  a fuel check (weight of the loop's body) opening every loop
//	end
//	sp -= frame
//	end
//
// where a fuel check is
//
//	global.get $fuel  i32.const weight  i32.sub  global.set $fuel
//	global.get $fuel  i32.const 0  i32.le_s
//	if  i32.const FuelPerTick  global.set $fuel  call $tick (drop)  end
//
// A trap skips the sp decrement: an instance that trapped is not reused.

// inst is one decoded instruction of a body.
type inst struct {
	start, end int    // its bytes in the body
	op         byte   // first byte
	weight     uint32 // loops: fuel charged per iteration
}

// fuelScale: one unit of fuel per this many instructions of a body.
const fuelScale = 64

func (m *module) code(b []byte) ([]byte, error) {
	r := &reader{b: b}
	n := r.u32()
	if r.err != nil || int(n) != len(m.funcTypes) {
		return nil, unsupported("code section: %d bodies for %d functions", n, len(m.funcTypes))
	}
	out := appendU32(make([]byte, 0, len(b)+len(b)/4), n)
	var insts []inst
	var fn []byte
	for i := uint32(0); i < n; i++ {
		size := int(r.u32())
		if r.err != nil || size > len(r.b)-r.p {
			return nil, unsupported("function %d: truncated", i)
		}
		body := &reader{b: r.b[r.p : r.p+size]}
		r.p += size
		var err error
		if fn, insts, err = m.function(body, m.types[m.funcTypes[i]], fn[:0], insts[:0]); err != nil {
			return nil, unsupported("function %d: %v", m.importedFuncs+i, err)
		}
		out = appendU32(out, uint32(len(fn)))
		out = append(out, fn...)
		m.stats.Functions++
	}
	if r.err != nil || !r.done() {
		return nil, unsupported("code section malformed")
	}
	return out, nil
}

// function rewrites one body into fn.
func (m *module) function(body *reader, t funcType, fn []byte, insts []inst) ([]byte, []inst, error) {
	locals := uint64(len(t.params))
	for k := body.u32(); k > 0 && body.err == nil; k-- {
		locals += uint64(body.u32())
		body.valtype()
	}
	if body.err != nil {
		return nil, nil, body.err
	}
	fn = append(fn, body.b[:body.p]...)

	// Pass 1: decode, find where the body ends and each loop's size.
	var open []int // indices in insts of the open blocks (loops' own, others -1)
	for !body.done() {
		start := body.p
		op := body.byte()
		if err := body.immediates(op); err != nil {
			return nil, nil, err
		}
		insts = append(insts, inst{start: start, end: body.p, op: op})
		switch op {
		case 0x02, 0x04:
			open = append(open, -1)
		case 0x03:
			open = append(open, len(insts)-1)
		case 0x0B:
			if len(open) == 0 {
				if !body.done() {
					return nil, nil, errTrailing
				}
				break
			}
			if l := open[len(open)-1]; l >= 0 {
				insts[l].weight = m.weight(len(insts) - 1 - l)
			}
			open = open[:len(open)-1]
		}
	}
	if body.err != nil {
		return nil, nil, body.err
	}
	if len(insts) == 0 || insts[len(insts)-1].op != 0x0B || len(open) != 0 {
		return nil, nil, errTruncated
	}

	// Pass 2: write.
	stack := m.o.StackLimit > 0
	frame := uint32(min(8*locals+uint64(m.o.FrameOverhead), uint64(m.o.StackLimit)+1))
	fn = m.fuelCheck(fn, m.weight(len(insts)))
	if stack {
		fn = m.globalAdd(fn, m.sp, 0x6A, frame) // i32.add
		fn = appendU32(append(fn, 0x23), m.sp)
		fn = appendS32(append(fn, 0x41), int32(m.o.StackLimit))
		fn = append(fn, 0x4B, 0x04, 0x40, 0x10) // i32.gt_u  if  call
		fn = appendU32(fn, m.overflow)
		fn = append(fn, 0x00, 0x0B, 0x02) // unreachable  end  block
		fn = m.blockType(fn, t.results)
	}
	depth := uint32(0)
	for _, in := range insts {
		bin := body.b[in.start:in.end]
		switch in.op {
		case 0x10, 0xD2: // call, ref.func
			ir := &reader{b: bin, p: 1}
			fn = appendU32(append(fn, in.op), m.funcIndex(ir.u32()))
			continue
		case 0x0F: // return
			if stack {
				fn = appendU32(append(fn, 0x0C), depth) // br to the wrapping block
				continue
			}
		case 0x02, 0x04:
			depth++
		case 0x03:
			depth++
			fn = append(fn, bin...)
			fn = m.fuelCheck(fn, in.weight)
			m.stats.Loops++
			continue
		case 0x0B:
			depth--
		}
		fn = append(fn, bin...)
	}
	if stack {
		fn = m.globalAdd(fn, m.sp, 0x6B, frame) // i32.sub
		fn = append(fn, 0x0B)
	}
	return fn, insts, nil
}

var errTrailing = unsupported("bytes after the end of a function")

// weight is the fuel charged for running a body of n instructions once.
func (m *module) weight(n int) uint32 {
	return uint32(min(1+n/fuelScale, int(m.o.FuelPerTick)))
}

// globalAdd appends g = g <op> v.
func (m *module) globalAdd(fn []byte, g uint32, op byte, v uint32) []byte {
	fn = appendU32(append(fn, 0x23), g)
	fn = appendS32(append(fn, 0x41), int32(v))
	fn = appendU32(append(fn, op, 0x24), g)
	return fn
}

func (m *module) fuelCheck(fn []byte, weight uint32) []byte {
	fn = m.globalAdd(fn, m.fuel, 0x6B, weight)
	fn = appendU32(append(fn, 0x23), m.fuel)
	fn = append(fn, 0x41, 0x00, 0x4C, 0x04, 0x40, 0x41) // i32.const 0  i32.le_s  if  i32.const
	fn = appendS32(fn, m.o.FuelPerTick)
	fn = appendU32(append(fn, 0x24), m.fuel)
	fn = appendU32(append(fn, 0x10), m.tick)
	if m.tickDrops {
		fn = append(fn, 0x1A)
	}
	return append(fn, 0x0B)
}

// blockType appends the type of a block with no params and these results.
func (m *module) blockType(fn []byte, results []byte) []byte {
	switch len(results) {
	case 0:
		return append(fn, 0x40)
	case 1:
		return append(fn, results[0])
	}
	return appendS32(fn, int32(m.typeFor(nil, results)))
}
