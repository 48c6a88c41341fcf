package auth

import (
	"context"
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

const hubAPIToken = "hub-full-access-token"

// fakeUsers answers GET /api/users/:id?populate=role like Strapi does for a
// full-access API token: the user with its role, or 204 (v4 and v5) for an id it
// does not have. Any other token gets 401.
type fakeUsers struct {
	t        testing.TB
	srv      *httptest.Server
	requests atomic.Int32

	mu    sync.Mutex
	users map[string]answer // by id
	gate  chan struct{}     // when set, requests wait for it to close
}

func newFakeUsers(t testing.TB) *fakeUsers {
	fu := &fakeUsers{t: t, users: map[string]answer{"1": {200, editorUser}}}
	fu.srv = httptest.NewServer(http.HandlerFunc(fu.serve))
	t.Cleanup(fu.srv.Close)
	return fu
}

func (fu *fakeUsers) serve(w http.ResponseWriter, r *http.Request) {
	fu.requests.Add(1)
	id, ok := strings.CutPrefix(r.URL.Path, "/api/users/")
	if r.Method != http.MethodGet || !ok || r.URL.Query().Get("populate") != "role" {
		fu.t.Errorf("unexpected request %s %s", r.Method, r.URL)
	}
	if r.Header.Get("Authorization") != "Bearer "+hubAPIToken {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	fu.mu.Lock()
	a, found := fu.users[id]
	gate := fu.gate
	fu.mu.Unlock()
	if gate != nil {
		<-gate
	}
	if !found {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	_, _ = w.Write([]byte(a.body))
}

func (fu *fakeUsers) set(id string, a answer) {
	fu.mu.Lock()
	fu.users[id] = a
	fu.mu.Unlock()
}

func (fu *fakeUsers) config() strapiCfg {
	return strapiCfg{URL: fu.srv.URL, APIToken: hubAPIToken, CacheSize: 100,
		Timeout: 2 * time.Second, UserCacheTTL: time.Minute}
}

// v5RefreshClaims are the claims of a Strapi v5 access token in refresh mode.
func v5RefreshClaims(typ string) jwt.MapClaims {
	return jwt.MapClaims{"userId": "1", "sessionId": "4f1c", "type": typ, "iat": t0.Unix(), "exp": t0.Add(10 * time.Minute).Unix()}
}

func TestStrapiUserByID(t *testing.T) {
	confirm := hsConfig()
	confirm.RequireConfirmed = true
	base := strapiClaims()
	tests := []struct {
		name     string
		cfg      Options
		claims   jwt.MapClaims
		answer   *answer // nil: no such user (204)
		want     error
		wantRole string
	}{
		{"legacy token", hsConfig(), base, &answer{200, editorUser}, nil, "Editor"},
		{"v5 refresh-mode access token", hsConfig(), v5RefreshClaims("access"), &answer{200, editorUser}, nil, "Editor"},
		{"v5 refresh token", hsConfig(), v5RefreshClaims("refresh"), &answer{200, editorUser}, clienterr.ErrInvalidToken, ""},
		{"Strapi's role beats the claim", hsConfig(), with(base, "role", "Admin"), &answer{200, editorUser}, nil, "Editor"},
		{"no role in the answer: claim rule", hsConfig(), base, &answer{200, `{"id":1,"blocked":false}`}, nil, "Authenticated"},
		{"blocked", hsConfig(), base, &answer{200, `{"id":1,"blocked":true,"role":{"name":"Editor"}}`}, clienterr.ErrInvalidCredentials, ""},
		{"unconfirmed, required", confirm, base, &answer{200, `{"id":1,"confirmed":false,"role":{"name":"Editor"}}`}, clienterr.ErrInvalidCredentials, ""},
		{"deleted user", hsConfig(), base, nil, clienterr.ErrInvalidCredentials, ""},
		{"404", hsConfig(), base, &answer{404, `{}`}, clienterr.ErrInvalidCredentials, ""},
		{"200 null", hsConfig(), base, &answer{200, `null`}, clienterr.ErrInvalidCredentials, ""},
		{"500", hsConfig(), base, &answer{500, `{}`}, clienterr.ErrAuthUnavailable, ""},
		{"not JSON", hsConfig(), base, &answer{200, `<html>`}, clienterr.ErrAuthUnavailable, ""},
		{"hub token refused", hsConfig(), base, &answer{403, `{}`}, clienterr.ErrAuthUnavailable, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fu := newFakeUsers(t)
			delete(fu.users, "1")
			if tt.answer != nil {
				fu.set("1", *tt.answer)
			}
			a := newAuth(t, tt.cfg, fu.config())
			id, err := a.Authenticate(context.Background(), hsToken(t, tt.claims))
			wantErr(t, err, tt.want)
			if err != nil {
				return
			}
			if id.Role != tt.wantRole || id.UserID != "1" || id.User == nil {
				t.Fatalf("identity %+v", id)
			}
			for _, f := range privateUserFields {
				if _, ok := id.User[f]; ok {
					t.Fatalf("private field %s kept", f)
				}
			}
		})
	}
}

func TestStrapiUserWrongHubToken(t *testing.T) {
	fu := newFakeUsers(t)
	cfg := fu.config()
	cfg.APIToken = "read-only"
	logs := &strings.Builder{}
	var mu sync.Mutex
	a, err := New(options(hsConfig(), cfg, slogTo(&mu, logs)))
	if err != nil {
		t.Fatal(err)
	}
	a.now = func() time.Time { return t0 }
	_, err = a.Authenticate(context.Background(), hsToken(t, strapiClaims()))
	wantErr(t, err, clienterr.ErrAuthUnavailable)
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), "full-access API token") || strings.Contains(logs.String(), "read-only") {
		t.Fatalf("log: %s", logs)
	}
}

// TestStrapiUserCache: answers are cached per user (two tokens of one user ask
// once), for userCacheTTL, and ForgetUser drops them at once.
func TestStrapiUserCache(t *testing.T) {
	ctx := context.Background()
	fu := newFakeUsers(t)
	a := newAuth(t, hsConfig(), fu.config())
	clock := newClock(a)
	tok1 := hsToken(t, strapiClaims())
	tok2 := hsToken(t, with(strapiClaims(), "iat", t0.Add(time.Second).Unix()))
	for _, tok := range []string{tok1, tok2, tok1} {
		if id, err := a.Authenticate(ctx, tok); err != nil || id.Role != "Editor" {
			t.Fatalf("%+v %v", id, err)
		}
	}
	if n := fu.requests.Load(); n != 1 {
		t.Fatalf("requests = %d, want 1 (cached per user)", n)
	}
	clock.Advance(time.Minute)
	_, _ = a.Authenticate(ctx, tok1)
	if n := fu.requests.Load(); n != 2 {
		t.Fatalf("requests = %d after userCacheTTL, want 2", n)
	}

	// Blocked in Strapi: the cached answer still says fine until the hub
	// forgets the user, as the webhook makes it do.
	fu.set("1", answer{200, `{"id":1,"blocked":true,"role":{"name":"Editor"}}`})
	if _, err := a.Authenticate(ctx, tok1); err != nil {
		t.Fatal(err)
	}
	a.ForgetUser("2") // another user: no effect
	if _, err := a.Authenticate(ctx, tok1); err != nil {
		t.Fatal(err)
	}
	a.ForgetUser("1")
	_, err := a.Authenticate(ctx, tok1)
	wantErr(t, err, clienterr.ErrInvalidCredentials)
	if n := fu.requests.Load(); n != 3 {
		t.Fatalf("requests = %d, want 3", n)
	}
}

// TestForgetUserDuringLookup: an answer requested before ForgetUser is not
// cached, since it may predate the change.
func TestForgetUserDuringLookup(t *testing.T) {
	ctx := context.Background()
	fu := newFakeUsers(t)
	fu.gate = make(chan struct{})
	a := newAuth(t, hsConfig(), fu.config())
	tok := hsToken(t, strapiClaims())
	done := make(chan error, 1)
	go func() { _, err := a.Authenticate(ctx, tok); done <- err }()
	for fu.requests.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	a.ForgetUser("1")
	fu.set("1", answer{200, `{"id":1,"blocked":true}`})
	close(fu.gate)
	if err := <-done; err != nil {
		t.Fatalf("the waiting handshake gets the answer it asked for: %v", err)
	}
	fu.mu.Lock()
	fu.gate = nil
	fu.mu.Unlock()
	_, err := a.Authenticate(ctx, tok)
	wantErr(t, err, clienterr.ErrInvalidCredentials)
	if n := fu.requests.Load(); n != 2 {
		t.Fatalf("requests = %d, want 2", n)
	}
}

// TestForgetUserByToken: without apiToken, answers are cached per token; ForgetUser
// drops every token of the user, and userCacheTTL caps a long-lived token's entry.
func TestForgetUserByToken(t *testing.T) {
	ctx := context.Background()
	fs := newFakeStrapi(t)
	cfg := fs.config()
	cfg.UserCacheTTL = time.Minute
	a := newAuth(t, hsConfig(), cfg)
	clock := newClock(a)
	tokA := hsToken(t, strapiClaims())
	tokB := hsToken(t, with(strapiClaims(), "iat", t0.Add(time.Second).Unix()))
	other := hsToken(t, with(strapiClaims(), "id", 2))
	for _, tok := range []string{tokA, tokB, other} {
		if _, err := a.Authenticate(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	a.ForgetUser("1")
	for _, tok := range []string{tokA, tokB, other} {
		_, _ = a.Authenticate(ctx, tok)
	}
	if n := fs.requests.Load(); n != 5 {
		t.Fatalf("requests = %d, want 5 (user 1's two tokens asked again)", n)
	}
	clock.Advance(time.Minute) // the tokens live 30 days; the cache a minute
	_, _ = a.Authenticate(ctx, other)
	if n := fs.requests.Load(); n != 6 {
		t.Fatalf("requests = %d, want 6", n)
	}
}

// Without a local key, the id in a token is unproven: the user's own token asks
// Strapi (/users/me) even with apiToken set.
func TestStrapiUserNeedsVerifiedToken(t *testing.T) {
	fs := newFakeStrapi(t)
	cfg := fs.config()
	cfg.APIToken = hubAPIToken
	a := newAuth(t, noKeyConfig(), cfg)
	tok := sign(t, jwt.SigningMethodHS256, []byte("only Strapi knows"), strapiClaims())
	if id, err := a.Authenticate(context.Background(), tok); err != nil || id.Role != "Editor" {
		t.Fatalf("%+v %v", id, err)
	}
	if fs.requests.Load() != 1 {
		t.Fatal("/users/me not asked")
	}
}

// slogTo logs at debug into b, under mu.
func slogTo(mu *sync.Mutex, b *strings.Builder) *slog.Logger {
	return slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return b.Write(p)
	}), &slog.HandlerOptions{Level: slog.LevelDebug}))
}
