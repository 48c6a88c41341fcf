package auth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/iohub/iohub/hub/clienterr"
)

// answer is what the fake Strapi replies to one token.
type answer struct {
	status int
	body   string
}

// fakeStrapi answers GET /api/users/me?populate=role like Strapi's users-permissions:
// the user as a plain JSON object, or 401/403 with Strapi's error body.
type fakeStrapi struct {
	t        testing.TB
	srv      *httptest.Server
	requests atomic.Int32

	mu      sync.Mutex
	answers map[string]answer // by token
	def     answer
	gate    chan struct{} // when set, requests wait for it to close
}

const editorUser = `{"id":1,"documentId":"abc","username":"ann","email":"ann@example.com","provider":"local",` +
	`"confirmed":true,"blocked":false,"password":"$2a$10$hash","resetPasswordToken":"r","confirmationToken":"c",` +
	`"role":{"id":3,"name":"Editor","description":"","type":"editor"}}`

const strapi401 = `{"data":null,"error":{"status":401,"name":"UnauthorizedError","message":"Invalid credentials","details":{}}}`

func newFakeStrapi(t testing.TB) *fakeStrapi {
	fs := &fakeStrapi{t: t, answers: map[string]answer{}, def: answer{200, editorUser}}
	fs.srv = httptest.NewServer(http.HandlerFunc(fs.serve))
	t.Cleanup(fs.srv.Close)
	return fs
}

func (fs *fakeStrapi) serve(w http.ResponseWriter, r *http.Request) {
	fs.requests.Add(1)
	if r.Method != http.MethodGet || r.URL.Path != "/api/users/me" || r.URL.Query().Get("populate") != "role" {
		fs.t.Errorf("unexpected request %s %s", r.Method, r.URL)
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		fs.t.Errorf("no bearer token: %q", r.Header.Get("Authorization"))
	}
	fs.mu.Lock()
	gate := fs.gate
	a, found := fs.answers[tok]
	if !found {
		a = fs.def
	}
	fs.mu.Unlock()
	if gate != nil {
		<-gate
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	_, _ = w.Write([]byte(a.body))
}

func (fs *fakeStrapi) set(token string, a answer) {
	fs.mu.Lock()
	fs.answers[token] = a
	fs.mu.Unlock()
}

func (fs *fakeStrapi) config() strapiCfg {
	// userCacheTTL is longer than every token here, so the token's exp bounds
	// the cache (TestUserCacheTTL covers the cap).
	return strapiCfg{URL: fs.srv.URL, CacheSize: 100, Timeout: 2 * time.Second,
		UserCacheTTL: 24 * time.Hour}
}

// fakeClock is a settable clock safe for concurrent reads.
type fakeClock struct{ ns atomic.Int64 }

func newClock(a *Authenticator) *fakeClock {
	c := &fakeClock{}
	c.ns.Store(t0.UnixNano())
	a.now = c.Now
	return c
}
func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }
func hsToken(t testing.TB, c jwt.MapClaims) string {
	return sign(t, jwt.SigningMethodHS256, []byte(testSecret), c)
}

// noKeyConfig has no local key: Strapi alone decides.
func noKeyConfig() Options {
	return Options{AllowNoExp: true, RoleClaim: "role", AuthenticatedRole: "Authenticated", Leeway: 30 * time.Second}
}

func TestStrapiLookup(t *testing.T) {
	confirm := hsConfig()
	confirm.RequireConfirmed = true
	base := strapiClaims()
	unverified := sign(t, jwt.SigningMethodHS256, []byte("a secret only Strapi knows"), base)

	tests := []struct {
		name     string
		cfg      Options
		token    string
		answer   answer
		want     error
		wantRole string
		wantUser bool
	}{
		{"role from the user", hsConfig(), hsToken(t, base), answer{200, editorUser}, nil, "Editor", true},
		{"user role beats the claim", hsConfig(), hsToken(t, with(base, "role", "Other")), answer{200, editorUser}, nil, "Editor", true},
		{"role omitted: authenticatedRole", hsConfig(), hsToken(t, base), answer{200, `{"id":1,"blocked":false,"confirmed":true}`}, nil, "Authenticated", true},
		{"role omitted: claim role", hsConfig(), hsToken(t, with(base, "role", "Writer")), answer{200, `{"id":1}`}, nil, "Writer", true},
		{"role of odd shape: fallback", hsConfig(), hsToken(t, base), answer{200, `{"id":1,"role":7}`}, nil, "Authenticated", true},
		{"blocked: 401", hsConfig(), hsToken(t, base), answer{401, strapi401}, clienterr.ErrInvalidCredentials, "", false},
		{"blocked in the user", hsConfig(), hsToken(t, base), answer{200, `{"id":1,"blocked":true,"role":{"name":"Editor"}}`}, clienterr.ErrInvalidCredentials, "", false},
		{"unconfirmed, required", confirm, hsToken(t, base), answer{200, `{"id":1,"confirmed":false,"role":{"name":"Editor"}}`}, clienterr.ErrInvalidCredentials, "", false},
		{"unconfirmed, not required", hsConfig(), hsToken(t, base), answer{200, `{"id":1,"confirmed":false,"role":{"name":"Editor"}}`}, nil, "Editor", true},
		{"403 on a verified token: claim role", hsConfig(), hsToken(t, base), answer{403, `{}`}, nil, "Authenticated", false},
		{"500: unavailable", hsConfig(), hsToken(t, base), answer{500, `{}`}, clienterr.ErrAuthUnavailable, "", false},
		{"502: unavailable", hsConfig(), hsToken(t, base), answer{502, `bad gateway`}, clienterr.ErrAuthUnavailable, "", false},
		{"404: unavailable", hsConfig(), hsToken(t, base), answer{404, `{}`}, clienterr.ErrAuthUnavailable, "", false},
		{"302: unavailable, not followed", hsConfig(), hsToken(t, base), answer{302, ``}, clienterr.ErrAuthUnavailable, "", false},
		{"200 not JSON: unavailable", hsConfig(), hsToken(t, base), answer{200, `<html>`}, clienterr.ErrAuthUnavailable, "", false},
		{"200 null: unavailable", hsConfig(), hsToken(t, base), answer{200, `null`}, clienterr.ErrAuthUnavailable, "", false},
		{"no key: Strapi accepts", noKeyConfig(), unverified, answer{200, editorUser}, nil, "Editor", true},
		{"no key: Strapi 401", noKeyConfig(), unverified, answer{401, strapi401}, clienterr.ErrInvalidToken, "", false},
		{"no key: Strapi 403", noKeyConfig(), unverified, answer{403, `{}`}, clienterr.ErrInvalidToken, "", false},
		{"no key: Strapi down", noKeyConfig(), unverified, answer{503, ``}, clienterr.ErrAuthUnavailable, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := newFakeStrapi(t)
			fs.def = tt.answer
			a := newAuth(t, tt.cfg, fs.config())
			id, err := a.Authenticate(context.Background(), tt.token)
			wantErr(t, err, tt.want)
			if id.Role != tt.wantRole || (id.User != nil) != tt.wantUser {
				t.Fatalf("identity = %+v, want role %q, user %v", id, tt.wantRole, tt.wantUser)
			}
			if err == nil && id.UserID != "1" {
				t.Fatalf("UserID = %q", id.UserID)
			}
			for _, f := range privateUserFields {
				if _, ok := id.User[f]; ok {
					t.Fatalf("private field %s kept", f)
				}
			}
			if got := fs.requests.Load(); got != 1 {
				t.Fatalf("requests = %d, want 1", got)
			}
		})
	}
}

// TestStrapiNotAskedForBadTokens: what fails locally never reaches Strapi.
func TestStrapiNotAskedForBadTokens(t *testing.T) {
	base := strapiClaims()
	expired := with(base, "exp", t0.Add(-time.Hour).Unix())
	tests := []struct {
		name  string
		cfg   Options
		token string
	}{
		{"bad signature", hsConfig(), sign(t, jwt.SigningMethodHS256, []byte("nope"), base)},
		{"blocked claim", hsConfig(), hsToken(t, with(base, "blocked", true))},
		{"bad role claim", hsConfig(), hsToken(t, with(base, "role", 1))},
		{"no key: malformed", noKeyConfig(), "a.b.c"},
		{"no key: expired", noKeyConfig(), hsToken(t, expired)},
		{"no key: iat in the future", noKeyConfig(), hsToken(t, with(base, "iat", t0.Add(time.Hour).Unix()))},
		{"no key: no exp, requireExp", func() Options { c := noKeyConfig(); c.AllowNoExp = false; return c }(), hsToken(t, with(base, "exp", nil))},
		{"no key: alg none", noKeyConfig(), b64(`{"alg":"none"}`) + "." + b64(mustJSON(base)) + "."},
		{"no key: alg not allowed", func() Options { c := noKeyConfig(); c.Algorithms = []string{"RS256"}; return c }(), hsToken(t, base)},
		{"no key: issuer mismatch", func() Options { c := noKeyConfig(); c.Issuer = "cms"; return c }(), hsToken(t, with(base, "iss", "other"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := newFakeStrapi(t)
			a := newAuth(t, tt.cfg, fs.config())
			_, err := a.Authenticate(context.Background(), tt.token)
			if !isSentinel(err) || errors.Is(err, clienterr.ErrAuthUnavailable) {
				t.Fatalf("error = %v", err)
			}
			if n := fs.requests.Load(); n != 0 {
				t.Fatalf("strapi asked %d times", n)
			}
		})
	}
}

func TestStrapiUnreachable(t *testing.T) {
	fs := newFakeStrapi(t)
	cfg := fs.config()
	fs.srv.Close()
	a := newAuth(t, hsConfig(), cfg)
	_, err := a.Authenticate(context.Background(), hsToken(t, strapiClaims()))
	wantErr(t, err, clienterr.ErrAuthUnavailable)
}

func TestStrapiTimeout(t *testing.T) {
	fs := newFakeStrapi(t)
	fs.gate = make(chan struct{})
	defer close(fs.gate)
	cfg := fs.config()
	cfg.Timeout = 50 * time.Millisecond
	a := newAuth(t, hsConfig(), cfg)
	start := time.Now()
	_, err := a.Authenticate(context.Background(), hsToken(t, strapiClaims()))
	wantErr(t, err, clienterr.ErrAuthUnavailable)
	if d := time.Since(start); d > time.Second {
		t.Fatalf("took %v", d)
	}
}

func TestStrapiCache(t *testing.T) {
	ctx := context.Background()
	t.Run("hit", func(t *testing.T) {
		fs := newFakeStrapi(t)
		a := newAuth(t, hsConfig(), fs.config())
		tok := hsToken(t, strapiClaims())
		for range 5 {
			id, err := a.Authenticate(ctx, tok)
			if err != nil || id.Role != "Editor" {
				t.Fatalf("%+v %v", id, err)
			}
		}
		if n := fs.requests.Load(); n != 1 {
			t.Fatalf("requests = %d, want 1", n)
		}
	})
	t.Run("refusal cached", func(t *testing.T) {
		fs := newFakeStrapi(t)
		fs.def = answer{401, strapi401}
		a := newAuth(t, hsConfig(), fs.config())
		tok := hsToken(t, strapiClaims())
		for range 3 {
			_, err := a.Authenticate(ctx, tok)
			wantErr(t, err, clienterr.ErrInvalidCredentials)
		}
		if n := fs.requests.Load(); n != 1 {
			t.Fatalf("requests = %d, want 1", n)
		}
	})
	t.Run("errors not cached", func(t *testing.T) {
		fs := newFakeStrapi(t)
		fs.def = answer{500, `{}`}
		a := newAuth(t, hsConfig(), fs.config())
		tok := hsToken(t, strapiClaims())
		_, err := a.Authenticate(ctx, tok)
		wantErr(t, err, clienterr.ErrAuthUnavailable)
		fs.mu.Lock()
		fs.def = answer{200, editorUser}
		fs.mu.Unlock()
		if id, err := a.Authenticate(ctx, tok); err != nil || id.Role != "Editor" {
			t.Fatalf("after recovery: %+v %v", id, err)
		}
		if n := fs.requests.Load(); n != 2 {
			t.Fatalf("requests = %d, want 2", n)
		}
	})
	t.Run("expires with the token", func(t *testing.T) {
		fs := newFakeStrapi(t)
		a := newAuth(t, hsConfig(), fs.config()) // 30s leeway
		clock := newClock(a)
		tok := hsToken(t, with(strapiClaims(), "exp", t0.Add(time.Minute).Unix()))
		steps := []struct {
			at   time.Duration
			want int32
		}{{0, 1}, {30 * time.Second, 1}, {59 * time.Second, 1}, {61 * time.Second, 2}, {70 * time.Second, 3}}
		// At 61s the cached answer has expired (exp), but the token is still
		// valid within the leeway: Strapi is asked again, and the answer, already
		// past exp, is not cached, so 70s asks once more.
		for _, s := range steps {
			clock.ns.Store(t0.Add(s.at).UnixNano())
			if _, err := a.Authenticate(ctx, tok); err != nil {
				t.Fatalf("at %v: %v", s.at, err)
			}
			if n := fs.requests.Load(); n != s.want {
				t.Fatalf("at %v: requests = %d, want %d", s.at, n, s.want)
			}
		}
		clock.ns.Store(t0.Add(91 * time.Second).UnixNano())
		_, err := a.Authenticate(ctx, tok)
		wantErr(t, err, clienterr.ErrInvalidToken)
	})
	t.Run("no exp: five minutes", func(t *testing.T) {
		fs := newFakeStrapi(t)
		a := newAuth(t, hsConfig(), fs.config())
		clock := newClock(a)
		tok := hsToken(t, with(strapiClaims(), "exp", nil))
		for _, at := range []time.Duration{0, 4 * time.Minute, 5*time.Minute + time.Second} {
			clock.ns.Store(t0.Add(at).UnixNano())
			if _, err := a.Authenticate(ctx, tok); err != nil {
				t.Fatal(err)
			}
		}
		if n := fs.requests.Load(); n != 2 {
			t.Fatalf("requests = %d, want 2", n)
		}
	})
	t.Run("unverified refusal: at most five minutes", func(t *testing.T) {
		fs := newFakeStrapi(t)
		fs.def = answer{401, strapi401}
		a := newAuth(t, noKeyConfig(), fs.config())
		clock := newClock(a)
		tok := hsToken(t, with(strapiClaims(), "exp", t0.Add(time.Hour).Unix()))
		for _, at := range []time.Duration{0, 4 * time.Minute, 6 * time.Minute} {
			clock.ns.Store(t0.Add(at).UnixNano())
			_, err := a.Authenticate(ctx, tok)
			wantErr(t, err, clienterr.ErrInvalidToken)
		}
		if n := fs.requests.Load(); n != 2 {
			t.Fatalf("requests = %d, want 2", n)
		}
	})
}

func TestStrapiCacheBound(t *testing.T) {
	ctx := context.Background()
	tokens := make([]string, 5)
	for i := range tokens {
		tokens[i] = hsToken(t, with(strapiClaims(), "id", i+1))
	}
	t.Run("oldest evicted", func(t *testing.T) {
		fs := newFakeStrapi(t)
		cfg := fs.config()
		cfg.CacheSize = 3
		a := newAuth(t, hsConfig(), cfg)
		for _, tok := range tokens {
			if _, err := a.Authenticate(ctx, tok); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(a.strapi.entries); n != 3 || a.strapi.order.Len() != 3 {
			t.Fatalf("cache holds %d/%d entries, want 3", n, a.strapi.order.Len())
		}
		// The newest three are cached; the first two were evicted.
		for _, tok := range tokens[2:] {
			_, _ = a.Authenticate(ctx, tok)
		}
		if n := fs.requests.Load(); n != 5 {
			t.Fatalf("requests = %d, want 5 (newest cached)", n)
		}
		_, _ = a.Authenticate(ctx, tokens[0])
		if n := fs.requests.Load(); n != 6 {
			t.Fatalf("requests = %d, want 6 (oldest evicted)", n)
		}
	})
	t.Run("expired evicted first", func(t *testing.T) {
		fs := newFakeStrapi(t)
		cfg := fs.config()
		cfg.CacheSize = 2
		a := newAuth(t, hsConfig(), cfg) // 30s leeway
		clock := newClock(a)
		short := hsToken(t, with(strapiClaims(), "exp", t0.Add(10*time.Second).Unix()))
		long := tokens[1]
		_, _ = a.Authenticate(ctx, short) // oldest, expires first
		_, _ = a.Authenticate(ctx, long)
		clock.Advance(20 * time.Second) // short's entry expired (token still within leeway)
		_, _ = a.Authenticate(ctx, tokens[2])
		if _, ok := a.strapi.entries[keyOf(short)]; ok {
			t.Fatal("expired entry kept")
		}
		before := fs.requests.Load()
		_, _ = a.Authenticate(ctx, long)
		if fs.requests.Load() != before {
			t.Fatal("live entry evicted instead of the expired one")
		}
	})
	t.Run("many tokens stay bounded", func(t *testing.T) {
		fs := newFakeStrapi(t)
		cfg := fs.config()
		cfg.CacheSize = 10
		a := newAuth(t, hsConfig(), cfg)
		for i := range 50 {
			if _, err := a.Authenticate(ctx, hsToken(t, with(strapiClaims(), "id", i))); err != nil {
				t.Fatal(err)
			}
			if n := len(a.strapi.entries); n > 10 {
				t.Fatalf("cache grew to %d", n)
			}
		}
	})
}

func keyOf(token string) [32]byte { return sha256.Sum256([]byte(token)) }

func TestStrapiConcurrentLookups(t *testing.T) {
	fs := newFakeStrapi(t)
	gate := make(chan struct{})
	fs.gate = gate
	a := newAuth(t, hsConfig(), fs.config())
	tok := hsToken(t, strapiClaims())

	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			id, err := a.Authenticate(context.Background(), tok)
			if err == nil && id.Role != "Editor" {
				err = fmt.Errorf("role %q", id.Role)
			}
			errs <- err
		})
	}
	waitFor(t, func() bool { return fs.requests.Load() == 1 })
	time.Sleep(50 * time.Millisecond) // let every goroutine reach the flight
	close(gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := fs.requests.Load(); got != 1 {
		t.Fatalf("requests = %d, want 1", got)
	}
}

// TestStrapiWaiterCancel: a handshake that gives up does not cancel the shared
// request; its answer still lands in the cache for the next one.
func TestStrapiWaiterCancel(t *testing.T) {
	fs := newFakeStrapi(t)
	gate := make(chan struct{})
	fs.gate = gate
	a := newAuth(t, hsConfig(), fs.config())
	tok := hsToken(t, strapiClaims())

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := a.Authenticate(ctx, tok)
	wantErr(t, err, clienterr.ErrAuthUnavailable)

	close(gate)
	waitFor(t, func() bool {
		a.strapi.mu.Lock()
		defer a.strapi.mu.Unlock()
		return len(a.strapi.inflight) == 0
	})
	if id, err := a.Authenticate(context.Background(), tok); err != nil || id.Role != "Editor" {
		t.Fatalf("%+v %v", id, err)
	}
	if got := fs.requests.Load(); got != 1 {
		t.Fatalf("requests = %d, want 1", got)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestLogsNeverHoldTokens runs refusals, lookups and outages with debug logging on
// and checks that no token (nor its signature) reaches the log.
func TestLogsNeverHoldTokens(t *testing.T) {
	var buf strings.Builder
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(p)
	}), &slog.HandlerOptions{Level: slog.LevelDebug}))

	fs := newFakeStrapi(t)
	a, err := New(options(hsConfig(), fs.config(), logger))
	if err != nil {
		t.Fatal(err)
	}
	a.now = func() time.Time { return t0 }
	base := strapiClaims()
	tokens := []string{
		hsToken(t, base),
		hsToken(t, with(base, "id", 2)),
		hsToken(t, with(base, "id", 3)),
		hsToken(t, with(base, "blocked", true)),
		sign(t, jwt.SigningMethodHS256, []byte("wrong"), base),
		"not-a-token-but-secret",
	}
	fs.set(tokens[1], answer{401, strapi401})
	fs.set(tokens[2], answer{500, `{}`})
	for _, tok := range tokens {
		_, _ = a.Authenticate(context.Background(), tok)
	}
	mu.Lock()
	defer mu.Unlock()
	if buf.Len() == 0 {
		t.Fatal("nothing logged")
	}
	for _, tok := range tokens {
		sig := tok[strings.LastIndex(tok, ".")+1:]
		if strings.Contains(buf.String(), sig) {
			t.Fatalf("log holds a token:\n%s", buf.String())
		}
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
