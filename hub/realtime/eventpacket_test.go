package realtime

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseEventPacket(t *testing.T) {
	for _, tt := range []struct {
		in    string
		ok    bool
		name  string
		id    uint64
		hasID bool
		args  string
	}{
		{in: `42["ping"]`, ok: true, name: "ping", args: `[]`},
		{in: `42["ping",1,"two",{"a":[3]}]`, ok: true, name: "ping", args: `[1,"two",{"a":[3]}]`},
		{in: `4217["echo",{"x":null}]`, ok: true, name: "echo", id: 17, hasID: true, args: `[{"x":null}]`},
		{in: `420["e"]`, ok: true, name: "e", id: 0, hasID: true, args: `[]`},
		{in: `42[ "sp" , 1 ] `, ok: true, name: "sp", args: `[1]`},
		{in: "42[\"sp\",{ \"a b\" :\n[1, \"c d\"]}\t]", ok: true, name: "sp", args: `[{"a b":[1,"c d"]}]`},
		{in: `42["s",{"k":"v w\" x"}]`, ok: true, name: "s", args: `[{"k":"v w\" x"}]`},
		{in: `42["a\"b\u00e9\n",true]`, ok: true, name: "a\"bé\n", args: `[true]`},
		{in: `42["h\u00e9llo €"]`, ok: true, name: "héllo €", args: `[]`},
		{in: `4218446744073709551615["max"]`, ok: true, name: "max", id: 18446744073709551615, hasID: true, args: `[]`},

		{in: `4218446744073709551616["long id"]`}, // past a uint64
		{in: `42/admin,["x"]`},                    // another namespace
		{in: `42/admin,5["x"]`},
		{in: `451-["bin",{"_placeholder":true,"num":0}]`}, // binary event
		{in: `43["ack"]`},
		{in: `41`},
		{in: `40`},
		{in: `3`},
		{in: `42`},
		{in: `42[]`},
		{in: `42[1,2]`},
		{in: `42[null]`},
		{in: `42{"a":1}`},
		{in: `42"str"`},
		{in: `42["x",]`},
		{in: `42["x"]garbage`},
		{in: `42["x"`},
		{in: `42 ["x"]`},
	} {
		ev, ok := parseEventPacket([]byte(tt.in), "")
		if ok != tt.ok {
			t.Errorf("%s: ok %v, want %v", tt.in, ok, tt.ok)
			continue
		}
		if !ok {
			continue
		}
		if ev.name != tt.name || ev.id != tt.id || ev.hasID != tt.hasID || string(ev.args) != tt.args {
			t.Errorf("%s: got %q id %d/%v args %s", tt.in, ev.name, ev.id, ev.hasID, ev.args)
		}
	}
}

// FuzzParseEventPacket: whatever a client sends, the parser does not panic
// or change its input, and what it accepts is exactly what a JSON decoder
// makes of the packet: the name is the array's first string, the arguments
// the rest of it.
func FuzzParseEventPacket(f *testing.F) {
	for _, s := range []string{`42["ping"]`, `4217["echo",{"x":[1,2]},"s"]`, `42["a\"b",1]`, `42/x,["a"]`, `451-["b",{}]`, `42[ "x" , null ]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		if !utf8.Valid(payload) {
			return // the guard closes the connection first
		}
		before := string(payload)
		ev, ok := parseEventPacket(payload, "")
		if string(payload) != before {
			t.Fatal("the payload changed")
		}
		if !ok {
			return
		}
		rest := strings.TrimLeft(before[2:], "0123456789")
		var all []any
		if err := json.Unmarshal([]byte(rest), &all); err != nil || len(all) == 0 {
			t.Fatalf("accepted %q: %v", before, err)
		}
		if name, isString := all[0].(string); !isString || name != ev.name {
			t.Fatalf("name %q, the packet's first value %#v", ev.name, all[0])
		}
		if spaceOutsideStrings(ev.args) {
			t.Fatalf("args not compact: %q", ev.args)
		}
		// A known name (the socket's last event's) changes nothing but
		// where the name's string comes from.
		for _, known := range []string{ev.name, ev.name + "x", "ping"} {
			again, ok := parseEventPacket(payload, known)
			if !ok || again.name != ev.name || again.id != ev.id || string(again.args) != string(ev.args) {
				t.Fatalf("with known %q: %q %d %q, without: %q %d %q", known, again.name, again.id, again.args, ev.name, ev.id, ev.args)
			}
		}
		var args []any
		if err := json.Unmarshal(ev.args, &args); err != nil {
			t.Fatalf("args %q: %v", ev.args, err)
		}
		if len(args) != len(all)-1 || (len(args) > 0 && !reflect.DeepEqual(args, all[1:])) {
			t.Fatalf("args %q, the packet's %v", ev.args, all[1:])
		}
	})
}
