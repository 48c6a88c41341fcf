package httpapi

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/clienterr"
)

// testToken is the token the Strapi samples in testdata were recorded with.
const testToken = "X"

type contentCall struct {
	Ev   access.ContentEvent
	Data any
}

type rawCall struct {
	Event string
	Data  any
	Rooms []string
}

// recEmitter records what the API asks of the emitter.
type recEmitter struct {
	mu      sync.Mutex
	content []contentCall
	raw     []rawCall
	rooms   []string // what EmitContent answers
	rawErr  error    // what EmitRaw answers
	panics  any      // when non-nil, both methods panic with it
}

func (e *recEmitter) EmitContent(ev access.ContentEvent, data any) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.panics != nil {
		panic(e.panics)
	}
	e.content = append(e.content, contentCall{ev, data})
	return slices.Clone(e.rooms)
}

func (e *recEmitter) EmitRaw(event string, data any, rooms []string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.panics != nil {
		panic(e.panics)
	}
	if e.rawErr != nil {
		return e.rawErr
	}
	e.raw = append(e.raw, rawCall{event, data, slices.Clone(rooms)})
	return nil
}

func (e *recEmitter) calls() ([]contentCall, []rawCall) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.content), slices.Clone(e.raw)
}

// testLog collects log output so tests can check what was logged.
type testLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *testLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *testLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

type fixture struct {
	api *API
	em  *recEmitter
	log *testLog
}

// newFixture builds an API with token testToken and contentTypes "*" unless changed
// by the options.
func newFixture(t *testing.T, opts ...func(*Options)) *fixture {
	t.Helper()
	cfg := Options{Tokens: []string{testToken}, MaxBodySize: 1 << 20}
	for _, o := range opts {
		o(&cfg)
	}
	f := &fixture{em: &recEmitter{}, log: &testLog{}}
	logger := slog.New(slog.NewTextHandler(f.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f.api = New(cfg, f.em, logger)
	return f
}

// do sends a request; hdr is "Name: value" pairs. Without an Authorization pair the
// request carries "Bearer testToken"; pass "Authorization:" to send none.
func (f *fixture) do(method, path, body string, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+testToken)
	r.Header.Set("Content-Type", "application/json")
	for _, h := range hdr {
		k, v, _ := strings.Cut(h, ":")
		v = strings.TrimSpace(v)
		if v == "" {
			r.Header.Del(k)
		} else {
			r.Header.Set(k, v)
		}
	}
	w := httptest.NewRecorder()
	f.api.ServeHTTP(w, r)
	return w
}

// wantError checks an error answer exactly.
func wantError(t *testing.T, w *httptest.ResponseRecorder, status int, code clienterr.Code, message string) {
	t.Helper()
	if w.Code != status {
		t.Errorf("status = %d, want %d; body %s", w.Code, status, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	var got errorBody
	d := json.NewDecoder(bytes.NewReader(w.Body.Bytes()))
	d.DisallowUnknownFields()
	if err := d.Decode(&got); err != nil {
		t.Fatalf("error body %q: %v", w.Body, err)
	}
	if got.Error.Code != code || got.Error.Message != message {
		t.Errorf("error = {%q, %q},\n       want {%q, %q}", got.Error.Code, got.Error.Message, code, message)
	}
}

// wantJSON checks a successful answer against want (compared as decoded JSON).
func wantJSON(t *testing.T, w *httptest.ResponseRecorder, status int, want string) {
	t.Helper()
	if w.Code != status {
		t.Errorf("status = %d, want %d; body %s", w.Code, status, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	if !jsonEqual(t, w.Body.String(), want) {
		t.Errorf("body = %s\n want %s", strings.TrimSpace(w.Body.String()), want)
	}
}

// jsonEqual compares two JSON texts as values.
func jsonEqual(t *testing.T, a, b string) bool {
	t.Helper()
	return normJSON(t, a) == normJSON(t, b)
}

// normValue encodes v canonically, as normJSON does.
func normValue(t *testing.T, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %v: %v", v, err)
	}
	return normJSON(t, string(raw))
}

// normJSON re-encodes a JSON text canonically (map keys sorted, numbers as written).
func normJSON(t *testing.T, text string) string {
	t.Helper()
	raw := []byte(text)
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var x any
	if err := d.Decode(&x); err != nil {
		t.Fatalf("bad JSON %q: %v", raw, err)
	}
	out, err := json.Marshal(x)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func mustNoCalls(t *testing.T, em *recEmitter) {
	t.Helper()
	c, r := em.calls()
	if len(c)+len(r) != 0 {
		t.Errorf("emitter called: %d content, %d raw", len(c), len(r))
	}
}

var _ http.Handler = (*API)(nil)
