package hub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"

	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/auth"
	"github.com/iohub/iohub/hub/config"
	"github.com/iohub/iohub/hub/limit"
	"github.com/iohub/iohub/hub/metrics"
	"github.com/iohub/iohub/hub/sanitize"
)

// ReloadResult is what a reload did, by hub.toml key: the settings now in
// force, and those that changed in the file but keep their old value until
// a restart. Both are sorted and never nil.
type ReloadResult struct {
	Changed         []string `json:"changed"`
	RestartRequired []string `json:"restartRequired"`
}

// ReloadError is a reload refused: the config is invalid, or a piece could not
// be built from it. Nothing changed.
type ReloadError struct {
	// Problems are the lines `hub check` prints, "file: key: message".
	Problems []string
}

func (e *ReloadError) Error() string { return strings.Join(e.Problems, "\n") }

// ProblemLines turns the error of loading or building the config at path
// into the lines `hub check` prints: one "path: key: message" per problem.
func ProblemLines(path string, err error) []string {
	var ps *config.Problems
	if errors.As(err, &ps) {
		out := make([]string, len(ps.List))
		for i, p := range ps.List {
			out[i] = path + ": " + p.String()
		}
		return out
	}
	return []string{path + ": " + err.Error()}
}

// restartOnly are the top-level keys whose change needs a restart: the
// listener and its HTTP server, the Socket.IO engine, the cluster's Redis
// connections, the log's format and the Admin UI's namespace are made once.
var restartOnly = []string{"listen", "logFormat", "IOServerOptions", "cluster", "http", "admin"}

// SetConfigFile names the file ReloadConfig (SIGHUP, POST /hub/reload)
// re-reads. Call it before serving; without it, POST /hub/reload answers 409.
func (s *Server) SetConfigFile(path string) {
	s.reloadMu.Lock()
	s.path = path
	s.reloadMu.Unlock()
	s.api.SetReload(func(ctx context.Context) (any, []string) {
		res, err := s.ReloadConfig(ctx)
		if re := (*ReloadError)(nil); errors.As(err, &re) {
			return nil, re.Problems
		} else if err != nil {
			return nil, []string{err.Error()}
		}
		return res, nil
	})
}

// SetLogLevel hands the hub the level of its logger (see NewLevelLogger), for
// a reload to set from logLevel. Without it, logLevel needs a restart.
func (s *Server) SetLogLevel(lv *slog.LevelVar) {
	s.reloadMu.Lock()
	s.level = lv
	s.reloadMu.Unlock()
}

// ReloadConfig re-reads the config file (SetConfigFile) and applies it like
// Apply. An invalid file changes nothing: the error is a *ReloadError listing
// every problem. The handler modules are re-read either way.
func (s *Server) ReloadConfig(ctx context.Context) (ReloadResult, error) {
	s.reloadMu.Lock()
	path := s.path
	s.reloadMu.Unlock()
	if path == "" {
		return ReloadResult{}, errors.New("hub: no config file to reload (SetConfigFile)")
	}
	cfg, err := config.Load(path)
	if err != nil {
		return ReloadResult{}, s.refused(ProblemLines(path, err))
	}
	return s.apply(ctx, cfg, path)
}

// Apply makes cfg the hub's config, atomically and without dropping a socket:
// it builds every piece that changed (authenticator, permission table,
// sanitiser, limits, plugin host, Strapi sync), then swaps them all in, then
// retires the old ones. Settings that need a restart keep their old value and
// are listed in RestartRequired. If a piece cannot be built, nothing changes
// and the error is a *ReloadError. Only a hub built by NewFromConfig has a
// config to change.
func (s *Server) Apply(ctx context.Context, cfg *config.Config) (ReloadResult, error) {
	return s.apply(ctx, cfg, "config")
}

func (s *Server) apply(ctx context.Context, next *config.Config, name string) (ReloadResult, error) {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	if s.closed {
		return ReloadResult{}, errors.New("hub: reload after Close")
	}
	if s.cfg == nil {
		return ReloadResult{}, errors.New("hub: built by New from Options: only a hub built by NewFromConfig applies a config")
	}
	old := s.cfg
	res := ReloadResult{Changed: []string{}, RestartRequired: []string{}}
	applied := *next
	for _, key := range changedKeys(old, next) {
		top, _, _ := strings.Cut(key, ".")
		if slices.Contains(restartOnly, top) || (key == "logLevel" && s.level == nil) {
			res.RestartRequired = append(res.RestartRequired, key)
			continue
		}
		res.Changed = append(res.Changed, key)
	}
	// The settings made once keep their value, so the config in force says
	// what the hub does.
	applied.Listen, applied.LogFormat, applied.IO = old.Listen, old.LogFormat, old.IO
	applied.Cluster, applied.HTTP, applied.Admin = old.Cluster, old.HTTP, old.Admin
	if s.level == nil {
		applied.LogLevel = old.LogLevel
	}

	opts, err := OptionsFromConfig(&applied)
	if err != nil {
		return ReloadResult{}, s.refused(ProblemLines(name, err))
	}
	opts.Logger = s.log
	opts = opts.withDefaults()
	n, problems := s.build(ctx, old, &applied, opts, name)
	if len(problems) > 0 {
		return ReloadResult{}, s.refused(problems)
	}
	s.swap(n, opts)
	s.retire(n)
	s.cfg, s.opts = &applied, opts
	// Handler modules re-read even when the host stays: SIGHUP always did.
	if !n.newHost {
		s.reloadModules(ctx)
		if s.running {
			s.watch(s.handlers.cur.Load(), s.opts)
		}
	}
	s.metrics.ConfigReloaded(metrics.ConfigReloadOK)
	s.log.Info("config reloaded", "changed", res.Changed, "restartRequired", res.RestartRequired)
	if len(res.RestartRequired) > 0 {
		s.log.Warn("config reload: these settings keep their old value until a restart", "keys", res.RestartRequired)
	}
	return res, nil
}

// refused logs every problem, as `hub check` prints them, and returns them.
func (s *Server) refused(problems []string) error {
	for _, p := range problems {
		s.log.Error("config reload refused: " + p)
	}
	s.log.Error("config reload refused; nothing changed", "problems", len(problems))
	s.metrics.ConfigReloaded(metrics.ConfigReloadRefused)
	return &ReloadError{Problems: problems}
}

// pieces are what a reload built; nil fields are unchanged.
type pieces struct {
	rules     *access.Rules
	authn     *auth.Authenticator
	clean     *sanitize.Sanitizer
	limits    *limit.Settings
	level     *slog.Level
	host      *hostRun // set with newHost: the plugin host is replaced (maybe by none)
	newHost   bool
	strapi    *strapiSync
	newStrapi bool

	oldHost   *hostRun
	oldStrapi *strapiSync
}

// build makes the pieces the change from old to cfg calls for, from opts
// (cfg's), or returns the problems that keep it from doing so (having closed
// what it built).
func (s *Server) build(ctx context.Context, old, cfg *config.Config, opts Options, name string) (*pieces, []string) {
	n := &pieces{}
	var problems []string
	fail := func(err error) { problems = append(problems, ProblemLines(name, err)...) }
	same := func(f func(*config.Config) any) bool { return reflect.DeepEqual(f(old), f(cfg)) }

	sync := cfg.Strapi.Sync()
	rolesChanged := !same(func(c *config.Config) any { return c.Roles }) || old.PermissionMode != cfg.PermissionMode
	// With the Strapi sync on, roles come from Strapi: the new sync applies
	// its first table. Turned off, hub.toml's roles apply again.
	if !sync && (rolesChanged || old.Strapi.Sync()) {
		r, err := access.New(opts.Roles, opts.PermissionMode)
		if err != nil {
			fail(err)
		}
		n.rules = r
	}
	if !same(func(c *config.Config) any { return []any{c.Auth, c.Strapi, c.PublicRoleName} }) {
		a, err := newAuthenticator(opts, nil, s.log.With("component", "auth"))
		if err != nil {
			fail(err)
		}
		n.authn = a
	}
	if !slices.Equal(old.PrivateFields, cfg.PrivateFields) {
		n.clean = sanitize.New(opts.PrivateFields)
	}
	if !same(func(c *config.Config) any { return c.Limits }) {
		n.limits = &opts.Limits
	}
	if lv, err := parseLevel(cfg.LogLevel); err != nil {
		fail(err)
	} else if s.level != nil && s.level.Level() != lv {
		n.level = &lv
	}
	if !same(func(c *config.Config) any { return []any{c.Strapi, c.PublicRoleName, c.PermissionMode} }) {
		n.newStrapi, n.strapi = true, s.newStrapiSync(opts, nil)
	}
	// Last: the costliest, and pointless when something above failed.
	hostChanged := !same(func(c *config.Config) any { return []any{c.Events, c.Plugins} }) ||
		needsHost(opts) != (s.handlers.host() != nil)
	if len(problems) == 0 && hostChanged {
		h, err := s.newHost(s.ctx, opts)
		switch {
		case err != nil:
			fail(err)
		case h != nil:
			// `hub check` fails for modules that do not load; so does a
			// reload, rather than swap working handlers for broken ones.
			for _, p := range h.host.Problems() {
				problems = append(problems, name+": "+p)
			}
			if len(problems) > 0 {
				_ = h.host.Close(context.Background())
				h = nil
			}
		}
		n.newHost, n.host = true, h
	}
	if err := ctx.Err(); err != nil && len(problems) == 0 {
		n.host.retire()
		fail(fmt.Errorf("reload cancelled: %w", err))
	}
	return n, problems
}

// swap installs the pieces and opts' plain settings. Every store is atomic;
// a handshake or an emit under way finishes with what it started with.
func (s *Server) swap(n *pieces, opts Options) {
	if n.rules != nil {
		s.rt.SetRules(n.rules)
	}
	if n.authn != nil {
		s.authn.Store(n.authn)
		s.rt.SetAuth(n.authn)
	}
	if n.clean != nil {
		s.rt.SetSanitizer(n.clean)
	}
	if n.limits != nil {
		s.rt.SetLimits(*n.limits)
	}
	if n.level != nil {
		s.level.Set(*n.level)
	}
	s.api.SetOptions(opts.API)
	if n.newHost {
		n.oldHost = s.handlers.cur.Swap(n.host)
		if s.running {
			s.watch(n.host, opts)
		}
	}
	ss := s.syncer.Load()
	if n.newStrapi {
		n.oldStrapi = s.syncer.Swap(n.strapi)
		ss = n.strapi
		if s.running {
			s.startStrapiSync(s.ctx, ss, false)
		}
	}
	s.wireStrapi(opts, ss)
}

// retire stops what the swap replaced: the old Strapi sync (its late table
// is ignored already) and the old plugin host, once its calls are done.
func (s *Server) retire(n *pieces) {
	s.stopStrapiSync(n.oldStrapi)
	n.oldHost.retire()
}

// changedKeys lists the keys whose values differ between a and b: for a
// table, each of its keys (auth.jwtSecret, limits.maxConnections), else the
// top-level key (roles, events).
func changedKeys(a, b *config.Config) []string {
	var out []string
	va, vb := reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem()
	t := va.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name := tomlName(f)
		fa, fb := va.Field(i), vb.Field(i)
		if reflect.DeepEqual(fa.Interface(), fb.Interface()) {
			continue
		}
		if f.Type.Kind() != reflect.Struct || f.Type == reflect.TypeFor[config.ContentTypes]() {
			out = append(out, name)
			continue
		}
		for j := range f.Type.NumField() {
			if !reflect.DeepEqual(fa.Field(j).Interface(), fb.Field(j).Interface()) {
				out = append(out, name+"."+tomlName(f.Type.Field(j)))
			}
		}
	}
	slices.Sort(out)
	return out
}

func tomlName(f reflect.StructField) string {
	if n, _, _ := strings.Cut(f.Tag.Get("toml"), ","); n != "" {
		return n
	}
	return f.Name
}

// options are the options in force.
func (s *Server) options() Options {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	return s.opts
}
