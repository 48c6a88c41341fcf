package auth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
)

// Strapi v5's users-permissions has two token regimes (jwtManagement):
// "legacy-support" signs {id, iat, exp} with the jwtSecret; "refresh" signs
// access tokens {userId, sessionId, type: "access"} and refresh tokens with
// the same secret, and then refuses every token that is not an access token,
// legacy {id} tokens issued before the switch included. The hub follows
// Strapi: in refresh mode, a token signed with auth.jwtSecret (HS*) must say
// type "access". Tokens of other issuers (publicKeyFile) are not Strapi's and
// are not affected.

// JWT management modes.
const (
	JWTLegacy  = "legacy"
	JWTRefresh = "refresh"
)

// SetJWTManagement sets Strapi's mode ([strapi] jwtManagement, or what the
// hub detected): JWTRefresh, JWTLegacy, or "" while unknown (treated as
// legacy: both kinds accepted). Safe to call at any time.
func (a *Authenticator) SetJWTManagement(mode string) { a.jwtMode.Store(&mode) }

// JWTManagement reports the mode in force ("" while unknown).
func (a *Authenticator) JWTManagement() string {
	if m := a.jwtMode.Load(); m != nil {
		return *m
	}
	return ""
}

// checkJWTMode refuses, in refresh mode, an HMAC-signed token that is not an
// access token.
func (a *Authenticator) checkJWTMode(token string, claims map[string]any) error {
	if a.JWTManagement() != JWTRefresh || !hmacSigned(token) {
		return nil
	}
	if typ, _ := claims["type"].(string); typ != "access" {
		return errors.New("strapi is in refresh mode (jwtManagement) and the token is not an access token")
	}
	return nil
}

// hmacSigned reports whether the token's header names an HS* algorithm. The
// token already parsed, so the header is valid.
func hmacSigned(token string) bool {
	head, _, _ := strings.Cut(token, ".")
	b, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return false
	}
	var h struct {
		Alg string `json:"alg"`
	}
	return json.Unmarshal(b, &h) == nil && strings.HasPrefix(h.Alg, "HS")
}
