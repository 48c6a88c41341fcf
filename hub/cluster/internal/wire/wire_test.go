package wire

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func roundTrip(t *testing.T, v any) any {
	t.Helper()
	b, err := Encode(&Op{Node: "a", Kind: KindEmit, Event: "e"}, v)
	if err != nil {
		t.Fatal(err)
	}
	o, got, err := Decode(b)
	if err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	if o.Node != "a" || o.Kind != KindEmit || o.Event != "e" {
		t.Fatalf("header: %+v", o)
	}
	return got
}

// The bytes are the protocol between nodes of different versions: these must
// not change. The origin's id comes first (a node skips its own ops by that
// prefix).
func TestWireBytes(t *testing.T) {
	for _, c := range []struct {
		o    *Op
		v    any
		want string
	}{
		{&Op{Node: "n1", Kind: KindEmit, Event: "e", Rooms: []string{"a", "b"}},
			map[string]any{"k": []any{1.5, "x", []byte{1, 2}}, "z": nil},
			`{"n":"n1","k":"emit","e":"e","d":{"k":[1.5,"x","AQI="],"z":null},"r":["a","b"],"b":[["k",2]]}`},
		{&Op{Node: "n1", Kind: KindBroadcast, Event: "e", Room: "r", Except: "s1"}, []any{"a", []byte{0xff}},
			`{"n":"n1","k":"broadcast","e":"e","d":["a","/w=="],"m":"r","x":"s1","b":[[1]]}`},
		{&Op{Node: "n1", Kind: KindSend, Event: "e", SID: "s1"}, []any{}, `{"n":"n1","k":"send","e":"e","d":[],"s":"s1"}`},
		{&Op{Node: "n1", Kind: KindJoin, SID: "s1", Room: "r"}, nil, `{"n":"n1","k":"join","d":null,"m":"r","s":"s1"}`},
		{&Op{Node: "n1", Kind: KindUser, User: "7", Gone: true}, nil, `{"n":"n1","k":"user","d":null,"u":"7","g":true}`},
	} {
		b, err := Encode(c.o, c.v)
		if err != nil || string(b) != c.want {
			t.Errorf("Encode: %s %v\nwant %s", b, err, c.want)
		}
	}
}

func TestWireKeepsJSON(t *testing.T) {
	var in any
	d := json.NewDecoder(strings.NewReader(`{"id": 12345678901234567890, "f": 1.50, "s": "x", "n": null, "a": [true, {"b": []}],
		"b": ["aGk="], "_placeholder": true, "num": 0}`))
	d.UseNumber()
	if err := d.Decode(&in); err != nil {
		t.Fatal(err)
	}
	got := roundTrip(t, in)
	// Numbers keep their digits; strings that look like base64 or like
	// Socket.IO's placeholders stay what they are.
	if !reflect.DeepEqual(got, in) {
		t.Errorf("got %#v\nwant %#v", got, in)
	}
	if got := roundTrip(t, nil); got != nil {
		t.Errorf("nil data came back as %#v", got)
	}
}

func TestWireBinary(t *testing.T) {
	bin := []byte{0, 1, 2, 0xff}
	in := map[string]any{
		"top":  bin,
		"list": []any{"x", bin, []any{map[string]any{"deep": bin}}},
		"text": "aGk=",
		"0":    bin, // a key that reads like an index
	}
	got := roundTrip(t, in)
	if !reflect.DeepEqual(got, in) {
		t.Errorf("got %#v\nwant %#v", got, in)
	}
	// Binary at the root, and in an argument list.
	if got := roundTrip(t, bin); !bytes.Equal(got.([]byte), bin) {
		t.Errorf("root binary: %#v", got)
	}
	args := []any{"a", bin}
	if got := roundTrip(t, args); !reflect.DeepEqual(got, args) {
		t.Errorf("args: %#v", got)
	}
	// The caller's data is not changed by encoding.
	if _, ok := in["top"].([]byte); !ok {
		t.Error("Encode changed the caller's map")
	}
}

func TestDecodeRejects(t *testing.T) {
	for _, b := range []string{
		``, `{`, `[]`,
		`{"n":"a","k":"emit","d":"x","b":[[0]]}`,            // index into a string
		`{"n":"a","k":"emit","d":["x"],"b":[[1]]}`,          // index out of range
		`{"n":"a","k":"emit","d":{"k":1},"b":[["k"]]}`,      // not base64 text
		`{"n":"a","k":"emit","d":{"k":"!!"},"b":[["k"]]}`,   // bad base64
		`{"n":"a","k":"emit","d":{"k":"aGk="},"b":[["j"]]}`, // missing key
		`{"n":"a","k":"emit","d":["aGk="],"b":[["0"]]}`,     // key into an array
	} {
		if _, _, err := Decode([]byte(b)); err == nil {
			t.Errorf("Decode(%s) succeeded", b)
		}
	}
}

func FuzzDecode(f *testing.F) {
	b, _ := Encode(&Op{Node: "n", Kind: KindBroadcast, Event: "e", Room: "r"}, []any{[]byte{1}, map[string]any{"k": []byte{2}}})
	f.Add(b)
	f.Add([]byte(`{"n":"a","k":"emit","d":[["aGk="]],"b":[[0,0]]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		o, v, err := Decode(b) // never panics
		if err != nil {
			return
		}
		// What decodes encodes again.
		if _, err := Encode(o, v); err != nil {
			t.Fatalf("re-encode: %v", err)
		}
	})
}
