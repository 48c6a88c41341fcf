// Package strapi keeps the hub's roles and permissions in step with a Strapi
// instance (v4 or v5): it reads Strapi's users-permissions roles with the hub's
// API token, turns them into an access.Rules table and hands it to the hub,
// on an interval and on demand.
//
// Strapi sends no webhook when a role or a permission changes, so polling is the
// only way to follow it; a role list plus one request per role every 30 s is
// cheap for Strapi. A failed sync keeps the last good table: a Strapi restart
// must not silence every socket.
package strapi

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/sanitize"
)

// API is the hub's Strapi client (*client.Client): GET with the hub's API
// token, and POST without a token.
type API interface {
	Get(ctx context.Context, path string) (int, []byte, error)
	Post(ctx context.Context, path string, body []byte) (int, []byte, error)
}

// defaultSyncInterval is Options.SyncInterval's default, as strapi.syncInterval's.
const defaultSyncInterval = 30 * time.Second

// Options configure a Syncer.
type Options struct {
	// Client is the Strapi to read: the hub's *client.Client, which holds a
	// full-access API token. Required.
	Client API
	// Version is Strapi's major version, 4 or 5. 0: detected from the roles
	// Strapi answers (v5 roles carry a documentId).
	Version int
	// SyncInterval is how often Run syncs. 0: 30s.
	SyncInterval time.Duration
	// PublicRole is the role (and room) of anonymous sockets: Strapi's role
	// of type "public" is stored under this name, whatever it is called in
	// Strapi. "": "Public".
	PublicRole string
	// Mode is the permission mode the tables are built with. "":
	// access.ModeAction.
	Mode access.Mode
	// Apply installs a new table (realtime.Server.SetRules). It is called only
	// with complete tables, and only when the table changed.
	Apply func(*access.Rules)
	// ApplySchemas installs a new content-type schema table
	// (realtime.Server.SetSchemas). Like Apply, only complete tables, only
	// when they changed. Nil: schemas are not read.
	ApplySchemas func(*sanitize.Schemas)
	// Users lists the ids of the users with sockets on this node
	// (realtime.Server.UserIDs); UserGone is called for each one Strapi no
	// longer has, or has blocked (or unconfirmed, with RequireConfirmed). Both
	// nil: users are not re-checked.
	Users    func() []string
	UserGone func(id string)
	// RequireConfirmed also counts users whose email is not confirmed as
	// gone. false: only deleted and blocked ones.
	RequireConfirmed bool
	// JWTManagement receives Strapi's token regime, detected on every sync
	// (DetectJWTManagement) when it changes. Nil: not detected.
	JWTManagement func(mode string)
	// Logger; nil discards.
	Logger *slog.Logger
}

// Result describes the table one sync produced.
type Result struct {
	// Version is Strapi's major version, configured or detected.
	Version int `json:"version"`
	// Roles maps each role (room) name to its number of enabled permissions.
	Roles map[string]int `json:"roles"`
	// Changed is true when the table differs from the one before.
	Changed bool `json:"changed"`
	// Types is the number of content types and components in the schema
	// table in force (0 while none was read: the conservative rule applies).
	Types int `json:"types"`
}

// Syncer reads roles from Strapi. Build it with New; it is safe for concurrent
// use.
type Syncer struct {
	opts Options
	api  API
	log  *slog.Logger

	version atomic.Int32 // configured, else detected; 0 = not known yet
	state   atomic.Value // "pending", "ok" or "failing", for Health (never waits for a sync)
	synced  atomic.Int64 // syncs that succeeded, for metrics
	failed  atomic.Int64 // and that failed

	mu       sync.Mutex          // one sync at a time
	last     map[string][]string // the table last applied; nil before the first
	schemas  *sanitize.Schemas   // the schema table last applied; nil before the first
	noCTB    bool                // the content-type builder API answered 404 (logged once)
	jwt      *jwtWatch           // nil: jwtManagement not detected
	failing  bool                // the last sync failed (logged once until it recovers)
	badNames map[string]bool     // role names refused by access.CheckRoleName, already logged
}

// New builds a Syncer. It does not contact Strapi.
func New(opts Options) *Syncer {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.PublicRole == "" {
		opts.PublicRole = "Public"
	}
	if opts.Mode == "" {
		opts.Mode = access.ModeAction
	}
	if opts.Apply == nil {
		opts.Apply = func(*access.Rules) {}
	}
	s := &Syncer{opts: opts, log: opts.Logger, api: opts.Client}
	if opts.JWTManagement != nil {
		s.jwt = &jwtWatch{api: opts.Client, set: opts.JWTManagement, log: opts.Logger}
	}
	s.badNames = map[string]bool{}
	s.version.Store(int32(opts.Version))
	s.state.Store("pending")
	return s
}

// Version is Strapi's major version: strapi.version when configured, else what
// the first successful sync detected (v5 roles carry a documentId), else 0.
func (s *Syncer) Version() int { return int(s.version.Load()) }

// Run syncs every syncInterval until ctx ends. The hub syncs once itself before
// it starts serving, then runs this.
func (s *Syncer) Run(ctx context.Context) {
	interval := s.opts.SyncInterval
	if interval <= 0 {
		interval = defaultSyncInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_, _ = s.Sync(ctx)
		}
	}
}

// Health describes the sync for /hub/health: roles "ok", "failing" (the last
// sync failed; the table in force is older) or "pending" (no sync finished yet),
// and the version (0 while unknown).
func (s *Syncer) Health() map[string]any {
	return map[string]any{"roles": s.state.Load(), "version": s.Version()}
}

// State is the sync's state as Health reports it: "pending", "ok" or
// "failing".
func (s *Syncer) State() string { return s.state.Load().(string) }

// Attempts counts the syncs that succeeded and failed since New.
func (s *Syncer) Attempts() (ok, failed int64) { return s.synced.Load(), s.failed.Load() }

// Sync reads every role from Strapi and, when the table changed, applies it.
// Concurrent calls run one after the other, so a sync asked for after a change
// in Strapi always reads after that change. On failure the last table stays in
// force; the first failure is logged at warn, repeats at debug, and recovery at
// info.
func (s *Syncer) Sync(ctx context.Context) (Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	res, err := s.sync(ctx)
	if err != nil {
		s.state.Store("failing")
		s.failed.Add(1)
	} else {
		s.state.Store("ok")
		s.synced.Add(1)
	}
	switch {
	case err != nil && !s.failing:
		s.failing = true
		s.log.Warn("strapi: roles sync failed; keeping the last roles table until it succeeds", "error", err.Error())
	case err != nil:
		s.log.Debug("strapi: roles sync still failing", "error", err.Error())
	case s.failing:
		s.failing = false
		s.log.Info("strapi: roles sync recovered", "roles", res.Roles, "version", res.Version)
	}
	return res, err
}

// sync reads the roles, then the schemas. A failure of either keeps its last
// table; the roles applied before a schema failure stay applied.
func (s *Syncer) sync(ctx context.Context) (Result, error) {
	if s.jwt != nil {
		s.jwt.check(ctx)
	}
	res, err := s.syncRoles(ctx)
	if err != nil {
		return res, err
	}
	if err := s.syncSchemas(ctx); err != nil {
		return res, err
	}
	res.Types = s.schemas.Len()
	return res, s.recheckUsers(ctx)
}

func (s *Syncer) syncRoles(ctx context.Context) (Result, error) {
	body, err := s.get(ctx, "/api/users-permissions/roles")
	if err != nil {
		return Result{}, err
	}
	refs, err := decodeRoleList(body)
	if err != nil {
		return Result{}, fmt.Errorf("GET /api/users-permissions/roles: %w", err)
	}
	table := make(map[string][]string, len(refs))
	v5 := false
	for _, ref := range refs {
		path := "/api/users-permissions/roles/" + url.PathEscape(ref.ID)
		body, err := s.get(ctx, path)
		if err != nil {
			return Result{}, err
		}
		r, err := decodeRole(body)
		if err != nil {
			return Result{}, fmt.Errorf("GET %s: %w", path, err)
		}
		if r.skipped > 0 {
			s.log.Debug("strapi: permissions with names the hub cannot use were left out", "role", r.ref.Name, "count", r.skipped)
		}
		name := r.ref.Name
		if r.ref.Type == "public" {
			name = s.opts.PublicRole
		}
		if err := access.CheckRoleName(name); err != nil {
			// Its room would be a user's or a socket's; its users are
			// refused at the handshake too (auth). Said once per name.
			if !s.badNames[name] {
				s.badNames[name] = true
				s.log.Warn("strapi: role left out: its name cannot be a room; rename it in Strapi", "role", name, "reason", err.Error())
			}
			continue
		}
		// Strapi does not insist on unique role names; two roles of one name
		// share a room, so they share its permissions.
		table[name] = mergeSorted(table[name], r.permissions)
		v5 = v5 || ref.V5
	}
	if s.opts.Version == 0 && len(refs) > 0 {
		detected := int32(4)
		if v5 {
			detected = 5
		}
		if old := s.version.Swap(detected); old != detected {
			s.log.Info("strapi: version detected", "version", detected)
		}
	}
	res := Result{Version: s.Version(), Roles: make(map[string]int, len(table))}
	for name, perms := range table {
		res.Roles[name] = len(perms)
	}
	if s.last != nil && maps.EqualFunc(s.last, table, slices.Equal) {
		s.log.Debug("strapi: roles synced, unchanged", "roles", res.Roles)
		return res, nil
	}
	rules, err := access.New(table, s.opts.Mode)
	if err != nil {
		// Unreachable: decodeRole keeps only plain names, which access accepts.
		return Result{}, fmt.Errorf("building the roles table: %w", err)
	}
	s.opts.Apply(rules)
	s.last, res.Changed = table, true
	s.log.Info("strapi: roles synced", "roles", res.Roles, "version", res.Version)
	return res, nil
}

// get sends an authenticated GET and returns the body of a 200 answer.
func (s *Syncer) get(ctx context.Context, path string) ([]byte, error) {
	status, body, err := s.api.Get(ctx, path)
	return s.check(path, status, body, err)
}

// check turns an answer other than 200 into an error.
func (s *Syncer) check(path string, status int, body []byte, err error) ([]byte, error) {
	switch {
	case err != nil:
		return nil, err
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return nil, fmt.Errorf("GET %s: status %d: Strapi refused strapi.apiToken; it must be a full-access API token", path, status)
	case status != http.StatusOK:
		return nil, fmt.Errorf("GET %s: status %d", path, status)
	}
	return body, nil
}

// mergeSorted returns the sorted union of two sorted lists.
func mergeSorted(a, b []string) []string {
	if a == nil {
		return b
	}
	return slices.Compact(slices.Sorted(slices.Values(slices.Concat(a, b))))
}
