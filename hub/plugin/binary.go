package plugin

import (
	"bytes"
	"encoding/json"
	"strconv"
	"sync"

	"github.com/iohub/iohub/hub/handler"
)

// Binary values (sdk/ABI.md section 8). The socket side hands handlers binary
// arguments as []byte; a v1 guest sees them as base64 strings (what
// encoding/json makes of []byte), a v1.1 guest and the JavaScript prelude as
// Socket.IO's placeholders {"_placeholder":true,"num":N}, with the bytes
// beside the JSON. Going out, a v1.1 guest's placeholders become []byte
// again, which the library sends as attachments.

// ABIVersion11 is the hub_abi_version of guests that take binary as
// placeholders and may send it back.
const ABIVersion11 = 0x0101

// maxBinaries bounds the binaries a guest attaches in one call, as effects.
const maxBinaries = maxEffects

// eventInput is one event's input in each form a guest may need, each made
// once, when the first guest needing it runs.
type eventInput struct {
	call  *handler.Call
	split bool     // bins and placeholder args computed
	bins  [][]byte // the event's binary arguments, by placeholder num
	ph    []any    // call.Args with placeholders; nil when there is no binary
	env   [2][]byte
	pool  [2]*[]byte // env's buffers, from inputBufs
	js    jsEvent    // made when a JavaScript binding first needs it
	jsErr error
	jsSet bool
}

// splitBinary walks the arguments once: with no binary (the common case) the
// envelope is the same for every version.
func (ev *eventInput) splitBinary() {
	if ev.split {
		return
	}
	ev.split = true
	if !hasBinary(ev.call.Args) {
		return
	}
	ev.ph = toPlaceholders(ev.call.Args, &ev.bins).([]any)
}

// wasm returns the envelope for a guest of ABI version abi.
func (ev *eventInput) wasm(abi int32) ([]byte, error) {
	ev.splitBinary()
	i := 0
	if abi == ABIVersion11 && ev.ph != nil {
		i = 1
	}
	if ev.env[i] != nil {
		return ev.env[i], nil
	}
	args := ev.call.Args // v1: []byte marshals as base64
	if i == 1 {
		args = ev.ph
	}
	ev.pool[i] = inputBufs.Get().(*[]byte)
	b, err := appendEnvelope((*ev.pool[i])[:0], ev.call, args)
	ev.env[i] = b
	return b, err
}

// Input buffers are reused: an event's input is copied into the guest (or
// into a JavaScript string) and not kept past its call.
var inputBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

const maxPooledInput = 64 << 10

// release gives the event's inputs back once every handler has run.
func (ev *eventInput) release() {
	for i, p := range ev.pool {
		if p != nil && cap(ev.env[i]) <= maxPooledInput {
			*p = ev.env[i][:0] // the grown buffer
			inputBufs.Put(p)
		}
		ev.pool[i], ev.env[i] = nil, nil
	}
}

// jsInput returns the JavaScript dispatcher's input.
func (ev *eventInput) jsInput() (*jsEvent, error) {
	if !ev.jsSet {
		ev.jsSet = true
		ev.splitBinary()
		ev.jsErr = ev.js.set(ev.call, ev.ph, ev.bins)
	}
	return &ev.js, ev.jsErr
}

func hasBinary(v any) bool {
	switch x := v.(type) {
	case []byte:
		return true
	case []any:
		for _, e := range x {
			if hasBinary(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if hasBinary(e) {
				return true
			}
		}
	}
	return false
}

// toPlaceholders copies v with each []byte replaced by a placeholder, in the
// depth-first order Socket.IO numbers attachments. Map keys are visited
// sorted, the order the envelope writes them in.
func toPlaceholders(v any, bins *[][]byte) any {
	switch x := v.(type) {
	case []byte:
		*bins = append(*bins, x)
		return placeholder(len(*bins) - 1)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = toPlaceholders(e, bins)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for _, k := range sortedKeys(x) {
			out[k] = toPlaceholders(x[k], bins)
		}
		return out
	}
	return v
}

// placeholder is Socket.IO's own; its keys marshal in this order.
func placeholder(n int) map[string]any {
	return map[string]any{"_placeholder": true, "num": n}
}

// binary returns binary n of the call: the event's own, then the attached.
func (cs *callState) binary(n int64) ([]byte, bool) {
	if n < 0 {
		return nil, false
	}
	if n < int64(len(cs.bins)) {
		return cs.bins[n], true
	}
	n -= int64(len(cs.bins))
	if n < int64(len(cs.attached)) {
		return cs.attached[n], true
	}
	return nil, false
}

// resolve turns the placeholders of v, decoded from raw, into the binaries
// they name; false when one names none. Only v1.1 guests' output is looked
// at; raw with neither "placeholder" nor an escape cannot hold one.
func (cs *callState) resolve(v any, raw []byte) (any, bool) {
	if !cs.mayHoldBinary(raw) {
		return v, true
	}
	return resolvePlaceholders(v, cs.binary)
}

// mayHoldBinary reports whether guest output raw may name binaries: only
// v1.1 guests' may, and only with "placeholder" or an escape in it.
func (cs *callState) mayHoldBinary(raw []byte) bool {
	return cs.binaryOut && (bytes.Contains(raw, []byte("placeholder")) || bytes.IndexByte(raw, '\\') >= 0)
}

// resolveArgs is resolve for an argument list.
func (cs *callState) resolveArgs(args []any, raw []byte) ([]any, bool) {
	v, ok := cs.resolve(args, raw)
	if !ok {
		return nil, false
	}
	return v.([]any), true
}

// resolvePlaceholders replaces, in place, every object of exactly the keys
// _placeholder (true) and num by binary num. Decoded JSON of guest output:
// any value gives a result or false, never a panic (FuzzResolvePlaceholders).
func resolvePlaceholders(v any, bin func(int64) ([]byte, bool)) (any, bool) {
	switch x := v.(type) {
	case []any:
		for i, e := range x {
			r, ok := resolvePlaceholders(e, bin)
			if !ok {
				return nil, false
			}
			x[i] = r
		}
	case map[string]any:
		if p, isP := x["_placeholder"]; isP && p == true && len(x) == 2 {
			if num, hasNum := x["num"]; hasNum {
				n, ok := placeholderNum(num)
				if !ok {
					return nil, false
				}
				return bin(n)
			}
		}
		for k, e := range x {
			r, ok := resolvePlaceholders(e, bin)
			if !ok {
				return nil, false
			}
			x[k] = r
		}
	}
	return v, true
}

// placeholderNum reads a placeholder's num: a JSON integer.
func placeholderNum(v any) (int64, bool) {
	switch n := v.(type) {
	case json.Number:
		i, err := strconv.ParseInt(string(n), 10, 64)
		return i, err == nil
	case float64: // not from decodeJSON, but harmless
		if n == float64(int64(n)) {
			return int64(n), true
		}
	}
	return 0, false
}

// inputFor sets the input of guest in (cs.input, the envelope of a Wasm
// guest's version; cs.js, the JavaScript dispatcher's) and what its output's
// placeholders stand for: a v1.1 guest's name the event's binaries, then its
// attached ones; the JavaScript prelude's only the binaries its outcome
// lists.
func (cs *callState) inputFor(in guest, ev *eventInput) error {
	w, isWasm := in.(*wasmGuest)
	if !isWasm {
		cs.binaryOut = true
		e, err := ev.jsInput()
		cs.js = e
		return err
	}
	b, err := ev.wasm(w.abi)
	cs.input, cs.bins, cs.binaryOut = b, ev.bins, w.abi == ABIVersion11
	return err
}
