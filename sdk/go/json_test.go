package iohub

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// encoding/json is fine here: tests run natively and serve as the oracle.

func TestField(t *testing.T) {
	tests := []struct {
		obj, key, want string
	}{
		{`{"a":1}`, "a", `1`},
		{` { "a" : "x" , "b" : [1,{"c":"]"}] } `, "b", `[1,{"c":"]"}]`},
		{`{"a":{"b":1},"b":2}`, "b", `2`}, // nested keys are not top-level
		{`{"s":"q\"}{","k":true}`, "k", `true`},
		{`{"s":"\\","k":null}`, "k", `null`},
		{`{"k":-1.5e+3}`, "k", `-1.5e+3`},
		{`{"k":1,"k":2}`, "k", `1`}, // first wins
		{`{"r\u006fom":"x"}`, "room", `"x"`},
		{`{"\"q":1}`, `"q`, `1`},
		{`{"a":1}`, "b", ``},
		{`[1]`, "a", ``},
		{`{"a":`, "a", ``},
		{`{"a":1 "b":2}`, "b", ``},
		{``, "a", ``},
		{`{}`, "", ``},
	}
	for _, tt := range tests {
		if got := string(Field([]byte(tt.obj), tt.key)); got != tt.want {
			t.Errorf("Field(%s, %q) = %q, want %q", tt.obj, tt.key, got, tt.want)
		}
	}
}

func TestIndexLen(t *testing.T) {
	arr := []byte(` [ "a,]" , {"x":[1,2]} ,3, [] ] `)
	want := []string{`"a,]"`, `{"x":[1,2]}`, `3`, `[]`}
	if n := Len(arr); n != len(want) {
		t.Fatalf("Len = %d, want %d", n, len(want))
	}
	for i, w := range want {
		if got := string(Index(arr, i)); got != w {
			t.Errorf("Index(%d) = %q, want %q", i, got, w)
		}
	}
	for _, a := range []string{`[1,2`, `{}`, ``, `[1 2]`} {
		if n := Len([]byte(a)); n != -1 {
			t.Errorf("Len(%q) = %d, want -1", a, n)
		}
	}
	if Len([]byte(`[]`)) != 0 || Index(arr, 4) != nil || Index(arr, -1) != nil {
		t.Error("empty array / out-of-range index")
	}
}

func TestUnquote(t *testing.T) {
	tests := []struct {
		raw, want string
		ok        bool
	}{
		{`"plain"`, "plain", true},
		{`""`, "", true},
		{` "x" `, "x", true},
		{`"a\"b\\c\/d\b\f\n\r\t"`, "a\"b\\c/d\b\f\n\r\t", true},
		{`"\u00e9\u4e2D"`, "é中", true},
		{`"\ud83d\ude00!"`, "😀!", true},
		{`"\ud83d"`, "\ufffd", true},        // lone high surrogate
		{`"\ude00x"`, "\ufffdx", true},      // lone low surrogate
		{`"\ud83d\u0041"`, "\ufffdA", true}, // second escape kept
		{`"é"`, "é", true},
		{`"\x"`, "", false},
		{`"\u12"`, "", false},
		{`"abc`, "", false},
		{`"a"b"`, "", false},
		{`12`, "", false},
		{`null`, "", false},
	}
	for _, tt := range tests {
		got, ok := Unquote([]byte(tt.raw))
		if got != tt.want || ok != tt.ok {
			t.Errorf("Unquote(%s) = %q, %v; want %q, %v", tt.raw, got, ok, tt.want, tt.ok)
		}
	}
}

func TestTypedFields(t *testing.T) {
	obj := []byte(`{"s":"x","n":12.5,"i":42,"f":7.0,"e":1e3,"big":1e300,"neg":-3,"t":true,"no":false,"z":null,"ns":"1"}`)
	if s, ok := String(obj, "s"); !ok || s != "x" {
		t.Errorf("String s = %q %v", s, ok)
	}
	if _, ok := String(obj, "n"); ok {
		t.Error("String on a number")
	}
	if f, ok := Number(obj, "n"); !ok || f != 12.5 {
		t.Errorf("Number n = %v %v", f, ok)
	}
	if _, ok := Number(obj, "ns"); ok {
		t.Error("Number on a string")
	}
	for key, want := range map[string]int64{"i": 42, "f": 7, "e": 1000, "neg": -3} {
		if n, ok := Int(obj, key); !ok || n != want {
			t.Errorf("Int %s = %v %v, want %d", key, n, ok, want)
		}
	}
	for _, key := range []string{"n", "big", "s", "z", "missing"} {
		if _, ok := Int(obj, key); ok {
			t.Errorf("Int %s: want !ok", key)
		}
	}
	if v, ok := Bool(obj, "t"); !ok || !v {
		t.Error("Bool t")
	}
	if v, ok := Bool(obj, "no"); !ok || v {
		t.Error("Bool no")
	}
	if _, ok := Bool(obj, "z"); ok {
		t.Error("Bool null")
	}
}

func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"b\s`, "\x00\x01\x1f\n\r\t\b\f", "é中😀", "\u2028", "<&>"} {
		raw := AppendString(nil, s)
		var got string
		if err := json.Unmarshal(raw, &got); err != nil || got != s {
			t.Errorf("AppendString(%q) = %s: %q, %v", s, raw, got, err)
		}
		if back, ok := Unquote(raw); !ok || back != s {
			t.Errorf("Unquote(AppendString(%q)) = %q, %v", s, back, ok)
		}
	}
	if got := string(AppendString([]byte("x"), "a\xffb")); got != `x"a\ufffdb"` {
		t.Errorf("invalid UTF-8: %s", got)
	}
}

func TestScanNoAllocs(t *testing.T) {
	obj := []byte(`{"a":[1,"x",{"b":"\"]"}],"r\u006fom":"lobby","n":3}`)
	allocs := testing.AllocsPerRun(100, func() {
		_ = Field(obj, "room")
		_, _ = Number(obj, "n")
		_ = Len(Field(obj, "a"))
	})
	if allocs != 0 {
		t.Errorf("allocs = %v, want 0", allocs)
	}
}

// FuzzScan checks that no helper panics on any input, and that on valid JSON
// the scanner agrees with encoding/json.
func FuzzScan(f *testing.F) {
	for _, s := range []string{
		envelope, `{"a":1}`, `[1,"a",{"b":[]}]`, `"a\u00e9\ud83d\ude00\n"`, `{"r\u006fom":"x"}`,
		`{"a":"\\"}`, `[[[[]]]]`, `{"a":"`, `"\ud800\u0041"`, `-0.5e-7`, `{"a":1,"a":2}`, `tru`,
	} {
		f.Add([]byte(s), "a")
	}
	f.Fuzz(func(t *testing.T, data []byte, key string) {
		// Nothing may panic, whatever the input.
		_ = Field(data, key)
		for i := -1; i < 4; i++ {
			_ = Index(data, i)
		}
		n := Len(data)
		s, sok := Unquote(data)
		_, _ = String(data, key)
		_, _ = Number(data, key)
		_, _ = Int(data, key)
		_, _ = Bool(data, key)
		var ev Event
		if ev.parse(data) == nil {
			_ = ev.Rooms()
			_ = ev.InRoom(key)
			_ = ev.NumArgs()
			_, _ = ev.ArgString(0, key)
		}
		if back, ok := Unquote(AppendString(nil, key)); !ok || (utf8.ValidString(key) && back != key) {
			t.Fatalf("AppendString/Unquote round trip of %q: %q %v", key, back, ok)
		}

		if !json.Valid(data) || !utf8.Valid(data) {
			return
		}
		var v any
		_ = json.Unmarshal(data, &v)
		switch v := v.(type) {
		case string:
			if !sok || s != v {
				t.Fatalf("Unquote(%s) = %q %v, want %q", data, s, sok, v)
			}
		case []any:
			if n != len(v) {
				t.Fatalf("Len(%s) = %d, want %d", data, n, len(v))
			}
			for i, el := range rawElements(t, data) {
				if got := Index(data, i); !bytes.Equal(got, el) {
					t.Fatalf("Index(%s, %d) = %s, want %s", data, i, got, el)
				}
			}
		case map[string]any:
			seen := map[string]bool{}
			for _, m := range rawMembers(t, data) {
				if seen[m.key] {
					continue // the first occurrence wins
				}
				seen[m.key] = true
				if got := Field(data, m.key); !bytes.Equal(got, m.val) {
					t.Fatalf("Field(%s, %q) = %s, want %s", data, m.key, got, m.val)
				}
			}
		case float64:
			obj := append(append([]byte(`{"k":`), data...), '}')
			if got, ok := Number(obj, "k"); !ok || got != v {
				t.Fatalf("Number(%s) = %v %v, want %v", data, got, ok, v)
			}
		}
	})
}

type member struct {
	key string
	val []byte
}

// rawMembers lists the top-level members of a valid JSON object in order.
func rawMembers(t *testing.T, data []byte) []member {
	dec := json.NewDecoder(bytes.NewReader(data))
	_, _ = dec.Token() // {
	var ms []member
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			t.Fatal(err)
		}
		ms = append(ms, member{k.(string), raw})
	}
	return ms
}

// rawElements lists the elements of a valid JSON array.
func rawElements(t *testing.T, data []byte) [][]byte {
	dec := json.NewDecoder(bytes.NewReader(data))
	_, _ = dec.Token() // [
	var els [][]byte
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			t.Fatal(err)
		}
		els = append(els, raw)
	}
	return els
}
