package httpapi

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/iohub/iohub/hub/clienterr"
)

const notFoundMsg = "; the hub serves POST /hub/emit, POST /hub/raw, POST /hub/webhooks/strapi, POST /hub/strapi/sync, POST /hub/reload, GET /hub/metrics and GET /hub/health"

func TestNotFound(t *testing.T) {
	f := newFixture(t)
	for _, path := range []string{"/hub/", "/hub/nope", "/hub/emit/", "/hub/health/x", "/hub/webhooks", "/hub/webhooks/strapi/v5", "/hub/EMIT"} {
		for _, auth := range []string{"Authorization:", "Authorization: Bearer " + testToken} {
			w := f.do(http.MethodPost, path, `{}`, auth)
			wantError(t, w, 404, clienterr.NotFound, `no API endpoint at "`+path+`"`+notFoundMsg)
		}
	}
	mustNoCalls(t, f.em)
}

func TestMethodNotAllowed(t *testing.T) {
	f := newFixture(t)
	tests := []struct{ method, path, allow string }{
		{http.MethodGet, "/hub/emit", "POST"},
		{http.MethodPut, "/hub/raw", "POST"},
		{http.MethodOptions, "/hub/raw", "POST"},
		{http.MethodGet, "/hub/webhooks/strapi", "POST"},
		{http.MethodDelete, "/hub/webhooks/strapi", "POST"},
		{http.MethodPost, "/hub/health", "GET, HEAD"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			// 405 comes before the token check: the method is wrong whoever asks.
			w := f.do(tt.method, tt.path, `{}`, "Authorization:")
			wantError(t, w, 405, clienterr.MethodNotAllowed, "method "+tt.method+" is not allowed on "+tt.path+"; use "+tt.allow)
			if got := w.Header().Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
		})
	}
	mustNoCalls(t, f.em)
}

func TestAuthorization(t *testing.T) {
	const (
		noTokens   = "no api.tokens configured; the HTTP API is disabled"
		missing    = `missing Authorization header; expected "Authorization: Bearer <token>"`
		wrongSchem = `Authorization scheme must be Bearer; expected "Authorization: Bearer <token>"`
		invalid    = "invalid bearer token"
	)
	twoTokens := func(o *Options) { o.Tokens = []string{"first-token", "second-token"} }
	noneConfigured := func(o *Options) { o.Tokens = nil }
	onlyEmpty := func(o *Options) { o.Tokens = []string{""} }
	tests := []struct {
		name   string
		opt    func(*Options)
		header string // "" sends no Authorization header
		want   string // "" means authorized
	}{
		{"missing header", nil, "", missing},
		{"basic scheme", nil, "Basic WDpY", wrongSchem},
		{"token without scheme", nil, testToken, wrongSchem},
		{"bearer without token", nil, "Bearer", invalid},
		{"bearer empty token", nil, "Bearer ", invalid},
		{"wrong token", nil, "Bearer Y", invalid},
		{"token prefix", nil, "Bearer XX", invalid},
		{"valid", nil, "Bearer " + testToken, ""},
		{"scheme case-insensitive", nil, "bearer " + testToken, ""},
		{"first of two", twoTokens, "Bearer first-token", ""},
		{"second of two", twoTokens, "Bearer second-token", ""},
		{"neither of two", twoTokens, "Bearer third-token", invalid},
		{"no tokens, none sent", noneConfigured, "", noTokens},
		{"no tokens, some sent", noneConfigured, "Bearer " + testToken, noTokens},
		{"only an empty token", onlyEmpty, "Bearer ", noTokens},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f *fixture
			if tt.opt != nil {
				f = newFixture(t, tt.opt)
			} else {
				f = newFixture(t)
			}
			for _, path := range []string{"/hub/emit", "/hub/raw", "/hub/webhooks/strapi"} {
				// The body is invalid for every endpoint: an unauthorized caller must
				// get 401, not a hint about the body.
				w := f.do(http.MethodPost, path, `not json`, "Authorization: "+tt.header)
				if tt.want == "" {
					if w.Code == 401 {
						t.Errorf("%s: refused: %s", path, w.Body)
					}
					continue
				}
				wantError(t, w, 401, clienterr.Unauthorized, tt.want)
				if got := w.Header().Get("WWW-Authenticate"); got != "Bearer" {
					t.Errorf("%s: WWW-Authenticate = %q", path, got)
				}
			}
			mustNoCalls(t, f.em)
			if tt.want != "" && !strings.Contains(f.log.String(), "level=DEBUG") {
				t.Errorf("401 not logged at debug level: %s", f.log)
			}
		})
	}
}

func TestBodyTooLarge(t *testing.T) {
	const limit = 64
	f := newFixture(t, func(o *Options) { o.MaxBodySize = limit })
	fits := `{"event":"news","data":"` + strings.Repeat("a", limit-26) + `"}`
	if len(fits) != limit {
		t.Fatalf("len(fits) = %d", len(fits))
	}
	wantJSON(t, f.do(http.MethodPost, "/hub/raw", fits), 202, `{"event":"news","all":true,"rooms":[]}`)
	for _, path := range []string{"/hub/emit", "/hub/raw", "/hub/webhooks/strapi"} {
		w := f.do(http.MethodPost, path, `{"event":"news","data":"`+strings.Repeat("a", limit)+`"}`)
		wantError(t, w, 413, clienterr.BodyTooLarge, "body exceeds api.maxBodySize (64 bytes)")
	}
	if _, raw := f.em.calls(); len(raw) != 1 {
		t.Errorf("raw calls = %d, want 1", len(raw))
	}
}

func TestDefaultBodyLimit(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.MaxBodySize = 0 })
	big := `{"event":"news","data":"` + strings.Repeat("a", 1<<20) + `"}`
	wantError(t, f.do(http.MethodPost, "/hub/raw", big), 413, clienterr.BodyTooLarge, "body exceeds api.maxBodySize (1048576 bytes)")
	wantJSON(t, f.do(http.MethodPost, "/hub/raw", big[:1<<19]+`"}`), 202, `{"event":"news","all":true,"rooms":[]}`)
}

// errReader fails like a connection dropped mid-body.
type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestBodyReadError(t *testing.T) {
	f := newFixture(t)
	r := httptest.NewRequest(http.MethodPost, "/hub/emit", errReader{})
	r.Header.Set("Authorization", "Bearer "+testToken)
	w := httptest.NewRecorder()
	f.api.ServeHTTP(w, r)
	wantError(t, w, 400, clienterr.BadJSON, "could not read body: connection reset")
}

func TestHealth(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Tokens = nil })
	for _, auth := range []string{"Authorization:", "Authorization: Bearer wrong"} {
		wantJSON(t, f.do(http.MethodGet, "/hub/health", "", auth), 200, `{"status":"ok"}`)
	}
	w := f.do(http.MethodHead, "/hub/health", "", "Authorization:")
	if w.Code != 200 || w.Body.Len() != 0 || w.Header().Get("Content-Type") != "application/json" {
		t.Errorf("HEAD: %d %q %v", w.Code, w.Body, w.Header())
	}

	f.api.SetHealth(func() map[string]any { return map[string]any{"sockets": 3, "status": "broken"} })
	wantJSON(t, f.do(http.MethodGet, "/hub/health", ""), 200, `{"status":"ok","sockets":3}`)
	f.api.SetHealth(func() map[string]any { return map[string]any{"status": StatusDegraded} })
	wantJSON(t, f.do(http.MethodGet, "/hub/health", ""), 200, `{"status":"degraded"}`)
	f.api.SetHealth(nil)
	wantJSON(t, f.do(http.MethodGet, "/hub/health", ""), 200, `{"status":"ok"}`)
}

func TestResponseHeaders(t *testing.T) {
	f := newFixture(t)
	w := f.do(http.MethodPost, "/hub/raw", `{"event":"news"}`)
	for k, want := range map[string]string{
		"Content-Type":           "application/json",
		"Cache-Control":          "no-store",
		"X-Content-Type-Options": "nosniff",
	} {
		if got := w.Header().Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if w.Header().Get("Content-Length") == "" {
		t.Error("no Content-Length")
	}
}

func TestPanicBecomes500(t *testing.T) {
	f := newFixture(t)
	f.em.panics = "emitter bug"
	w := f.do(http.MethodPost, "/hub/emit", `{"event":"api::message.message.create"}`)
	wantError(t, w, 500, "internal", "internal error; see the hub's log")
	if !strings.Contains(f.log.String(), "level=ERROR") || !strings.Contains(f.log.String(), "emitter bug") {
		t.Errorf("panic not logged: %s", f.log)
	}

	f.em.panics = http.ErrAbortHandler
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Errorf("recovered %v, want http.ErrAbortHandler re-panicked", v)
		}
	}()
	f.do(http.MethodPost, "/hub/raw", `{"event":"news"}`)
}

func TestNilLogger(t *testing.T) {
	a := New(Options{Tokens: []string{testToken}, ContentTypes: map[string][]string{}}, &recEmitter{}, nil)
	r := httptest.NewRequest(http.MethodPost, "/hub/webhooks/strapi", strings.NewReader(`{"event":"media.create"}`))
	r.Header.Set("Authorization", "Bearer "+testToken)
	w := httptest.NewRecorder()
	a.ServeHTTP(w, r)
	wantJSON(t, w, 202, `{"ignored":"media events are not forwarded (got \"media.create\")"}`)
}

// Mounted as the hub does, at "/hub/" of a shared mux, over a real connection.
func TestMountedOnMux(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.MaxBodySize = 32 })
	mux := http.NewServeMux()
	mux.Handle("/hub/", f.api)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	post := func(path, body string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := post("/hub/raw", `{"event":"news"}`); resp.StatusCode != 202 {
		t.Errorf("raw: %d", resp.StatusCode)
	}
	if resp := post("/hub/raw", `{"event":"news","data":"`+strings.Repeat("a", 64)+`"}`); resp.StatusCode != 413 {
		t.Errorf("large: %d", resp.StatusCode)
	}
	resp, err := srv.Client().Head(srv.URL + "/hub/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("HEAD health: %v %v", resp, err)
	}
	resp.Body.Close()
}

// lateBody fails as a body does once the server's read deadline has passed.
type lateBody struct{}

func (lateBody) Read([]byte) (int, error) {
	return 0, &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}
}

func TestBodyTimeout(t *testing.T) {
	f := newFixture(t)
	for _, path := range []string{"/hub/emit", "/hub/raw", "/hub/webhooks/strapi"} {
		r := httptest.NewRequest(http.MethodPost, path, io.NopCloser(lateBody{}))
		r.Header.Set("Authorization", "Bearer "+testToken)
		w := httptest.NewRecorder()
		f.api.ServeHTTP(w, r)
		wantError(t, w, 408, clienterr.BodyTimeout, "the body did not arrive within http.readTimeout")
	}
	mustNoCalls(t, f.em)
}
