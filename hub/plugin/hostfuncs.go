package plugin

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/kv"
)

// errOutOfBounds traps a guest that passes a (ptr, len) outside its memory.
var errOutOfBounds = errors.New("pointer out of bounds of the guest's memory")

// read returns a view of guest memory; it traps the guest when out of bounds.
// The view is valid only during the host call.
func read(m api.Module, ptr, n uint64) []byte {
	b, ok := m.Memory().Read(uint32(ptr), uint32(n))
	if !ok {
		panic(errOutOfBounds)
	}
	return b
}

// readString copies a UTF-8 string out of guest memory.
func readString(m api.Module, ptr, n uint64) (string, bool) {
	b := read(m, ptr, n)
	return string(b), utf8.Valid(b)
}

// copyOut writes min(len(src), cap) bytes to (buf, cap) and returns len(src).
func copyOut(m api.Module, buf, cp uint64, src []byte) uint64 {
	n := uint32(len(src))
	if uint32(cp) < n {
		n = uint32(cp)
	}
	if n > 0 && !m.Memory().Write(uint32(buf), src[:n]) {
		panic(errOutOfBounds)
	}
	return uint64(uint32(int32(len(src))))
}

func ret(stack []uint64, code int32) { stack[0] = uint64(uint32(code)) }

// hostFunctions implements the "hub" import module. Each function finds its
// call through the context (withCall); one outside a call traps.
var hostFunctions = map[string]api.GoModuleFunc{
	"input_read": func(ctx context.Context, m api.Module, s []uint64) {
		s[0] = copyOut(m, s[0], s[1], mustCall(ctx).input)
	},
	"set_error": func(ctx context.Context, m api.Module, s []uint64) {
		b := read(m, s[0], s[1])
		if len(b) > maxErrorMessage {
			b = b[:maxErrorMessage]
		}
		mustCall(ctx).errMsg = string(b)
	},
	"log": func(ctx context.Context, m api.Module, s []uint64) {
		cs := mustCall(ctx)
		if !cs.log.Enabled(ctx, slogLevel(int32(s[0]))) {
			return // nothing copied for a level the hub does not write
		}
		b := read(m, s[1], s[2]) // a view: a huge line is cut before it is copied
		b = bytes.TrimRight(b, "\r\n")
		if !cs.logs.take(ctx, cs.log, min(len(b), maxLogLine)) {
			return
		}
		logAt(cs.log, int32(s[0]), capLine(b))
	},
	"reply": func(ctx context.Context, m api.Module, s []uint64) {
		cs := mustCall(ctx)
		b := read(m, s[0], s[1])
		switch {
		case cs.init:
			ret(s, codeDenied)
			return
		case !cs.ack:
			ret(s, codeDenied)
			return
		case cs.chain.replied || cs.hasReply():
			ret(s, codeState)
			return
		}
		e, ok := cs.replyEffect(b)
		if !ok {
			ret(s, codeInvalid)
			return
		}
		ret(s, cs.add(e, len(b)))
	},
	"emit": func(ctx context.Context, m api.Module, s []uint64) {
		cs := mustCall(ctx)
		name, okName := readString(m, s[0], s[1])
		b := read(m, s[2], s[3])
		ev, err := access.ParseEvent(name)
		data, okData := decodeJSON(b)
		if okData {
			data, okData = cs.resolve(data, b)
		}
		if !okName || err != nil || !okData {
			ret(s, codeInvalid)
			return
		}
		ret(s, cs.add(effect{op: opEmit, ev: ev, data: data}, len(name)+len(b)))
	},
	"raw": func(ctx context.Context, m api.Module, s []uint64) {
		cs := mustCall(ctx)
		room, okRoom := readString(m, s[0], s[1])
		event, okEvent := readString(m, s[2], s[3])
		b := read(m, s[4], s[5])
		args, okArgs := decodeArgs(b)
		if okArgs {
			args, okArgs = cs.resolveArgs(args, b)
		}
		if !okRoom || !okEvent || !okArgs || event == "" || access.IsReservedEvent(event) || uint32(s[6]) > 1 {
			ret(s, codeInvalid)
			return
		}
		ret(s, cs.add(effect{op: opRaw, room: room, event: event, args: args, except: uint32(s[6])&1 == 1}, len(room)+len(event)+len(b)))
	},
	"send": func(ctx context.Context, m api.Module, s []uint64) {
		cs := mustCall(ctx)
		sid, okSID := readString(m, s[0], s[1])
		event, okEvent := readString(m, s[2], s[3])
		b := read(m, s[4], s[5])
		args, okArgs := decodeArgs(b)
		if okArgs {
			args, okArgs = cs.resolveArgs(args, b)
		}
		if !okSID || !okEvent || !okArgs || event == "" || access.IsReservedEvent(event) {
			ret(s, codeInvalid)
			return
		}
		sid, code := cs.targetSocket(sid)
		if code != 0 {
			ret(s, code)
			return
		}
		ret(s, cs.add(effect{op: opSend, sid: sid, event: event, args: args}, len(sid)+len(event)+len(b)))
	},
	"binary_read": func(ctx context.Context, m api.Module, s []uint64) {
		b, ok := mustCall(ctx).binary(int64(int32(s[0])))
		if !ok {
			ret(s, codeNotFound)
			return
		}
		s[0] = copyOut(m, s[1], s[2], b)
	},
	"binary_attach": func(ctx context.Context, m api.Module, s []uint64) {
		cs := mustCall(ctx)
		b := read(m, s[0], s[1])
		switch {
		case cs.init || !cs.binaryOut:
			ret(s, codeDenied)
			return
		case len(cs.attached) >= maxBinaries || cs.bytes+len(b) > maxEffectBytes:
			ret(s, codeLimit)
			return
		}
		cs.bytes += len(b)
		cs.attached = append(cs.attached, bytes.Clone(b))
		ret(s, int32(len(cs.bins)+len(cs.attached)-1))
	},
	"join":  roomOp(opJoin),
	"leave": roomOp(opLeave),
	"disconnect": func(ctx context.Context, m api.Module, s []uint64) {
		cs := mustCall(ctx)
		sid, ok := readString(m, s[0], s[1])
		if !ok {
			ret(s, codeInvalid)
			return
		}
		sid, code := cs.targetSocket(sid)
		if code != 0 {
			ret(s, code)
			return
		}
		ret(s, cs.add(effect{op: opDisconnect, sid: sid}, len(sid)))
	},
	"kv_get": func(ctx context.Context, m api.Module, s []uint64) {
		cs := mustCall(ctx)
		key, code := kvKey(m, s[0], s[1])
		if code != 0 {
			ret(s, code)
			return
		}
		v, found, err := cs.kv.Get(ctx, key)
		switch {
		case err != nil:
			ret(s, kvCode(cs, err))
		case !found:
			ret(s, codeNotFound)
		default:
			s[0] = copyOut(m, s[2], s[3], v)
		}
	},
	"kv_set": func(ctx context.Context, m api.Module, s []uint64) {
		cs := mustCall(ctx)
		key, code := kvKey(m, s[0], s[1])
		val := read(m, s[2], s[3])
		ttl := int64(s[4])
		switch {
		case code != 0:
			ret(s, code)
			return
		case ttl < 0:
			ret(s, codeInvalid)
			return
		case len(val) > maxKVValue:
			ret(s, codeLimit)
			return
		}
		if err := cs.kv.Set(ctx, key, val, time.Duration(ttl)*time.Millisecond); err != nil {
			ret(s, kvCode(cs, err))
			return
		}
		ret(s, 0)
	},
	"kv_delete": func(ctx context.Context, m api.Module, s []uint64) {
		cs := mustCall(ctx)
		key, code := kvKey(m, s[0], s[1])
		if code != 0 {
			ret(s, code)
			return
		}
		found, err := cs.kv.Delete(ctx, key)
		switch {
		case err != nil:
			ret(s, kvCode(cs, err))
		case !found:
			ret(s, codeNotFound)
		default:
			ret(s, 0)
		}
	},
	"kv_add": func(ctx context.Context, m api.Module, s []uint64) {
		cs := mustCall(ctx)
		key, code := kvKey(m, s[0], s[1])
		delta, ttl, out := int64(s[2]), int64(s[3]), s[4]
		switch {
		case code != 0:
			ret(s, code)
			return
		case ttl < 0:
			ret(s, codeInvalid)
			return
		}
		read(m, out, 8) // trap before changing state if out is out of bounds
		n, err := cs.kv.Add(ctx, key, delta, time.Duration(ttl)*time.Millisecond)
		if errors.Is(err, kv.ErrNotInteger) {
			ret(s, codeState)
			return
		}
		if err != nil {
			ret(s, kvCode(cs, err))
			return
		}
		var buf [8]byte
		binary.LittleEndian.PutUint64(buf[:], uint64(n))
		m.Memory().Write(uint32(out), buf[:])
		ret(s, 0)
	},
	"now_ms": func(_ context.Context, _ api.Module, s []uint64) {
		s[0] = uint64(time.Now().UnixMilli())
	},
	"random": func(_ context.Context, m api.Module, s []uint64) {
		if uint32(s[1]) > maxRandom {
			ret(s, codeLimit)
			return
		}
		buf := make([]byte, uint32(s[1]))
		_, _ = rand.Read(buf)
		if len(buf) > 0 && !m.Memory().Write(uint32(s[0]), buf) {
			panic(errOutOfBounds)
		}
		ret(s, 0)
	},
}

func roomOp(op effectOp) api.GoModuleFunc {
	return func(ctx context.Context, m api.Module, s []uint64) {
		cs := mustCall(ctx)
		sid, okSID := readString(m, s[0], s[1])
		room, okRoom := readString(m, s[2], s[3])
		if !okSID || !okRoom || room == "" {
			ret(s, codeInvalid)
			return
		}
		sid, code := cs.targetSocket(sid)
		if code != 0 {
			ret(s, code)
			return
		}
		ret(s, cs.add(effect{op: op, sid: sid, room: room}, len(sid)+len(room)))
	}
}

func (cs *callState) hasReply() bool {
	for _, e := range cs.effects {
		if e.op == opReply {
			return true
		}
	}
	return false
}

// kvKey reads a KV key: 0 and the key, or codeLimit / codeInvalid.
func kvKey(m api.Module, ptr, n uint64) (string, int32) {
	key, ok := readString(m, ptr, n) // read first: a bad pointer traps either way
	switch {
	case len(key) > maxKVKey:
		return "", codeLimit
	case !ok || key == "":
		return "", codeInvalid
	}
	return key, 0
}

// kvCode maps a store failure (a remote store being down) to "unavailable".
func kvCode(cs *callState, err error) int32 {
	cs.log.Warn("kv store failed", "err", err)
	return codeUnavailable
}

func mustCall(ctx context.Context) *callState {
	cs := callFrom(ctx)
	if cs == nil {
		panic(errors.New("host function called outside an event"))
	}
	return cs
}

// instantiateHostModule registers the "hub" module in r.
func instantiateHostModule(ctx context.Context, r wazero.Runtime) error {
	b := r.NewHostModuleBuilder(hostModule)
	for name, fn := range hostFunctions {
		sig, ok := imports[name]
		if !ok {
			return fmt.Errorf("host function %s has no signature", name)
		}
		b.NewFunctionBuilder().WithGoModuleFunction(fn, sig.params, sig.results).Export(name)
	}
	if len(hostFunctions) != len(imports) {
		return fmt.Errorf("%d host functions for %d imports", len(hostFunctions), len(imports))
	}
	_, err := b.Instantiate(ctx)
	return err
}
