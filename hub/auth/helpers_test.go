package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/iohub/iohub/hub/clienterr"
	"github.com/iohub/iohub/hub/strapi/client"
)

// t0 is the fixed "now" of tests that use a fake clock.
var t0 = time.Unix(1_700_000_000, 0)

const testSecret = "strapi-users-permissions-secret"

// testKeys are generated once per test binary: RSA generation is slow.
type testKeys struct {
	rsa *rsa.PrivateKey
	ec  *ecdsa.PrivateKey
	ed  ed25519.PrivateKey
}

var keys = sync.OnceValue(func() testKeys {
	r, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	e, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	_, d, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	return testKeys{rsa: r, ec: e, ed: d}
})

// pemPublic returns the PKIX PEM of a public key.
func pemPublic(t testing.TB, pub crypto.PublicKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// writeFile writes data into t.TempDir() and returns its path.
func writeFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func writePEM(t testing.TB, pub crypto.PublicKey) string {
	return writeFile(t, "pub.pem", pemPublic(t, pub))
}

// newAuth builds an Authenticator with a fake clock at t0.
func newAuth(t testing.TB, cfg Options, strapi strapiCfg) *Authenticator {
	t.Helper()
	a, err := New(options(cfg, strapi, nil))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	a.now = func() time.Time { return t0 }
	return a
}

// strapiCfg is the Strapi side of a test authenticator: its client's URL,
// API token and timeout, and the user cache. URL "": no Strapi.
type strapiCfg struct {
	URL, APIToken         string
	Timeout, UserCacheTTL time.Duration
	CacheSize             int
}

// options completes cfg with s (a Strapi client when s.URL is set), the
// public role "Public" and logger.
func options(cfg Options, s strapiCfg, logger *slog.Logger) Options {
	if s.URL != "" {
		cfg.Strapi = client.New(client.Options{URL: s.URL, APIToken: s.APIToken, Timeout: s.Timeout})
	}
	cfg.UserCacheTTL, cfg.UserCacheSize = s.UserCacheTTL, s.CacheSize
	cfg.PublicRole = "Public"
	cfg.Logger = logger
	return cfg
}

// hsConfig is a Strapi-like config: HS256 with a secret, 30s leeway.
func hsConfig(algs ...string) Options {
	if len(algs) == 0 {
		algs = []string{"HS256"}
	}
	return Options{
		AllowNoExp:        true,
		JWTSecret:         testSecret,
		Algorithms:        algs,
		RoleClaim:         "role",
		AuthenticatedRole: "Authenticated",
		Leeway:            30 * time.Second,
	}
}

// sign signs claims with a golang-jwt method.
func sign(t testing.TB, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// strapiClaims are the claims of a Strapi v4 user JWT issued at t0.
func strapiClaims() jwt.MapClaims {
	return jwt.MapClaims{"id": 1, "iat": t0.Unix(), "exp": t0.Add(30 * 24 * time.Hour).Unix()}
}

// with returns a copy of base with extra claims set (nil deletes).
func with(base jwt.MapClaims, kv ...any) jwt.MapClaims {
	c := jwt.MapClaims{}
	for k, v := range base {
		c[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(c, kv[i].(string))
		} else {
			c[kv[i].(string)] = kv[i+1]
		}
	}
	return c
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// signRawHS256 signs exact header/claims JSON, for claims golang-jwt would re-encode.
func signRawHS256(t testing.TB, secret, claimsJSON string) string {
	t.Helper()
	signing := b64(`{"alg":"HS256","typ":"JWT"}`) + "." + b64(claimsJSON)
	sig, err := jwt.SigningMethodHS256.Sign(signing, []byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// isSentinel reports whether err matches one of the client-visible sentinels.
func isSentinel(err error) bool {
	return errors.Is(err, clienterr.ErrInvalidToken) ||
		errors.Is(err, clienterr.ErrInvalidCredentials) ||
		errors.Is(err, clienterr.ErrAuthUnavailable)
}

// wantErr checks err against want (nil = success).
func wantErr(t testing.TB, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case want != nil && !errors.Is(err, want):
		t.Fatalf("error = %v, want %v", err, want)
	}
}
