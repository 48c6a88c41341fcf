package auth

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"log/slog"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/iohub/iohub/hub/clienterr"
)

func TestAnonymous(t *testing.T) {
	a := newAuth(t, hsConfig(), strapiCfg{})
	id, err := a.Authenticate(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	want := Identity{Role: "Public", Anonymous: true}
	if id.Role != want.Role || !id.Anonymous || id.Claims != nil || id.User != nil || id.UserID != "" || !id.ExpiresAt.IsZero() {
		t.Fatalf("identity = %+v, want %+v", id, want)
	}
}

func TestValidAlgorithms(t *testing.T) {
	k := keys()
	rsaPEM := writePEM(t, &k.rsa.PublicKey)
	ecPEM := writePEM(t, &k.ec.PublicKey)
	edPEM := writePEM(t, k.ed.Public())
	asym := func(file string, alg string) Options {
		c := hsConfig(alg)
		c.JWTSecret = ""
		c.PublicKeyFile = file
		return c
	}
	tests := []struct {
		name   string
		cfg    Options
		method jwt.SigningMethod
		key    any
	}{
		{"HS256", hsConfig("HS256"), jwt.SigningMethodHS256, []byte(testSecret)},
		{"HS384", hsConfig("HS384"), jwt.SigningMethodHS384, []byte(testSecret)},
		{"HS512", hsConfig("HS512"), jwt.SigningMethodHS512, []byte(testSecret)},
		{"RS256", asym(rsaPEM, "RS256"), jwt.SigningMethodRS256, k.rsa},
		{"RS512", asym(rsaPEM, "RS512"), jwt.SigningMethodRS512, k.rsa},
		{"PS256", asym(rsaPEM, "PS256"), jwt.SigningMethodPS256, k.rsa},
		{"ES256", asym(ecPEM, "ES256"), jwt.SigningMethodES256, k.ec},
		{"EdDSA", asym(edPEM, "EdDSA"), jwt.SigningMethodEdDSA, k.ed},
		{"RS256 beside a secret", func() Options { c := hsConfig("HS256", "RS256"); c.PublicKeyFile = rsaPEM; return c }(), jwt.SigningMethodRS256, k.rsa},
		{"HS256 beside a key", func() Options { c := hsConfig("HS256", "RS256"); c.PublicKeyFile = rsaPEM; return c }(), jwt.SigningMethodHS256, []byte(testSecret)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAuth(t, tt.cfg, strapiCfg{})
			id, err := a.Authenticate(context.Background(), sign(t, tt.method, tt.key, strapiClaims()))
			if err != nil {
				t.Fatal(err)
			}
			if id.Role != "Authenticated" || id.UserID != "1" || id.Anonymous || id.User != nil {
				t.Fatalf("identity = %+v", id)
			}
			if !id.ExpiresAt.Equal(t0.Add(30 * 24 * time.Hour)) {
				t.Fatalf("ExpiresAt = %v", id.ExpiresAt)
			}
		})
	}
}

func TestRefusedTokens(t *testing.T) {
	k := keys()
	rsaPEMBytes := pemPublic(t, &k.rsa.PublicKey)
	rsaPEM := writeFile(t, "rsa.pem", rsaPEMBytes)
	ecPEM := writePEM(t, &k.ec.PublicKey)
	secret := []byte(testSecret)
	base := strapiClaims()
	hs := func(c jwt.MapClaims) string { return sign(t, jwt.SigningMethodHS256, secret, c) }

	// confusion: HS256 signed with the public key's PEM bytes as the secret.
	confused := sign(t, jwt.SigningMethodHS256, rsaPEMBytes, base)
	noneCrafted := b64(`{"alg":"none","typ":"JWT"}`) + "." + b64(mustJSON(base)) + "."
	noneLib := sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, base)
	noneUpper := b64(`{"alg":"NONE","typ":"JWT"}`) + "." + b64(mustJSON(base)) + "."

	withKey := func(algs ...string) Options { c := hsConfig(algs...); c.PublicKeyFile = rsaPEM; return c }
	keyOnly := func(file string, algs ...string) Options {
		c := hsConfig(algs...)
		c.JWTSecret = ""
		c.PublicKeyFile = file
		return c
	}
	issAud := hsConfig()
	issAud.Issuer = "https://cms.example"
	issAud.Audience = "hub"
	issAudClaims := with(base, "iss", "https://cms.example", "aud", "hub")
	noLeeway := hsConfig()
	noLeeway.Leeway = 0
	needExp := hsConfig()
	needExp.AllowNoExp = false

	tests := []struct {
		name  string
		cfg   Options
		token string
		want  error
	}{
		{"expired beyond leeway", hsConfig(), hs(with(base, "exp", t0.Add(-31*time.Second).Unix())), clienterr.ErrInvalidToken},
		{"expired within leeway", hsConfig(), hs(with(base, "exp", t0.Add(-29*time.Second).Unix())), nil},
		{"expired, no leeway", noLeeway, hs(with(base, "exp", t0.Add(-time.Second).Unix())), clienterr.ErrInvalidToken},
		{"nbf in the future", hsConfig(), hs(with(base, "nbf", t0.Add(time.Minute).Unix())), clienterr.ErrInvalidToken},
		{"nbf within leeway", hsConfig(), hs(with(base, "nbf", t0.Add(20*time.Second).Unix())), nil},
		{"no exp", hsConfig(), hs(with(base, "exp", nil)), nil},
		{"no exp, requireExp", needExp, hs(with(base, "exp", nil)), clienterr.ErrInvalidToken},
		{"exp, requireExp", needExp, hs(base), nil},
		{"exp null, requireExp", needExp, hs(with(base, "exp", json.RawMessage("null"))), clienterr.ErrInvalidToken},
		{"iat in the future beyond leeway", hsConfig(), hs(with(base, "iat", t0.Add(31*time.Second).Unix())), clienterr.ErrInvalidToken},
		{"iat in the future within leeway", hsConfig(), hs(with(base, "iat", t0.Add(29*time.Second).Unix())), nil},
		{"iat in the future, no leeway", noLeeway, hs(with(base, "iat", t0.Add(time.Second).Unix())), clienterr.ErrInvalidToken},
		{"iat far in the past", hsConfig(), hs(with(base, "iat", t0.Add(-365*24*time.Hour).Unix())), nil},
		{"iat absent", hsConfig(), hs(with(base, "iat", nil)), nil},
		{"iat not a number", hsConfig(), hs(with(base, "iat", "now")), clienterr.ErrInvalidToken},
		{"exp not a number", hsConfig(), hs(with(base, "exp", "tomorrow")), clienterr.ErrInvalidToken},
		{"wrong signature", hsConfig(), sign(t, jwt.SigningMethodHS256, []byte("another secret"), base), clienterr.ErrInvalidToken},
		{"tampered claims", hsConfig(), func() string {
			p := strings.Split(hs(base), ".")
			return p[0] + "." + b64(mustJSON(with(base, "role", "Admin"))) + "." + p[2]
		}(), clienterr.ErrInvalidToken},
		{"alg none crafted", hsConfig(), noneCrafted, clienterr.ErrInvalidToken},
		{"alg none via library", hsConfig(), noneLib, clienterr.ErrInvalidToken},
		{"alg NONE", hsConfig(), noneUpper, clienterr.ErrInvalidToken},
		{"alg none, asymmetric config", keyOnly(rsaPEM, "RS256"), noneCrafted, clienterr.ErrInvalidToken},
		{"confusion: HS256+RS256 and a secret", withKey("HS256", "RS256"), confused, clienterr.ErrInvalidToken},
		{"confusion: RS256 only", keyOnly(rsaPEM, "RS256"), confused, clienterr.ErrInvalidToken},
		{"confusion: HS256 allowed, no secret", keyOnly(rsaPEM, "HS256", "RS256"), confused, clienterr.ErrInvalidToken},
		{"alg not allowed (HS384 vs HS256)", hsConfig("HS256"), sign(t, jwt.SigningMethodHS384, secret, base), clienterr.ErrInvalidToken},
		{"alg not allowed (RS512 vs RS256)", keyOnly(rsaPEM, "RS256"), sign(t, jwt.SigningMethodRS512, k.rsa, base), clienterr.ErrInvalidToken},
		{"ES256 against an RSA key", keyOnly(rsaPEM, "RS256"), sign(t, jwt.SigningMethodES256, k.ec, base), clienterr.ErrInvalidToken},
		{"RS256 against an EC key", keyOnly(ecPEM, "ES256"), sign(t, jwt.SigningMethodRS256, k.rsa, base), clienterr.ErrInvalidToken},
		{"ES256 by another key", keyOnly(ecPEM, "ES256"), func() string {
			other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			return sign(t, jwt.SigningMethodES256, other, base)
		}(), clienterr.ErrInvalidToken},
		{"malformed: abc", hsConfig(), "abc", clienterr.ErrInvalidToken},
		{"malformed: a.b", hsConfig(), "a.b", clienterr.ErrInvalidToken},
		{"malformed: a.b.c", hsConfig(), "a.b.c", clienterr.ErrInvalidToken},
		{"malformed: dots", hsConfig(), "..", clienterr.ErrInvalidToken},
		{"malformed: four parts", hsConfig(), hs(base) + ".x", clienterr.ErrInvalidToken},
		{"malformed: garbage base64", hsConfig(), "!!!.@@@.###", clienterr.ErrInvalidToken},
		{"malformed: header not JSON", hsConfig(), b64("not json") + "." + b64("{}") + ".sig", clienterr.ErrInvalidToken},
		{"malformed: claims an array", hsConfig(), signRawHS256(t, testSecret, `[1,2]`), clienterr.ErrInvalidToken},
		{"malformed: Bearer prefix", hsConfig(), "Bearer " + hs(base), clienterr.ErrInvalidToken},
		{"too long", hsConfig(), hs(with(base, "pad", strings.Repeat("x", maxTokenLen))), clienterr.ErrInvalidToken},
		{"iss and aud match", issAud, hs(issAudClaims), nil},
		{"aud as list", issAud, hs(with(issAudClaims, "aud", []string{"other", "hub"})), nil},
		{"issuer mismatch", issAud, hs(with(issAudClaims, "iss", "https://evil.example")), clienterr.ErrInvalidToken},
		{"issuer missing", issAud, hs(with(issAudClaims, "iss", nil)), clienterr.ErrInvalidToken},
		{"audience mismatch", issAud, hs(with(issAudClaims, "aud", "other")), clienterr.ErrInvalidToken},
		{"audience missing", issAud, hs(with(issAudClaims, "aud", nil)), clienterr.ErrInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAuth(t, tt.cfg, strapiCfg{})
			id, err := a.Authenticate(context.Background(), tt.token)
			wantErr(t, err, tt.want)
			if err != nil && (id.Role != "" || id.Claims != nil) {
				t.Fatalf("refused token still produced an identity: %+v", id)
			}
			if err != nil && err.Error() == "" {
				t.Fatal("empty error")
			}
		})
	}
}

func TestRoleAndStanding(t *testing.T) {
	base := strapiClaims()
	dotted := hsConfig()
	dotted.RoleClaim = "app.role"
	namespaced := hsConfig()
	namespaced.RoleClaim = "https://cms.example/role"
	confirm := hsConfig()
	confirm.RequireConfirmed = true
	custom := hsConfig()
	custom.AuthenticatedRole = "Member"

	tests := []struct {
		name     string
		cfg      Options
		claims   jwt.MapClaims
		wantRole string
		want     error
	}{
		{"string", hsConfig(), with(base, "role", "Editor"), "Editor", nil},
		{"object with name", hsConfig(), with(base, "role", map[string]any{"id": 3, "name": "Editor", "type": "editor"}), "Editor", nil},
		{"verbatim", hsConfig(), with(base, "role", "Chat Moderators"), "Chat Moderators", nil},
		{"dotted", dotted, with(base, "app", map[string]any{"role": "Editor"}), "Editor", nil},
		{"dotted object", dotted, with(base, "app", map[string]any{"role": map[string]any{"name": "Editor"}}), "Editor", nil},
		{"dotted absent", dotted, with(base, "app", map[string]any{"x": 1}), "Authenticated", nil},
		{"dotted through a string", dotted, with(base, "app", "web"), "Authenticated", nil},
		{"dotted name used literally", namespaced, with(base, "https://cms.example/role", "Editor"), "Editor", nil},
		{"absent", hsConfig(), base, "Authenticated", nil},
		{"absent, custom authenticatedRole", custom, base, "Member", nil},
		{"null", hsConfig(), with(base, "role", jwt.MapClaims(nil)), "Authenticated", nil},
		{"number", hsConfig(), with(base, "role", 42), "", clienterr.ErrInvalidToken},
		{"bool", hsConfig(), with(base, "role", true), "", clienterr.ErrInvalidToken},
		{"list", hsConfig(), with(base, "role", []string{"Editor"}), "", clienterr.ErrInvalidToken},
		{"empty string", hsConfig(), with(base, "role", ""), "", clienterr.ErrInvalidToken},
		{"object without name", hsConfig(), with(base, "role", map[string]any{"id": 3}), "", clienterr.ErrInvalidToken},
		{"object with numeric name", hsConfig(), with(base, "role", map[string]any{"name": 3}), "", clienterr.ErrInvalidToken},
		{"blocked", hsConfig(), with(base, "blocked", true), "", clienterr.ErrInvalidCredentials},
		{"not blocked", hsConfig(), with(base, "blocked", false), "Authenticated", nil},
		{"blocked as string is no statement", hsConfig(), with(base, "blocked", "true"), "Authenticated", nil},
		{"unconfirmed, not required", hsConfig(), with(base, "confirmed", false), "Authenticated", nil},
		{"unconfirmed, required", confirm, with(base, "confirmed", false), "", clienterr.ErrInvalidCredentials},
		{"confirmed, required", confirm, with(base, "confirmed", true), "Authenticated", nil},
		{"no confirmed claim, required", confirm, base, "Authenticated", nil},
		{"blocked beats a role", hsConfig(), with(base, "blocked", true, "role", "Editor"), "", clienterr.ErrInvalidCredentials},
		// A role is a room: names of user rooms and socket ids are not roles.
		{"user room as role", hsConfig(), with(base, "role", "user:1"), "", clienterr.ErrInvalidToken},
		{"user room as role object", hsConfig(), with(base, "role", map[string]any{"name": "User:1"}), "", clienterr.ErrInvalidToken},
		{"user room at a dotted path", dotted, with(base, "app", map[string]any{"role": "user:2"}), "", clienterr.ErrInvalidToken},
		{"socket id as role", hsConfig(), with(base, "role", "oRtb1M5vAJ3KBmAAAAAAAAAA"), "", clienterr.ErrInvalidToken},
		{"user: inside a name is fine", hsConfig(), with(base, "role", "Power user:s"), "Power user:s", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAuth(t, tt.cfg, strapiCfg{})
			id, err := a.Authenticate(context.Background(), sign(t, jwt.SigningMethodHS256, []byte(testSecret), tt.claims))
			wantErr(t, err, tt.want)
			if id.Role != tt.wantRole {
				t.Fatalf("role = %q, want %q", id.Role, tt.wantRole)
			}
		})
	}
}

func TestUserID(t *testing.T) {
	exp := `"exp":1800000000`
	tests := []struct {
		name   string
		claims string
		want   string
	}{
		{"id number", `{"id":1,` + exp + `}`, "1"},
		{"id number with exponent", `{"id":1e0,` + exp + `}`, "1"},
		{"id number 1.0", `{"id":1.0,` + exp + `}`, "1"},
		{"id large integer, exact", `{"id":12345678901234567,` + exp + `}`, "12345678901234567"},
		{"id fraction", `{"id":1.5,` + exp + `}`, "1.5"},
		{"id string", `{"id":"abc",` + exp + `}`, "abc"},
		{"userId (Strapi v5 refresh)", `{"userId":"7","sessionId":"s","type":"access",` + exp + `}`, "7"},
		{"sub", `{"sub":"auth0|42",` + exp + `}`, "auth0|42"},
		{"id beats userId and sub", `{"id":3,"userId":"7","sub":"x",` + exp + `}`, "3"},
		{"userId beats sub", `{"userId":"7","sub":"x",` + exp + `}`, "7"},
		{"empty id falls through", `{"id":"","sub":"x",` + exp + `}`, "x"},
		{"object id falls through", `{"id":{"a":1},"sub":"x",` + exp + `}`, "x"},
		{"none", `{` + exp + `}`, ""},
	}
	a := newAuth(t, hsConfig(), strapiCfg{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := a.Authenticate(context.Background(), signRawHS256(t, testSecret, tt.claims))
			if err != nil {
				t.Fatal(err)
			}
			if id.UserID != tt.want {
				t.Fatalf("UserID = %q, want %q", id.UserID, tt.want)
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	k := keys()
	ecPEM := writePEM(t, &k.ec.PublicKey)
	privDER, _ := x509.MarshalPKCS8PrivateKey(k.ec)
	tests := []struct {
		name    string
		cfg     Options
		wantErr string
	}{
		{"missing file", Options{AllowNoExp: true, PublicKeyFile: "/nonexistent/pub.pem", Algorithms: []string{"RS256"}}, "auth.publicKeyFile: open /nonexistent/pub.pem"},
		{"no PEM block", Options{AllowNoExp: true, PublicKeyFile: writeFile(t, "pub.pem", []byte("hello")), Algorithms: []string{"RS256"}}, "auth.publicKeyFile: no PEM block found in "},
		{"private key", Options{AllowNoExp: true, PublicKeyFile: writeFile(t, "key.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER})), Algorithms: []string{"ES256"}}, "holds a private key"},
		{"bad DER", Options{AllowNoExp: true, PublicKeyFile: writeFile(t, "pub.pem", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte("junk")})), Algorithms: []string{"ES256"}}, "bad PUBLIC KEY block"},
		{"unknown block", Options{AllowNoExp: true, PublicKeyFile: writeFile(t, "pub.pem", pem.EncodeToMemory(&pem.Block{Type: "SOMETHING", Bytes: []byte("junk")})), Algorithms: []string{"ES256"}}, `unsupported PEM block "SOMETHING"`},
		{"alg none", Options{AllowNoExp: true, JWTSecret: "s", Algorithms: []string{"none"}}, `unsupported algorithm "none"`},
		{"no usable alg", Options{AllowNoExp: true, PublicKeyFile: ecPEM, Algorithms: []string{"RS256", "ES384"}}, "none can be verified with the configured keys"},
		{"HS without secret", Options{AllowNoExp: true, PublicKeyFile: ecPEM, Algorithms: []string{"HS256"}}, "no jwtSecret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(options(tt.cfg, strapiCfg{}, nil))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestKeyFormats(t *testing.T) {
	k := keys()
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&k.rsa.PublicKey)})
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "cms"}, NotBefore: t0, NotAfter: t0.Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.ec.PublicKey, k.ec)
	if err != nil {
		t.Fatal(err)
	}
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	ecParams := append(pem.EncodeToMemory(&pem.Block{Type: "EC PARAMETERS", Bytes: []byte{6, 8, 42, 134, 72, 206, 61, 3, 1, 7}}), pemPublic(t, &k.ec.PublicKey)...)
	tests := []struct {
		name   string
		pem    []byte
		method jwt.SigningMethod
		key    any
	}{
		{"PKCS1 RSA", pkcs1, jwt.SigningMethodRS256, k.rsa},
		{"certificate", cert, jwt.SigningMethodES256, k.ec},
		{"EC PARAMETERS first", ecParams, jwt.SigningMethodES256, k.ec},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Options{AllowNoExp: true, PublicKeyFile: writeFile(t, "k.pem", tt.pem)}
			a := newAuth(t, cfg, strapiCfg{})
			if _, err := a.Authenticate(context.Background(), sign(t, tt.method, tt.key, strapiClaims())); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestAlgorithmsDefaultToKeys(t *testing.T) {
	k := keys()
	a := newAuth(t, Options{AllowNoExp: true, JWTSecret: "s", PublicKeyFile: writePEM(t, &k.ec.PublicKey)}, strapiCfg{})
	want := "HS256,HS384,HS512,ES256"
	if got := strings.Join(a.algs, ","); got != want {
		t.Fatalf("algs = %s, want %s", got, want)
	}
}

// TestNoVerifierRefusesTokens: with no key and no Strapi, a token cannot be trusted.
func TestNoVerifierRefusesTokens(t *testing.T) {
	a := newAuth(t, Options{AllowNoExp: true}, strapiCfg{})
	_, err := a.Authenticate(context.Background(), sign(t, jwt.SigningMethodHS256, []byte("x"), strapiClaims()))
	wantErr(t, err, clienterr.ErrInvalidToken)
	if id, err := a.Authenticate(context.Background(), ""); err != nil || id.Role != "Public" {
		t.Fatalf("anonymous: %+v %v", id, err)
	}
}

// TestClaimsKeepNumbers: claims use json.Number, so ids stay exact.
func TestClaimsKeepNumbers(t *testing.T) {
	a := newAuth(t, hsConfig(), strapiCfg{})
	id, err := a.Authenticate(context.Background(), signRawHS256(t, testSecret, `{"id":9007199254740993,"exp":1800000000}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := mustJSON(id.Claims["id"]); got != "9007199254740993" {
		t.Fatalf("id claim marshals as %s", got)
	}
}

// TestMissingExpExplainedOnce: the operator of an issuer without exp learns about
// auth.requireExp from one warning, not from a warning per handshake.
func TestMissingExpExplainedOnce(t *testing.T) {
	var buf bytes.Buffer
	cfg := hsConfig()
	cfg.AllowNoExp = false
	a, err := New(options(cfg, strapiCfg{}, slog.New(slog.NewTextHandler(&buf, nil))))
	if err != nil {
		t.Fatal(err)
	}
	a.now = func() time.Time { return t0 }
	expired := sign(t, jwt.SigningMethodHS256, []byte(testSecret), with(strapiClaims(), "exp", t0.Add(-time.Hour).Unix()))
	noExp := sign(t, jwt.SigningMethodHS256, []byte(testSecret), with(strapiClaims(), "exp", nil))
	for _, tok := range []string{expired, noExp, noExp, noExp} {
		if _, err := a.Authenticate(context.Background(), tok); !errors.Is(err, clienterr.ErrInvalidToken) {
			t.Fatalf("error = %v", err)
		}
	}
	if n := strings.Count(buf.String(), "requireExp = false"); n != 1 {
		t.Fatalf("%d warnings naming requireExp, want 1:\n%s", n, buf.String())
	}
}
