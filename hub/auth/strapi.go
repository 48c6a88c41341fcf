package auth

import (
	"bytes"
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// maxUserBody bounds the user answers we decode; a user object is a few hundred
// bytes even with its role.
const maxUserBody = 1 << 20

// Strapi is how the hub's Strapi client (hub/strapi/client) is reached: GET a
// path with the hub's API token, or with a user's token. Both return the status
// and body of any answer; err is for answers that never came. With an API
// token (HasAPIToken), a locally verified token's user is read with it
// (strapiuser.go).
type Strapi interface {
	Get(ctx context.Context, path string) (int, []byte, error)
	GetAs(ctx context.Context, path, bearer string) (int, []byte, error)
	HasAPIToken() bool
}

// defaultUserCacheTTL is Options.UserCacheTTL's default, as strapi.userCacheTTL's.
const defaultUserCacheTTL = time.Minute

// sweepEvery throttles the scan for expired entries of a full cache, so a flood of
// distinct tokens costs O(1) per insert rather than O(size).
const sweepEvery = time.Second

// lookup is Strapi's answer about one token (GET /api/users/me: status 200 with
// the user, or 401/403, a refusal decided by the caller) or one user id (GET
// /api/users/:id with the hub's API token: 200 with the user, or 404 when there
// is no such user). Other answers are errors.
type lookup struct {
	status int
	user   map[string]any
}

// cacheEntry is one cached answer, keyed by the token's SHA-256 so the cache holds
// no tokens (or by userKey for answers about a user id). user is the user id the
// answer is about, so that ForgetUser can find every answer about one user.
type cacheEntry struct {
	key     [32]byte
	user    string
	res     lookup
	expires time.Time
}

// flight is a request in progress; waiters block on done, then read res/err.
type flight struct {
	done chan struct{}
	user string
	res  lookup
	err  error
}

// strapiClient asks Strapi who a token belongs to, caches the answers per token
// and merges concurrent lookups of the same token into one request. Caching matters
// because a reconnect storm (a deploy, a network blip) would otherwise send Strapi
// one request per socket at once; the cache lives until the token's exp because
// that is as long as the answer is about a usable token.
type strapiClient struct {
	apiToken bool // the client has the hub's API token: users are read with it
	ttl      time.Duration
	api      Strapi
	log      *slog.Logger
	now      func() time.Time
	size     int

	mu        sync.Mutex
	entries   map[[32]byte]*list.Element // of *cacheEntry
	order     *list.List                 // insertion order, oldest first
	inflight  map[[32]byte]*flight
	lastSweep time.Time
}

func newStrapiClient(cfg Options, log *slog.Logger, now func() time.Time) *strapiClient {
	size := cfg.UserCacheSize
	if size <= 0 {
		size = 10000
	}
	ttl := cfg.UserCacheTTL
	if ttl <= 0 {
		ttl = defaultUserCacheTTL
	}
	return &strapiClient{
		apiToken: cfg.Strapi.HasAPIToken(),
		ttl:      ttl,
		api:      cfg.Strapi,
		log:      log,
		now:      now,
		size:     size,
		entries:  make(map[[32]byte]*list.Element),
		order:    list.New(),
		inflight: make(map[[32]byte]*flight),
	}
}

// me returns Strapi's answer for token (of user, the token's id claim, "" if
// none), from the cache when possible. A 200 answer is cached until `until`, a
// 401/403 until `refusedUntil`, both at most userCacheTTL. Errors (network,
// timeout, 5xx, unexpected answers) are not cached: the next handshake asks again.
func (c *strapiClient) me(ctx context.Context, token, user string, until, refusedUntil time.Time) (lookup, error) {
	limit := c.now().Add(c.ttl)
	until, refusedUntil = earliest(until, limit), earliest(refusedUntil, limit)
	return c.cached(ctx, sha256.Sum256([]byte(token)), user, until, refusedUntil,
		func(ctx context.Context) (lookup, error) { return c.request(ctx, token) })
}

// cached returns the cached answer under key or asks Strapi with req, merging
// concurrent requests for the same key into one.
//
// The request runs detached from ctx (bounded by the client timeout) because other
// handshakes may be waiting for the same answer; ctx only bounds this caller's wait.
func (c *strapiClient) cached(ctx context.Context, key [32]byte, user string, until, refusedUntil time.Time,
	req func(context.Context) (lookup, error)) (lookup, error) {
	c.mu.Lock()
	if res, ok := c.getLocked(key); ok {
		c.mu.Unlock()
		return res, nil
	}
	f, ok := c.inflight[key]
	if !ok {
		f = &flight{done: make(chan struct{}), user: user}
		c.inflight[key] = f
		go c.fetch(context.WithoutCancel(ctx), key, f, until, refusedUntil, req)
	}
	c.mu.Unlock()
	select {
	case <-f.done:
		return f.res, f.err
	case <-ctx.Done():
		return lookup{}, fmt.Errorf("waiting for strapi: %w", ctx.Err())
	}
}

// fetch performs the request for a flight, caches a definite answer, and releases
// the waiters. A flight that ForgetUser cut loose (no longer in inflight) is not
// cached: its answer may predate the change that made the hub forget the user.
func (c *strapiClient) fetch(ctx context.Context, key [32]byte, f *flight, until, refusedUntil time.Time,
	req func(context.Context) (lookup, error)) {
	res, err := req(ctx)
	c.mu.Lock()
	if c.inflight[key] == f {
		delete(c.inflight, key)
		if err == nil {
			exp := until
			if res.status != http.StatusOK {
				exp = refusedUntil
			}
			c.putLocked(key, f.user, res, exp)
		}
	}
	f.res, f.err = res, err
	c.mu.Unlock()
	close(f.done)
}

// request sends GET /api/users/me?populate=role with the user's token.
func (c *strapiClient) request(ctx context.Context, token string) (lookup, error) {
	status, body, err := c.api.GetAs(ctx, "/api/users/me?populate=role", token)
	if err != nil {
		// The error names the URL (no token in it) and the cause.
		c.log.Warn("auth: strapi lookup failed", "error", err.Error())
		return lookup{}, fmt.Errorf("strapi lookup: %w", err)
	}
	switch status {
	case http.StatusOK:
	case http.StatusUnauthorized:
		return lookup{status: status}, nil
	case http.StatusForbidden:
		c.log.Warn("auth: strapi answered 403 to /api/users/me; if the token is valid, its role lacks plugin::users-permissions.user.me")
		return lookup{status: status}, nil
	default:
		c.log.Warn("auth: strapi lookup got an unexpected status", "status", status)
		return lookup{}, fmt.Errorf("strapi lookup: status %d", status)
	}
	if len(body) > maxUserBody {
		return lookup{}, fmt.Errorf("strapi lookup: answer larger than %d bytes", maxUserBody)
	}
	user, err := decodeUser(body)
	if err != nil {
		c.log.Warn("auth: strapi lookup got an unreadable user", "error", err.Error())
		return lookup{}, fmt.Errorf("strapi lookup: %w", err)
	}
	return lookup{status: http.StatusOK, user: user}, nil
}

// decodeUser parses a user object (numbers as json.Number, like the claims) and
// removes private fields.
func decodeUser(body []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var user map[string]any
	if err := dec.Decode(&user); err != nil {
		return nil, fmt.Errorf("user JSON: %w", err)
	}
	if user == nil {
		return nil, errors.New("user JSON: not an object")
	}
	for _, f := range privateUserFields {
		delete(user, f)
	}
	return user, nil
}

// getLocked returns a live cached answer, dropping an expired one.
func (c *strapiClient) getLocked(key [32]byte) (lookup, bool) {
	el, ok := c.entries[key]
	if !ok {
		return lookup{}, false
	}
	e := el.Value.(*cacheEntry)
	if !c.now().Before(e.expires) {
		c.order.Remove(el)
		delete(c.entries, key)
		return lookup{}, false
	}
	return e.res, true
}

// putLocked caches an answer until expires, keeping at most size entries: when
// full, expired entries go first, then the oldest.
func (c *strapiClient) putLocked(key [32]byte, user string, res lookup, expires time.Time) {
	now := c.now()
	if !now.Before(expires) {
		return
	}
	if el, ok := c.entries[key]; ok {
		c.order.Remove(el)
		delete(c.entries, key)
	}
	if len(c.entries) >= c.size && now.Sub(c.lastSweep) >= sweepEvery {
		c.lastSweep = now
		for el := c.order.Front(); el != nil; {
			next := el.Next()
			if e := el.Value.(*cacheEntry); !now.Before(e.expires) {
				c.order.Remove(el)
				delete(c.entries, e.key)
			}
			el = next
		}
	}
	for len(c.entries) >= c.size {
		oldest := c.order.Front()
		c.order.Remove(oldest)
		delete(c.entries, oldest.Value.(*cacheEntry).key)
	}
	c.entries[key] = c.order.PushBack(&cacheEntry{key: key, user: user, res: res, expires: expires})
}
