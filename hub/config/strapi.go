package config

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Strapi is `[strapi]`: the Strapi instance the hub serves. With url alone, the
// hub asks Strapi who each token belongs to (GET /api/users/me with the
// client's own token). With url and apiToken, roles and permissions come from
// Strapi too, and users are read with the hub's token.
type Strapi struct {
	// URL is `url`, Strapi's base URL (http or https), without a trailing slash
	// (Parse trims it). Empty (default): no Strapi requests.
	URL string `toml:"url"`

	// APIToken is `apiToken`, a Strapi API token of type "full access"
	// (Settings → API Tokens), usually "${STRAPI_API_TOKEN}". Empty (default):
	// roles come from [roles.<Name>] and users from /api/users/me. Set, the hub
	// reads roles and permissions from /api/users-permissions/roles (replacing
	// [roles], which then only serves until the first sync succeeds) and each
	// socket's user from /api/users/:id?populate=role, which works whatever the
	// user's own role may read. Needs url. An unset ${VAR} without default is a
	// problem, as for auth.jwtSecret.
	APIToken string `toml:"apiToken"`

	// Version is `version`, Strapi's major version: 4 or 5. 0 (default): detected,
	// from the roles Strapi answers (v5 objects carry a documentId) or, before
	// that, from each webhook's entry. It picks the default payload shape.
	Version int `toml:"version"`

	// SyncInterval is `syncInterval`, how often roles and permissions are read
	// again from Strapi (apiToken only; POST /hub/strapi/sync reads them at once).
	// Default 30s; must be > 0. Strapi sends no webhook when a role changes.
	SyncInterval Duration `toml:"syncInterval"`

	// Payload is `payload`, the shape of content events made from webhooks:
	// "rest" (Strapi v4's REST answer, {"data": {"id", "attributes": {..}},
	// "meta": {}}), "flat" (Strapi v5's, {"data": {"id", "documentId", ..},
	// "meta": {}}) or "entry" (the webhook's entry as received). Empty (default):
	// "rest" for v4 and "flat" for v5.
	Payload string `toml:"payload"`

	// UserCacheTTL is `userCacheTTL`, how long Strapi's answer about a user
	// (role, blocked, confirmed) is reused before it is asked again. A
	// users-permissions user webhook (entry.update/entry.delete) drops it at once.
	// Default 1m; must be > 0.
	UserCacheTTL Duration `toml:"userCacheTTL"`

	// CacheSize is `cacheSize`, how many user lookups are cached. Default 10000;
	// must be >= 1.
	CacheSize int `toml:"cacheSize"`

	// Timeout is `timeout`, the limit on one Strapi request. Default 5s; must be
	// > 0.
	Timeout Duration `toml:"timeout"`

	// JWTManagement is `jwtManagement`, Strapi v5's users-permissions token
	// regime: "legacy" (jwtManagement "legacy-support", Strapi's default, and
	// every v4) or "refresh" (access tokens {userId, sessionId, type:
	// "access"}; Strapi then refuses any other token, and so does the hub for
	// tokens signed with auth.jwtSecret). Empty (default): detected with url,
	// on every sync interval: POST /api/auth/refresh answers 400 in refresh
	// mode and 404 (v5) or 405 (v4) otherwise; until known, both are accepted.
	JWTManagement string `toml:"jwtManagement"`
}

// Defaults of [strapi].
const (
	DefaultSyncInterval = 30 * time.Second
	DefaultUserCacheTTL = time.Minute
)

// Payload shapes (strapi.payload).
const (
	PayloadREST  = "rest"
	PayloadFlat  = "flat"
	PayloadEntry = "entry"
)

var payloadShapes = []string{PayloadREST, PayloadFlat, PayloadEntry}

// JWT management modes (strapi.jwtManagement).
const (
	JWTLegacy  = "legacy"
	JWTRefresh = "refresh"
)

// Sync reports whether roles and permissions come from Strapi.
func (s Strapi) Sync() bool { return s.URL != "" && s.APIToken != "" }

func (d *decoder) validateStrapi(p keyPath, s *Strapi) {
	if s.URL != "" {
		u, err := url.Parse(s.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(s.URL, "?") {
			d.add(p.key("url"), `expected an http or https URL like "http://localhost:1337", got `+quote(s.URL))
		}
	}
	tp := p.key("apiToken")
	switch vars := d.unset[tp.String()]; {
	case s.APIToken == "" && len(vars) > 0:
		// A forgotten token must not silently fall back to hub.toml's roles.
		d.addRaw(tp, fmt.Sprintf("is empty because environment variable %s is not set (write ${%s:-} if it is optional)", vars[0], vars[0]))
	case s.APIToken == "":
	case strings.TrimSpace(s.APIToken) != s.APIToken:
		d.add(tp, "must not start or end with whitespace (a bearer token never does)")
	case s.URL == "" && d.ok(p.key("url")):
		d.add(tp, "needs strapi.url: the token is for reading roles and users from Strapi")
	}
	if vp := p.key("version"); d.ok(vp) && s.Version != 0 && s.Version != 4 && s.Version != 5 {
		d.add(vp, "expected 4 or 5 (or 0 to detect it), got "+strconv.Itoa(s.Version))
	}
	if s.Payload != "" {
		d.oneOf(p.key("payload"), s.Payload, payloadShapes)
	}
	if s.JWTManagement != "" {
		d.oneOf(p.key("jwtManagement"), s.JWTManagement, []string{JWTLegacy, JWTRefresh})
	}
	d.positive(p.key("syncInterval"), s.SyncInterval)
	d.positive(p.key("userCacheTTL"), s.UserCacheTTL)
	if s.CacheSize < 1 {
		d.add(p.key("cacheSize"), "must be at least 1, got "+strconv.Itoa(s.CacheSize))
	}
	d.positive(p.key("timeout"), s.Timeout)
}
