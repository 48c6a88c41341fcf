package auth

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// ErrNoSigningKey is returned by Mint when the hub has no HMAC secret
// (auth.jwtSecret) allowed by auth.algorithms. The hub only holds public keys for
// RS/PS/ES/EdDSA, so it cannot sign those tokens: mint them where the private key
// lives (Strapi, your identity provider).
var ErrNoSigningKey = errors.New("auth: no signing key: set auth.jwtSecret (and allow an HS algorithm) to mint tokens")

// Mint signs a token the hub itself accepts, for the `hub token` CLI (tests,
// scripts, service sockets). It uses the first HS algorithm of auth.algorithms and
// the claims a Strapi token has: {"id": sub, "iat", "exp"}, plus the role at
// auth.roleClaim (nested when the path is dotted: "app.role" -> {"app":{"role":..}}).
//
// sub becomes a JSON number when it is a canonical integer ("1" -> 1), as Strapi v4
// writes ids, else a string; an empty sub omits id. An empty role omits the role
// claim (the token then gets auth.authenticatedRole). ttl 0 omits exp: the token
// never expires, so it is refused with auth.requireExp; a negative ttl is an error.
func (a *Authenticator) Mint(role, sub string, ttl time.Duration) (string, error) {
	if a.secret == nil {
		return "", ErrNoSigningKey
	}
	var method jwt.SigningMethod
	for _, alg := range a.algs {
		if slices.Contains(hmacAlgs, alg) {
			method = jwt.GetSigningMethod(alg)
			break
		}
	}
	if method == nil {
		return "", fmt.Errorf("%w (auth.algorithms %v has no HS algorithm)", ErrNoSigningKey, a.algs)
	}
	if ttl < 0 {
		return "", fmt.Errorf("auth: negative token lifetime %v", ttl)
	}
	if ttl == 0 && !a.cfg.AllowNoExp {
		return "", errors.New("auth: a token without exp (ttl 0) would be refused: auth.requireExp is true")
	}
	now := a.now()
	claims := jwt.MapClaims{"iat": now.Unix()}
	if ttl > 0 {
		claims["exp"] = now.Add(ttl).Unix()
	}
	if sub != "" {
		claims["id"] = idValue(sub)
	}
	if role != "" {
		setPath(claims, a.cfg.RoleClaim, role)
	}
	return jwt.NewWithClaims(method, claims).SignedString(a.secret)
}

// idValue keeps sub as given unless it is a canonical integer ("007" stays a string,
// so the id round-trips exactly).
func idValue(sub string) any {
	if n, err := strconv.ParseInt(sub, 10, 64); err == nil && strconv.FormatInt(n, 10) == sub {
		return n
	}
	return sub
}

// setPath stores v at a dotted path, creating objects on the way. It mirrors
// lookupPath's path rule so a minted token reads back the same role.
func setPath(m map[string]any, path string, v any) {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[parts[len(parts)-1]] = v
}
