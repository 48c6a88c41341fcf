package wasmguard

// The sections other than code: limits checked, tables clamped, function
// indices renumbered, the fuel and stack globals appended.

// tables refuses tables whose minimums together exceed TableLimit, and
// clamps their maximums so that together they stay within it (the room above
// the minimums goes to the tables in order).
func (m *module) tables(r *reader) ([]byte, error) {
	type table struct {
		t      byte
		lo, hi int64
	}
	var ts []table
	var sum int64
	for n := r.u32(); n > 0 && r.err == nil; n-- {
		t := r.valtype()
		lo, hi := r.limits()
		ts = append(ts, table{t, int64(lo), hi})
		sum += int64(lo)
	}
	if r.err != nil || !r.done() {
		return nil, unsupported("table section malformed")
	}
	lim := int64(m.o.TableLimit)
	if lim > 0 && sum > lim {
		return nil, overLimit("tables declare %d entries; the limit is %d", sum, lim)
	}
	room := lim - sum
	out := appendU32(nil, uint32(len(ts)))
	for _, t := range ts {
		if lim > 0 {
			if t.hi < 0 || t.hi-t.lo > room {
				t.hi = t.lo + room
			}
			room -= t.hi - t.lo
		}
		out = append(out, t.t)
		if t.hi < 0 {
			out = appendU32(append(out, 0x00), uint32(t.lo))
		} else {
			out = appendU32(appendU32(append(out, 0x01), uint32(t.lo)), uint32(t.hi))
		}
	}
	return out, nil
}

// memories refuses a declared minimum over MemoryLimitPages.
func (m *module) memories(r *reader) ([]byte, error) {
	for n := r.u32(); n > 0 && r.err == nil; n-- {
		lo, _ := r.limits()
		if lim := m.o.MemoryLimitPages; lim > 0 && lo > lim && r.err == nil {
			return nil, overLimit("memory declares %d pages (%d MiB); the limit is %d pages (%d MiB)", lo, uint64(lo)>>4, lim, lim>>4)
		}
	}
	if r.err != nil {
		return nil, unsupported("memory section: %v", r.err)
	}
	return r.b, nil
}

// globals renumbers ref.func in initialisers and appends the fuel counter and
// the stack estimate: (global (mut i32) (i32.const FuelPerTick)) and
// (global (mut i32) (i32.const 0)).
func (m *module) globals(r *reader) ([]byte, error) {
	var out []byte
	if r.b != nil {
		n := r.u32()
		out = appendU32(out, n+2)
		for i := uint32(0); i < n && r.err == nil; i++ {
			out = append(out, r.valtype(), r.byte())
			var err error
			if out, err = m.expr(r, out); err != nil {
				return nil, err
			}
		}
		if r.err != nil || !r.done() {
			return nil, unsupported("global section malformed")
		}
	} else {
		out = appendU32(out, 2)
	}
	out = appendS32(append(out, 0x7F, 0x01, 0x41), m.o.FuelPerTick)
	out = append(out, 0x0B, 0x7F, 0x01, 0x41, 0x00, 0x0B)
	return out, nil
}

// exports renumbers exported functions.
func (m *module) exports(r *reader) ([]byte, error) {
	n := r.u32()
	out := appendU32(nil, n)
	for i := uint32(0); i < n && r.err == nil; i++ {
		name := r.name()
		kind := r.byte()
		idx := r.u32()
		if kind == 0x00 {
			idx = m.funcIndex(idx)
		}
		out = appendU32(append(append(appendU32(out, uint32(len(name))), name...), kind), idx)
	}
	if r.err != nil || !r.done() {
		return nil, unsupported("export section malformed")
	}
	return out, nil
}

// elements renumbers the function indices of element segments and refuses a
// segment longer than TableLimit.
func (m *module) elements(r *reader) ([]byte, error) {
	n := r.u32()
	out := appendU32(nil, n)
	var err error
	for i := uint32(0); i < n && r.err == nil; i++ {
		flags := r.u32()
		out = appendU32(out, flags)
		if flags > 7 {
			return nil, unsupported("element segment of an unknown kind %d", flags)
		}
		if flags&0b010 != 0 && flags&0b001 == 0 { // explicit table index
			out = appendU32(out, r.u32())
		}
		if flags&0b001 == 0 { // active: offset
			if out, err = m.expr(r, out); err != nil {
				return nil, err
			}
		}
		if flags&0b011 != 0 { // elemkind or reftype
			out = append(out, r.byte())
		}
		count := r.u32()
		if lim := m.o.TableLimit; lim > 0 && count > lim && r.err == nil {
			return nil, overLimit("element segment %d has %d entries; the table limit is %d", i, count, lim)
		}
		out = appendU32(out, count)
		for k := uint32(0); k < count && r.err == nil; k++ {
			if flags&0b100 == 0 {
				out = appendU32(out, m.funcIndex(r.u32()))
			} else if out, err = m.expr(r, out); err != nil {
				return nil, err
			}
		}
	}
	if r.err != nil || !r.done() {
		return nil, unsupported("element section malformed")
	}
	return out, nil
}

// data refuses data segments larger, in total, than the memory limit.
func (m *module) data(r *reader) error {
	var total uint64
	for n := r.u32(); n > 0 && r.err == nil; n-- {
		flags := r.u32()
		switch flags {
		case 0, 2:
			if flags == 2 {
				r.u32()
			}
			if _, err := m.expr(r, nil); err != nil {
				return err
			}
		case 1:
		default:
			return unsupported("data segment of an unknown kind %d", flags)
		}
		size := r.u32()
		r.skip(int(size))
		total += uint64(size)
	}
	if r.err != nil || !r.done() {
		return unsupported("data section malformed")
	}
	if lim := uint64(m.o.MemoryLimitPages) << 16; lim > 0 && total > lim {
		return overLimit("data segments hold %d bytes; the memory limit is %d", total, lim)
	}
	return nil
}

// expr copies a constant expression up to its end, renumbering ref.func.
func (m *module) expr(r *reader, out []byte) ([]byte, error) {
	for depth := 0; r.err == nil; {
		from := r.p
		op := r.byte()
		if op == 0xD2 {
			out = appendU32(append(out, op), m.funcIndex(r.u32()))
			continue
		}
		if err := r.immediates(op); err != nil {
			return nil, unsupported("constant expression: %v", err)
		}
		out = append(out, r.b[from:r.p]...)
		switch op {
		case 0x02, 0x03, 0x04:
			depth++
		case 0x0B:
			if depth == 0 {
				return out, nil
			}
			depth--
		}
	}
	return nil, unsupported("constant expression: %v", r.err)
}
