package plugin

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/iohub/iohub/hub/handler"
)

func TestEffectsOnlyOnSuccess(t *testing.T) {
	dir := t.TempDir()
	install(t, dir, "effects", "fx")
	tests := []struct {
		status  string
		outcome string
		effects string
	}{
		{"0", `replied=true reply=[done] error="" reject=false`,
			`[{"op":"raw","room":"lobby","event":"news","args":[{"n":1}]},{"op":"join","sid":"s1","room":"lobby"},{"op":"emit","event":"api::message.message.create","data":{"password":"x","text":"hi"}}]`},
		{"1", `replied=false reply=[] error="effects failed on purpose" reject=false`, `null`},
		{"2", `replied=false reply=[] error="effects failed on purpose" reject=true`, `null`},
	}
	for _, tt := range tests {
		t.Run("status "+tt.status, func(t *testing.T) {
			h := newHost(t, dir, Options{}, `chat=fx:{"status":`+tt.status+`}`)
			out := h.handle(event("chat", true))
			if got := fmtOutcome(out); got != tt.outcome {
				t.Errorf("outcome %s, want %s", got, tt.outcome)
			}
			b, _ := json.Marshal(h.rec.Effects())
			if string(b) != tt.effects {
				t.Errorf("effects %s, want %s", b, tt.effects)
			}
		})
	}
}

func TestHostCallCodes(t *testing.T) {
	dir := t.TempDir()
	install(t, dir, "codes", "codes")
	h := newHost(t, dir, Options{}, "x=codes")
	out := h.handle(event("x", true))
	if !out.Replied || out.Error != "" {
		t.Fatalf("outcome %s", fmtOutcome(out))
	}
	// reply(not an array) -2, emit(bad event) -2, raw(reserved) -2,
	// join(unknown socket) -1, kv_get(absent) -1, second reply -5.
	if !strings.Contains(h.logs.String(), "msg=[-2,-2,-2,-1,-1,-5]") {
		t.Errorf("codes not as documented; log:\n%s", h.logs)
	}
	// Without an ack, reply is denied (-3): codes' first real reply fails and
	// the chain carries no reply.
	out = h.handle(event("x", false))
	if out.Replied {
		t.Error("replied to an event without ack")
	}
}

func TestUnboundAndUnloaded(t *testing.T) {
	dir := t.TempDir()
	h := newHost(t, dir, Options{}, "chat=missing")
	// An [[events]] entry binds its event even while its module is missing,
	// so the ack gets an error rather than no answer; other events stay unbound.
	if !h.Bound("chat") || h.Bound("other") {
		t.Fatalf("bound: chat=%v other=%v", h.Bound("chat"), h.Bound("other"))
	}
	if got := fmtOutcome(h.handle(event("chat", true))); got != `replied=false reply=[] error="handler unavailable" reject=false` {
		t.Fatalf("outcome %s", got)
	}
	if !strings.Contains(h.logs.String(), "handler module not found; its handlers stay inactive until it appears") {
		t.Errorf("log:\n%s", h.logs)
	}
}

// TestChain: handlers bound to one event run in order; the first non-zero
// status stops the chain; the first reply wins.
func TestChain(t *testing.T) {
	dir := t.TempDir()
	install(t, dir, "reply", "pong")
	install(t, dir, "effects", "fx")
	h := newHost(t, dir, Options{}, "e=pong", `e=fx:{"status":0}`, "f=pong", `f=fx:{"status":1}`, "g=pong", `g=fx:{"status":2}`, "g=pong")
	out := h.handle(event("e", true))
	if got := fmtOutcome(out); got != `replied=true reply=[pong] error="" reject=false` {
		t.Errorf("e: %s", got)
	}
	if n := len(h.rec.Effects()); n != 3 {
		t.Errorf("e: %d effects, want fx's 3", n)
	}
	out = h.handle(event("f", true))
	if got := fmtOutcome(out); got != `replied=true reply=[pong] error="effects failed on purpose" reject=false` {
		t.Errorf("f: %s", got)
	}
	out = h.handle(event("g", true))
	if !out.Reject {
		t.Errorf("g: %s", fmtOutcome(out))
	}
}

func TestEnvelope(t *testing.T) {
	call := event("chat", true, map[string]any{"text": "hé \"q\"\n\x01 <b>&"}, 2)
	call.Socket.Claims = map[string]any{"id": 7}
	call.Received = time.UnixMilli(1764066000123)
	b, err := appendEnvelope(nil, call, call.Args)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"v":1,"kind":"event","event":"chat","args":[{"text":"hé \"q\"\n\u0001 <b>&"},2],"ack":true,` +
		`"socket":{"id":"s1","role":"Authenticated","userId":"7","rooms":["Authenticated","s1","user:7"],"user":{"id":7}},` +
		`"reason":"","ts":1764066000123}`
	if string(b) != want {
		t.Errorf("envelope\n%s\nwant\n%s", b, want)
	}
	conn := &handler.Call{Kind: handler.Connection, Event: "connection", Received: call.Received,
		Socket: handler.Socket{ID: "a\xffb", Role: "Public"}}
	b, _ = appendEnvelope(nil, conn, conn.Args)
	want = `{"v":1,"kind":"connection","event":"connection","args":[],"ack":false,` +
		`"socket":{"id":"a\ufffdb","role":"Public","userId":"","rooms":[],"user":null},"reason":"","ts":1764066000123}`
	if string(b) != want {
		t.Errorf("envelope\n%s\nwant\n%s", b, want)
	}
}

// FuzzAppendString: whatever the string, the result is valid JSON that decodes
// to the string (with invalid UTF-8 replaced).
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a", "\"\\", "\x00\x1f", "hé", "\xff", "\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := appendString(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%q -> %s: %v", s, b, err)
		}
		if want := replaceInvalid(s); got != want {
			t.Fatalf("%q -> %q", s, got)
		}
	})
}

// replaceInvalid replaces each byte that is not part of valid UTF-8 with
// U+FFFD, as encoding/json does.
func replaceInvalid(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
