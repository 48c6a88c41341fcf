package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/sanitize"
)

// Identity is who a socket is, as decided at its handshake. The hub joins the socket
// to the room named Role and hands Claims/User to handlers.
//
// Claims and User are decoded with json.Number for numbers, so ids and timestamps
// keep their exact value and marshal back to JSON verbatim. Both maps may be shared
// with the lookup cache: treat them as read-only.
type Identity struct {
	// Role is the role room name, verbatim (e.g. "Public", "Authenticated").
	Role string
	// UserID is "" when anonymous; else the claim "id", else "userId" (Strapi v5
	// refresh mode), else "sub", else the Strapi user's id. Numbers are formatted
	// as integers when they are integers ("1", never "1e+00").
	UserID string
	// Anonymous is true when no token was given.
	Anonymous bool
	// Claims holds the token's claims; nil when anonymous. They were verified
	// locally, or (with neither jwtSecret nor publicKeyFile) vouched for by Strapi.
	Claims map[string]any
	// User is the Strapi user object (private fields removed) when a Strapi lookup
	// answered with it; else nil.
	User map[string]any
	// ExpiresAt is the token's exp; zero when the token has none, or anonymous.
	ExpiresAt time.Time
}

// privateUserFields are removed from the Strapi user before it reaches handlers.
// Strapi already sanitizes /users/me; this is a second fence in case a proxy or a
// customised controller leaks them.
var privateUserFields = sanitize.DefaultPrivateFields()

// errRefused marks a standing check (blocked/unconfirmed) failure; callers wrap it
// in clienterr.ErrInvalidCredentials.
var errRefused = errors.New("refused")

// lookupPath finds a claim by name. The name is tried literally first, so
// namespaced claims such as "https://example.com/role" work; then, if it contains
// dots, as a path into nested objects ("app.role" -> claims["app"]["role"]).
// A path through a non-object is "absent".
func lookupPath(m map[string]any, path string) (any, bool) {
	if v, ok := m[path]; ok {
		return v, true
	}
	if !strings.Contains(path, ".") {
		return nil, false
	}
	var cur any = m
	for _, part := range strings.Split(path, ".") {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = obj[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// roleFromClaims applies the role-claim rule: a non-empty string, or an object with
// a non-empty string "name" (Strapi's role object); absent or null means fallback.
// Anything else is an error, because guessing a role for a token that states one
// in a shape we do not understand could grant the wrong permissions.
func roleFromClaims(claims map[string]any, path, fallback string) (string, error) {
	v, ok := lookupPath(claims, path)
	if !ok || v == nil {
		return fallback, nil
	}
	if name, ok := roleName(v); ok {
		if err := access.CheckRoleName(name); err != nil {
			return "", fmt.Errorf("role claim %q: %v", path, err)
		}
		return name, nil
	}
	return "", fmt.Errorf("role claim %q is not a role name or an object with a name", path)
}

// roleName reads a role given as a string or as an object {"name": "..."}.
func roleName(v any) (string, bool) {
	switch r := v.(type) {
	case string:
		return r, r != ""
	case map[string]any:
		name, ok := r["name"].(string)
		return name, ok && name != ""
	}
	return "", false
}

// roleFromUser reads user.role.name from a Strapi user. ok is false when the role is
// absent, which Strapi does unless the caller's role may find roles.
func roleFromUser(user map[string]any) (string, bool) {
	r, ok := user["role"].(map[string]any)
	if !ok {
		return "", false
	}
	return roleName(r)
}

// checkStanding applies Strapi's account rules to claims or to a user object:
// blocked: true refuses; confirmed: false refuses when confirmation is required.
// Only JSON booleans count; a missing field is no statement.
func checkStanding(m map[string]any, requireConfirmed bool) error {
	if b, ok := m["blocked"].(bool); ok && b {
		return fmt.Errorf("%w: user is blocked", errRefused)
	}
	if requireConfirmed {
		if c, ok := m["confirmed"].(bool); ok && !c {
			return fmt.Errorf("%w: user is not confirmed", errRefused)
		}
	}
	return nil
}

// userIDFrom returns the first of keys that holds a usable id.
func userIDFrom(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if id, ok := formatID(m[k]); ok {
			return id
		}
	}
	return ""
}

// formatID renders an id claim. Strapi v4 puts a JSON number ("id": 1), v5 refresh
// mode a string ("userId": "1"), other issuers a string "sub". Integral numbers are
// printed as integers so the id matches what Strapi and clients print.
func formatID(v any) (string, bool) {
	switch id := v.(type) {
	case string:
		return id, id != ""
	case json.Number:
		if n, err := id.Int64(); err == nil {
			return strconv.FormatInt(n, 10), true
		}
		if f, err := id.Float64(); err == nil {
			return formatFloatID(f), true
		}
		return id.String(), id.String() != ""
	case float64:
		return formatFloatID(id), true
	case int64:
		return strconv.FormatInt(id, 10), true
	case int:
		return strconv.Itoa(id), true
	}
	return "", false
}

func formatFloatID(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1<<63 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}
