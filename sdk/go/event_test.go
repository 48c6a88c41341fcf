package iohub

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

const envelope = `{"v":1,"kind":"event","event":"chat:send",
 "args":[{"room":"lobby","text":"hi \"you\""},2],
 "ack":true,
 "socket":{"id":"Xy3","role":"Authenticated","userId":"7","rooms":["Xy3","Authenticated","user:7"],"user":{"id":7,"iat":1700000000}},
 "reason":"",
 "ts":1764066000123}`

func TestParseEnvelope(t *testing.T) {
	var ev Event
	if err := ev.parse([]byte(envelope)); err != nil {
		t.Fatal(err)
	}
	got := []string{ev.Kind, ev.Name, ev.SocketID, ev.Role, ev.UserID, ev.Reason}
	want := []string{"event", "chat:send", "Xy3", "Authenticated", "7", ""}
	if !slices.Equal(got, want) || !ev.Ack || ev.TS != 1764066000123 {
		t.Fatalf("got %q ack=%v ts=%d", got, ev.Ack, ev.TS)
	}
	if string(ev.User) != `{"id":7,"iat":1700000000}` {
		t.Errorf("User = %s", ev.User)
	}
	if r := ev.Rooms(); !slices.Equal(r, []string{"Xy3", "Authenticated", "user:7"}) {
		t.Errorf("Rooms = %q", r)
	}
	if !ev.InRoom("user:7") || ev.InRoom("user:8") {
		t.Error("InRoom")
	}
	if ev.NumArgs() != 2 {
		t.Errorf("NumArgs = %d", ev.NumArgs())
	}
	if s, ok := ev.ArgString(0, "text"); !ok || s != `hi "you"` {
		t.Errorf("ArgString = %q %v", s, ok)
	}
	if n, ok := Number(ev.Arg(1), "x"); ok {
		t.Errorf("Number on a non-object = %v", n)
	}
}

func TestParseOtherKinds(t *testing.T) {
	var ev Event
	in := `{"v":1,"kind":"disconnect","event":"disconnect","args":[],"ack":false,` +
		`"socket":{"id":"a\u00e9","role":"Public","userId":"","rooms":[],"user":null},"reason":"transport close","ts":5}`
	if err := ev.parse([]byte(in)); err != nil {
		t.Fatal(err)
	}
	if ev.Kind != KindDisconnect || ev.SocketID != "aé" || ev.Reason != "transport close" || ev.Ack ||
		string(ev.User) != "null" || ev.NumArgs() != 0 || ev.Rooms() != nil {
		t.Fatalf("%+v", ev)
	}
	// Fields of the previous event do not leak into the next.
	if err := ev.parse([]byte(`{"kind":"connection"}`)); err != nil {
		t.Fatal(err)
	}
	if ev.SocketID != "" || ev.Reason != "" || string(ev.Args) != "[]" || string(ev.User) != "null" {
		t.Fatalf("%+v", ev)
	}
	for _, bad := range []string{``, `[]`, `{"v":1}`, `{"kind":1}`} {
		if err := ev.parse([]byte(bad)); err == nil {
			t.Errorf("parse(%q): want error", bad)
		}
	}
}

func TestParseStringsSurviveBufferReuse(t *testing.T) {
	var ev Event
	buf := []byte(envelope)
	if err := ev.parse(buf); err != nil {
		t.Fatal(err)
	}
	name := ev.Name
	copy(buf, strings.Repeat("x", len(buf))) // the input buffer is reused
	if name != "chat:send" || ev.SocketID != "Xy3" {
		t.Fatalf("strings alias the input: %q %q", name, ev.SocketID)
	}
}

func TestParseRepeatedEventDoesNotAllocate(t *testing.T) {
	var ev Event
	buf := []byte(envelope)
	_ = ev.parse(buf)
	if a := testing.AllocsPerRun(100, func() { _ = ev.parse(buf) }); a != 0 {
		t.Errorf("allocs per repeated event = %v, want 0", a)
	}
}

func BenchmarkParse(b *testing.B) {
	var ev Event
	buf := []byte(envelope)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		_ = ev.parse(buf)
	}
}

// run drives onEvent natively, as the hub would through hub_on_event.
func run(t *testing.T, in string) (int32, []string) {
	t.Helper()
	nativeInput, nativeLog = []byte(in), nil
	st := onEvent(int32(len(in)))
	return st, nativeLog
}

func TestOnEvent(t *testing.T) {
	defer Handle(nil)
	Handle(nil)
	if st, log := run(t, envelope); st != 1 || !strings.Contains(log[0], "no handler") {
		t.Errorf("no handler: %d %q", st, log)
	}

	Handle(func(ev *Event) Status {
		Info(ev.Name + " from " + ev.SocketID)
		if err := Reply([]byte(`[]`)); !errors.Is(err, ErrUnavailable) {
			t.Errorf("native Reply = %v", err)
		}
		return Reject("nope")
	})
	st, log := run(t, envelope)
	if st != 2 || !slices.Equal(log, []string{"log: chat:send from Xy3", "error: nope"}) {
		t.Errorf("got %d %q", st, log)
	}

	// An input longer than the buffer grows it; a bigger one than keepInput is
	// released afterwards.
	big := strings.Replace(envelope, `"hi`, `"`+strings.Repeat("z", keepInput)+`hi`, 1)
	if st, _ := run(t, big); st != 2 || input != nil {
		t.Errorf("big input: %d, kept %d bytes", st, cap(input))
	}

	Handle(func(ev *Event) Status { var m map[string]int; m["x"] = 1; return 0 })
	st, log = run(t, envelope)
	if st != 1 || len(log) != 2 || !strings.Contains(log[0], "panic in handler") || log[1] != "error: handler failed" {
		t.Errorf("panic: %d %q", st, log)
	}

	if st, log := run(t, `{"v":1}`); st != 1 || !strings.Contains(log[0], "malformed") {
		t.Errorf("bad envelope: %d %q", st, log)
	}
}

func TestOnInit(t *testing.T) {
	defer Init(nil)
	nativeInput, nativeLog = []byte(`{"greeting":"hi"}`), nil
	if onInit(17) != 0 {
		t.Error("no Init must accept")
	}
	var kept []byte
	Init(func(cfg []byte) error { kept = cfg; return nil })
	if onInit(17) != 0 || string(kept) != `{"greeting":"hi"}` {
		t.Errorf("config = %s", kept)
	}
	nativeInput[0] = 'X' // the SDK gave Init its own copy
	if kept[0] != '{' {
		t.Error("config aliases the input")
	}
	Init(func([]byte) error { return errors.New("bad greeting") })
	if onInit(17) != 1 || nativeLog[len(nativeLog)-1] != "error: bad greeting" {
		t.Errorf("refusal: %q", nativeLog)
	}
}

func TestErrno(t *testing.T) {
	for rc, want := range map[int32]error{0: nil, 5: nil, -1: ErrNotFound, -2: ErrInvalid, -3: ErrDenied, -4: ErrLimit, -5: ErrState, -6: ErrUnavailable} {
		if got := errno(rc); got != want {
			t.Errorf("errno(%d) = %v, want %v", rc, got, want)
		}
	}
	if err := errno(-9); err.Error() != "iohub: host error -9" {
		t.Error(err)
	}
	if !errors.Is(errno(-1), ErrNotFound) {
		t.Error("errors.Is")
	}
	if ttlMs(0) != 0 || ttlMs(1) != 1 || ttlMs(1500*1e6) != 1500 || ttlMs(-5) != 0 {
		t.Error("ttlMs")
	}
}
