package plugin

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The envelope of an event with binary arguments, by guest version: v1 sees
// base64, v1.1 placeholders numbered depth first with map keys sorted.
func TestEnvelopeBinary(t *testing.T) {
	call := event("up", true, "a", map[string]any{"z": []byte{3}, "b": []byte{1, 2}}, []any{[]byte{}})
	call.Received = time.UnixMilli(1)
	ev := &eventInput{call: call}
	tests := []struct {
		abi  int32
		args string
	}{
		{ABIVersion, `["a",{"b":"AQI=","z":"Aw=="},[""]]`},
		{ABIVersion11, `["a",{"b":{"_placeholder":true,"num":0},"z":{"_placeholder":true,"num":1}},[{"_placeholder":true,"num":2}]]`},
	}
	for _, tt := range tests {
		b, err := ev.wasm(tt.abi)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte(`"args":`+tt.args+`,"ack"`)) {
			t.Errorf("abi %#x: envelope %s\nwant args %s", tt.abi, b, tt.args)
		}
	}
	if want := [][]byte{{1, 2}, {3}, {}}; !reflect.DeepEqual(ev.bins, want) {
		t.Errorf("bins %v, want %v", ev.bins, want)
	}
	// Without binary, one envelope serves both versions.
	plain := &eventInput{call: event("up", true, "a")}
	b1, _ := plain.wasm(ABIVersion)
	b11, _ := plain.wasm(ABIVersion11)
	if &b1[0] != &b11[0] || plain.bins != nil {
		t.Error("an event without binary built two envelopes")
	}
}

func TestResolvePlaceholders(t *testing.T) {
	bins := [][]byte{{1}, {2, 2}}
	bin := func(n int64) ([]byte, bool) {
		if n < 0 || n >= int64(len(bins)) {
			return nil, false
		}
		return bins[n], true
	}
	tests := []struct {
		in   string
		want any // nil: invalid
	}{
		{`[{"_placeholder":true,"num":1}]`, []any{[]byte{2, 2}}},
		{`[{"a":[{"_placeholder":true,"num":0}]}]`, []any{map[string]any{"a": []any{[]byte{1}}}}},
		{`[{"_placeholder":true,"num":2}]`, nil},
		{`[{"_placeholder":true,"num":-1}]`, nil},
		{`[{"_placeholder":true,"num":1.5}]`, nil},
		{`[{"_placeholder":true,"num":"0"}]`, nil},
		// Not placeholders: other shapes stay objects.
		{`[{"_placeholder":false,"num":0}]`, []any{map[string]any{"_placeholder": false, "num": json.Number("0")}}},
		{`[{"_placeholder":true,"num":0,"x":1}]`, []any{map[string]any{"_placeholder": true, "num": json.Number("0"), "x": json.Number("1")}}},
		{`[{"_placeholder":true}]`, []any{map[string]any{"_placeholder": true}}},
		{`["_placeholder"]`, []any{"_placeholder"}},
	}
	for _, tt := range tests {
		v, _ := decodeJSON([]byte(tt.in))
		got, ok := resolvePlaceholders(v, bin)
		switch {
		case tt.want == nil && ok:
			t.Errorf("%s: resolved to %v, want invalid", tt.in, got)
		case tt.want != nil && (!ok || !reflect.DeepEqual(got, tt.want)):
			t.Errorf("%s: got %#v %v, want %#v", tt.in, got, ok, tt.want)
		}
	}
	// A v1 guest's output is never looked at.
	cs := &callState{bins: bins}
	v, _ := decodeJSON([]byte(`[{"_placeholder":true,"num":9}]`))
	if _, ok := cs.resolve(v, nil); !ok {
		t.Error("a v1 guest's placeholder was resolved")
	}
}

// FuzzResolvePlaceholders: any decoded guest output resolves or is refused,
// never panics, and leaves no placeholder behind; binaries put into
// placeholders (the envelope's way) come back identical.
func FuzzResolvePlaceholders(f *testing.F) {
	f.Add([]byte(`[{"_placeholder":true,"num":0},{"a":{"_placeholder":true,"num":1}}]`), []byte{1, 2, 3})
	f.Add([]byte(`[{"_placeholder":true,"num":99999999999999999999}]`), []byte{})
	f.Add([]byte(`{"_placeholder":true,"num":1e2}`), []byte{0})
	f.Fuzz(func(t *testing.T, raw []byte, blob []byte) {
		bins := [][]byte{blob, bytes.Repeat(blob, 2)}
		cs := &callState{bins: bins[:1], attached: bins[1:], binaryOut: true}
		if v, ok := decodeJSON(raw); ok {
			if got, ok := cs.resolve(v, raw); ok && hasPlaceholder(got) {
				t.Fatalf("%s: a placeholder is left in %#v", raw, got)
			}
		}
		// The round trip: placeholders made from binaries resolve to them.
		var extracted [][]byte
		str := strings.ToValidUTF8(string(raw), "")
		orig := []any{blob, map[string]any{"k": []any{str, blob}}}
		ph := toPlaceholders(orig, &extracted)
		enc, err := json.Marshal(ph)
		if err != nil {
			t.Fatal(err)
		}
		v, _ := decodeJSON(enc)
		cs = &callState{bins: extracted, binaryOut: true}
		got, ok := cs.resolve(v, enc)
		if !ok {
			t.Fatalf("%s: not resolved", enc)
		}
		want := []any{blob, map[string]any{"k": []any{str, blob}}}
		if !reflect.DeepEqual(normalize(got), normalize(want)) {
			t.Fatalf("round trip: %#v, want %#v", got, want)
		}
	})
}

// normalize makes nil and empty byte slices compare equal.
func normalize(v any) any {
	switch x := v.(type) {
	case []byte:
		return append([]byte{}, x...)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	}
	return v
}

func hasPlaceholder(v any) bool {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if hasPlaceholder(e) {
				return true
			}
		}
	case map[string]any:
		if p, ok := x["_placeholder"]; ok && p == true && len(x) == 2 {
			if _, ok := x["num"]; ok {
				return true
			}
		}
		for _, e := range x {
			if hasPlaceholder(e) {
				return true
			}
		}
	}
	return false
}

// A v1.1 guest reads a binary argument, attaches bytes, and its placeholders
// become binary in its reply and raw emit; a v1 guest may read but not
// attach, and its placeholders stay objects.
func TestWasmBinary(t *testing.T) {
	dir := t.TempDir()
	install(t, dir, "binary", "bin")
	install(t, dir, "binary_v1", "binv1")
	h := newHost(t, dir, Options{}, "up=bin", "old=binv1")

	out := h.handle(event("up", true, []byte("hello")))
	if out.Error != "" || !reflect.DeepEqual(out.Reply, []any{[]byte("hello"), []byte("ello")}) {
		t.Fatalf("v1.1: %s\n%s", fmtOutcome(out), h.logs)
	}
	effs := h.rec.Effects()
	if len(effs) != 1 || effs[0].Op != "raw" || !reflect.DeepEqual(effs[0].Args, []any{[]byte("ello")}) {
		t.Errorf("v1.1 effects %+v", effs)
	}
	// No binary argument: binary_read(0) is -1 and the guest fails.
	if out := h.handle(event("up", true, "text")); out.Error == "" {
		t.Errorf("v1.1 without binary: %s", fmtOutcome(out))
	}

	out = h.handle(event("old", true, []byte("hi")))
	want := []any{map[string]any{"_placeholder": true, "num": json.Number("7")}}
	if out.Error != "" || !reflect.DeepEqual(out.Reply, want) {
		t.Errorf("v1: %s\n%s", fmtOutcome(out), h.logs)
	}
}

// A JavaScript handler gets binary arguments as Uint8Arrays and sends typed
// arrays, ArrayBuffers and DataViews back as binary.
func TestJSBinary(t *testing.T) {
	dir := t.TempDir()
	writeJS(t, dir, "bin.js", `module.exports = [{ name: 'up', handler(ctx, socket, name, blob, ack) {
  if (!(blob instanceof Uint8Array)) throw new Error('not a Uint8Array: ' + Object.prototype.toString.call(blob));
  console.log(JSON.stringify(new Uint8Array([7, 8])));
  const tail = new Uint16Array([0x0201, 0x0403]);
  socket.emit('tail', new DataView(tail.buffer, 2, 2));
  socket.broadcast.emit('all', { inner: blob.buffer.slice(1) });
  ack(name, blob, new Uint8Array(0), { _placeholder: false, num: 0 });
} }];`)
	h := newJSHost(t, dir, Options{})
	out := h.handle(event("up", true, "f", []byte{1, 2, 3}))
	want := []any{"f", []byte{1, 2, 3}, []byte{}, map[string]any{"_placeholder": false, "num": json.Number("0")}}
	if out.Error != "" || !reflect.DeepEqual(normalize(out.Reply), normalize(want)) {
		t.Fatalf("%s\n%s", fmtOutcome(out), h.logs)
	}
	effs := h.rec.Effects()
	if len(effs) != 2 || !reflect.DeepEqual(effs[0].Args, []any{[]byte{3, 4}}) ||
		!reflect.DeepEqual(effs[1].Args, []any{map[string]any{"inner": []byte{2, 3}}}) {
		t.Errorf("effects %+v", effs)
	}
	// Outside an effect, JSON.stringify of a typed array is as without the hook.
	if !strings.Contains(h.logs.String(), `{\"0\":7,\"1\":8}`) {
		t.Errorf("log:\n%s", h.logs)
	}
}
