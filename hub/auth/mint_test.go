package auth

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestMintRoundTrip(t *testing.T) {
	dotted := hsConfig()
	dotted.RoleClaim = "app.role"
	tests := []struct {
		name     string
		cfg      Options
		role     string
		sub      string
		ttl      time.Duration
		wantRole string
		wantID   any // the "id" claim as decoded (json.Number or string); nil = absent
		wantAlg  string
	}{
		{"numeric sub", hsConfig(), "Editor", "1", time.Hour, "Editor", json.Number("1"), "HS256"},
		{"string sub", hsConfig(), "Editor", "abc", time.Hour, "Editor", "abc", "HS256"},
		{"leading zero stays a string", hsConfig(), "Editor", "007", time.Hour, "Editor", "007", "HS256"},
		{"no role", hsConfig(), "", "1", time.Hour, "Authenticated", json.Number("1"), "HS256"},
		{"no sub", hsConfig(), "Public", "", time.Hour, "Public", nil, "HS256"},
		{"dotted role claim", dotted, "Editor", "1", time.Hour, "Editor", json.Number("1"), "HS256"},
		{"HS512 only", hsConfig("HS512"), "Editor", "1", time.Hour, "Editor", json.Number("1"), "HS512"},
		{"no exp", hsConfig(), "Editor", "1", 0, "Editor", json.Number("1"), "HS256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAuth(t, tt.cfg, strapiCfg{})
			tok, err := a.Mint(tt.role, tt.sub, tt.ttl)
			if err != nil {
				t.Fatal(err)
			}
			id, err := a.Authenticate(context.Background(), tok)
			if err != nil {
				t.Fatal(err)
			}
			if id.Role != tt.wantRole || id.UserID != tt.sub {
				t.Fatalf("identity = %+v, want role %q id %q", id, tt.wantRole, tt.sub)
			}
			if got := id.Claims["id"]; got != tt.wantID {
				t.Fatalf("id claim = %#v, want %#v", got, tt.wantID)
			}
			if tt.ttl > 0 && !id.ExpiresAt.Equal(t0.Add(tt.ttl)) {
				t.Fatalf("ExpiresAt = %v", id.ExpiresAt)
			}
			if tt.ttl == 0 && (!id.ExpiresAt.IsZero() || id.Claims["exp"] != nil) {
				t.Fatalf("ttl 0 minted an exp: %v", id.Claims["exp"])
			}
			if id.Claims["iat"] != json.Number("1700000000") {
				t.Fatalf("iat = %v", id.Claims["iat"])
			}
			if tt.cfg.RoleClaim == "app.role" {
				if app, ok := id.Claims["app"].(map[string]any); !ok || app["role"] != tt.role {
					t.Fatalf("role not nested: %v", id.Claims)
				}
			}
			hdr, _, _ := strings.Cut(tok, ".")
			if !strings.Contains(mustDecode(t, hdr), `"alg":"`+tt.wantAlg+`"`) {
				t.Fatalf("header %s, want alg %s", mustDecode(t, hdr), tt.wantAlg)
			}
		})
	}
}

func TestMintExpires(t *testing.T) {
	a := newAuth(t, hsConfig(), strapiCfg{})
	tok, err := a.Mint("Editor", "1", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	a.now = func() time.Time { return t0.Add(2 * time.Minute) }
	if _, err := a.Authenticate(context.Background(), tok); err == nil {
		t.Fatal("expired minted token accepted")
	}
}

func TestMintErrors(t *testing.T) {
	k := keys()
	keyOnly := Options{AllowNoExp: true, PublicKeyFile: writePEM(t, &k.rsa.PublicKey), Algorithms: []string{"RS256"}}
	mixed := hsConfig("RS256")
	mixed.PublicKeyFile = keyOnly.PublicKeyFile
	for name, cfg := range map[string]Options{"public key only": keyOnly, "secret but no HS alg": mixed} {
		t.Run(name, func(t *testing.T) {
			a := newAuth(t, cfg, strapiCfg{})
			if _, err := a.Mint("Editor", "1", time.Hour); !errors.Is(err, ErrNoSigningKey) {
				t.Fatalf("error = %v, want ErrNoSigningKey", err)
			}
		})
	}
	a := newAuth(t, hsConfig(), strapiCfg{})
	if _, err := a.Mint("Editor", "1", -time.Second); err == nil {
		t.Fatal("negative ttl accepted")
	}
	needExp := hsConfig()
	needExp.AllowNoExp = false
	a = newAuth(t, needExp, strapiCfg{})
	if _, err := a.Mint("Editor", "1", 0); err == nil || !strings.Contains(err.Error(), "requireExp") {
		t.Fatalf("ttl 0 with requireExp: error = %v, want one naming requireExp", err)
	}
}

func mustDecode(t *testing.T, seg string) string {
	t.Helper()
	b, err := jwt.NewParser().DecodeSegment(seg)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
