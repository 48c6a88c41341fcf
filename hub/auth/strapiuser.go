package auth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/iohub/iohub/hub/clienterr"
)

// With [strapi] apiToken, a locally verified token's user is read with the hub's
// own token, GET /api/users/:id?populate=role, instead of /users/me with the
// user's token. The difference matters: /users/me only includes the role when
// the user's role may read roles (plugin::users-permissions.role.find), which
// Strapi's default roles may not, while a full-access API token always sees it.
// Answers are cached per user id for userCacheTTL; a users-permissions user
// webhook makes the hub forget them at once (ForgetUser).

// userKey is the cache key of the answer about user id. Token answers are keyed by
// the token's SHA-256; a token reaches the cache only after it parsed as a JWT
// (base64url segments and dots), so it can never be this NUL-separated text.
func userKey(id string) [32]byte { return sha256.Sum256([]byte("iohub-user\x00" + id)) }

// user returns Strapi's answer about user id, from the cache when possible.
func (c *strapiClient) user(ctx context.Context, id string) (lookup, error) {
	until := c.now().Add(c.ttl)
	return c.cached(ctx, userKey(id), id, until, until,
		func(ctx context.Context) (lookup, error) { return c.requestUser(ctx, id) })
}

// requestUser sends GET /api/users/:id?populate=role with the API token.
func (c *strapiClient) requestUser(ctx context.Context, id string) (lookup, error) {
	status, body, err := c.api.Get(ctx, "/api/users/"+url.PathEscape(id)+"?populate=role")
	if err != nil {
		c.log.Warn("auth: strapi user lookup failed", "error", err.Error())
		return lookup{}, fmt.Errorf("strapi user lookup: %w", err)
	}
	switch status {
	case http.StatusOK:
	case http.StatusNoContent, http.StatusNotFound:
		// Strapi v4 answers 204 (an empty body) for an id it does not have, v5
		// 404: the user was deleted after the token was issued.
		return lookup{status: http.StatusNotFound}, nil
	case http.StatusUnauthorized, http.StatusForbidden:
		// The hub's own token was refused: every lookup will fail the same way,
		// which is a configuration problem, not the user's.
		c.log.Warn("auth: strapi refused strapi.apiToken reading a user; it must be a full-access API token", "status", status)
		return lookup{}, fmt.Errorf("strapi user lookup: api token refused (%d)", status)
	default:
		c.log.Warn("auth: strapi user lookup got an unexpected status", "status", status)
		return lookup{}, fmt.Errorf("strapi user lookup: status %d", status)
	}
	if len(body) > maxUserBody {
		return lookup{}, fmt.Errorf("strapi user lookup: answer larger than %d bytes", maxUserBody)
	}
	if string(body) == "null" || len(body) == 0 {
		return lookup{status: http.StatusNotFound}, nil
	}
	user, err := decodeUser(body)
	if err != nil {
		c.log.Warn("auth: strapi user lookup got an unreadable user", "error", err.Error())
		return lookup{}, fmt.Errorf("strapi user lookup: %w", err)
	}
	return lookup{status: http.StatusOK, user: user}, nil
}

// forgetUser drops every cached answer about user id (by id and by token) and
// detaches requests under way, whose answers may predate the change.
func (c *strapiClient) forgetUser(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for el := c.order.Front(); el != nil; {
		next := el.Next()
		if e := el.Value.(*cacheEntry); e.user == id {
			c.order.Remove(el)
			delete(c.entries, e.key)
		}
		el = next
	}
	for key, f := range c.inflight {
		if f.user == id {
			delete(c.inflight, key)
		}
	}
}

// ForgetUser makes the next handshake of user id ask Strapi again. The hub calls
// it when Strapi's webhook says the user changed (blocked, role, deleted). It is
// a no-op without [strapi] url.
func (a *Authenticator) ForgetUser(id string) {
	if a.strapi != nil && id != "" {
		a.strapi.forgetUser(id)
	}
}

// withStrapiUser completes a locally verified id with Strapi's record of the
// user, read with the hub's API token. Strapi's role wins over the claims.
func (a *Authenticator) withStrapiUser(ctx context.Context, id Identity) (Identity, error) {
	res, err := a.strapi.user(ctx, id.UserID)
	if err != nil {
		return Identity{}, a.refuse(ctx, clienterr.ErrAuthUnavailable, err)
	}
	if res.status == http.StatusNotFound {
		// Strapi itself answers "Invalid credentials" to a valid token of a user
		// it no longer has.
		return Identity{}, a.refuse(ctx, clienterr.ErrInvalidCredentials, errors.New("strapi has no such user"))
	}
	if err := checkStanding(res.user, a.cfg.RequireConfirmed); err != nil {
		return Identity{}, a.refuse(ctx, clienterr.ErrInvalidCredentials, err)
	}
	if role, ok := roleFromUser(res.user); ok {
		id.Role = role
	} else {
		a.log.DebugContext(ctx, "auth: strapi user has no role; using the claim role", "role", id.Role)
	}
	id.User = res.user
	return id, nil
}

// earliest returns the earlier of two times.
func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
