package auth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// FuzzAuthenticate: whatever the client sends, Authenticate neither panics nor
// returns an error other than the client-visible sentinels, and an accepted token
// always has a role. Two hubs are fuzzed: one verifying locally (HS256 + ES256),
// one with no key that asks a fake Strapi (which accepts every token it is sent).
func FuzzAuthenticate(f *testing.F) {
	k := keys()
	secret := []byte(testSecret)
	base := strapiClaims()
	seeds := []string{
		"", "abc", "a.b", "a.b.c", "..", "!!!.@@@.###", "Bearer x.y.z",
		sign(f, jwt.SigningMethodHS256, secret, base),
		sign(f, jwt.SigningMethodHS256, secret, with(base, "role", map[string]any{"name": "Editor"})),
		sign(f, jwt.SigningMethodHS256, secret, with(base, "role", 3)),
		sign(f, jwt.SigningMethodHS256, secret, with(base, "blocked", true)),
		sign(f, jwt.SigningMethodHS256, secret, with(base, "exp", t0.Add(-time.Hour).Unix())),
		sign(f, jwt.SigningMethodHS256, []byte("wrong"), base),
		sign(f, jwt.SigningMethodHS384, secret, base),
		sign(f, jwt.SigningMethodES256, k.ec, base),
		sign(f, jwt.SigningMethodRS256, k.rsa, base),
		sign(f, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, base),
		b64(`{"alg":"none"}`) + "." + b64(`{"id":1}`) + ".",
		signRawHS256(f, testSecret, `{"id":1e400}`),
		signRawHS256(f, testSecret, `{"exp":"x"}`),
		signRawHS256(f, testSecret, `{"userId":"1","sessionId":"s","type":"access"}`),
		signRawHS256(f, testSecret, `{"userId":"1","sessionId":"s","type":"refresh"}`),
		signRawHS256(f, testSecret, `{"id":"../../admin?x=1#"}`),
	}
	for _, s := range seeds {
		f.Add(s)
	}

	local := Options{
		JWTSecret: testSecret, PublicKeyFile: writePEM(f, &k.ec.PublicKey),
		Algorithms: []string{"HS256", "ES256"}, RoleClaim: "role", AuthenticatedRole: "Authenticated",
		Leeway: 30 * time.Second, AllowNoExp: true,
	}
	a := newAuth(f, local, strapiCfg{})

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		switch {
		case strings.HasSuffix(tok, "a"):
			w.WriteHeader(http.StatusUnauthorized)
		case strings.HasSuffix(tok, "b"):
			w.WriteHeader(http.StatusForbidden)
		default:
			_, _ = w.Write([]byte(`{"id":1,"blocked":false,"role":{"name":"Editor"}}`))
		}
	}))
	f.Cleanup(srv.Close)
	viaStrapi := newAuth(f, Options{AllowNoExp: true, RoleClaim: "role", AuthenticatedRole: "Authenticated"},
		strapiCfg{URL: srv.URL, CacheSize: 64, Timeout: 5 * time.Second})

	// A third hub reads users by id with its API token (fakeUsers knows user 1).
	byID := newAuth(f, hsConfig(), newFakeUsers(f).config())

	f.Fuzz(func(t *testing.T, token string) {
		for _, auth := range []*Authenticator{a, viaStrapi, byID} {
			id, err := auth.Authenticate(context.Background(), token)
			if err != nil {
				if !isSentinel(err) {
					t.Fatalf("non-sentinel error %v", err)
				}
				continue
			}
			if id.Role == "" {
				t.Fatalf("accepted with an empty role: %+v", id)
			}
			if id.Anonymous != (token == "") {
				t.Fatalf("anonymous = %v for %q", id.Anonymous, token)
			}
		}
	})
}

// FuzzDecodeUser: whatever Strapi answers for a user (/api/users/me or
// /api/users/:id), decoding never panics, never keeps a private field, and the
// standing and role rules take the result without panicking.
func FuzzDecodeUser(f *testing.F) {
	for _, s := range []string{
		editorUser, `{}`, `null`, `[]`, `"x"`, `{"id":1,"blocked":"true","role":"Editor"}`,
		`{"id":1,"role":{"name":""},"confirmed":null}`, `{"id":1e400,"role":{"name":{"x":1}}}`,
		`{"id":1,"documentId":"d","username":"ann","blocked":true,"publishedAt":"2026-11-25T10:52:41.183Z",` +
			`"role":{"id":1,"documentId":"r","name":"Authenticated","type":"authenticated"}}`,
		`{"password":"x","resetPasswordToken":"y","confirmationToken":"z"} `, `{"a":1}{"b":2}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		user, err := decodeUser(body)
		if err != nil {
			return
		}
		if user == nil {
			t.Fatal("nil user without error")
		}
		for _, p := range privateUserFields {
			if _, ok := user[p]; ok {
				t.Fatalf("private field %s kept", p)
			}
		}
		_ = checkStanding(user, true)
		if role, ok := roleFromUser(user); ok && role == "" {
			t.Fatal("empty role accepted")
		}
		_, _ = formatID(user["id"])
	})
}
