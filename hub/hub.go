// Package hub assembles iohub: configuration in, one HTTP listener out, serving
// Socket.IO at IOServerOptions.path and the HTTP API under /hub/.
//
// Data flows one way: sources (HTTP API, Strapi webhooks; later plugins and other
// nodes) go through the permission rules of package access into the emitter of
// package realtime, and out to sockets. Sources never depend on each other.
package hub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/admin"
	"github.com/iohub/iohub/hub/auth"
	"github.com/iohub/iohub/hub/cluster"
	"github.com/iohub/iohub/hub/config"
	"github.com/iohub/iohub/hub/handler"
	"github.com/iohub/iohub/hub/ingress"
	"github.com/iohub/iohub/hub/kv"
	"github.com/iohub/iohub/hub/limit"
	"github.com/iohub/iohub/hub/metrics"
	"github.com/iohub/iohub/hub/plugin"
	"github.com/iohub/iohub/hub/realtime"
	"github.com/iohub/iohub/hub/sanitize"
	"github.com/iohub/iohub/hub/strapi"
	strapiclient "github.com/iohub/iohub/hub/strapi/client"
)

// ShutdownTimeout bounds how long Serve waits for HTTP requests in flight after
// the context ends, before closing what is left.
const ShutdownTimeout = 10 * time.Second

// Server is one hub node. Build it with New, run it with Serve or Run.
type Server struct {
	cfg     *config.Config
	log     *slog.Logger
	rt      *realtime.Server
	api     *ingress.API
	plugins *plugin.Host   // nil without events[]
	cluster *cluster.Node  // nil without [cluster]
	syncer  *strapi.Syncer // nil unless [strapi] url and apiToken: roles from Strapi
	admin   *admin.Admin   // nil unless [admin] enabled
	// watchJWT detects Strapi's jwtManagement when no syncer does; nil when
	// configured or without [strapi] url.
	watchJWT func(context.Context)
	em       Emitter
	mux      *http.ServeMux
	metrics  *metrics.Metrics // GET /hub/metrics; see metrics_wiring.go
}

// Emitter is what the HTTP API and handlers deliver through: the realtime
// server alone, or, with [cluster], a cluster node around it that delivers on
// every node.
type Emitter interface {
	ingress.Emitter
	handler.Target
}

// New builds a hub from a validated configuration. It does not listen yet.
func New(cfg *config.Config, logger *slog.Logger) (*Server, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	rules, err := access.New(rolePermissions(cfg.Roles), access.Mode(cfg.PermissionMode))
	if err != nil {
		return nil, err
	}
	// One Strapi client for user lookups and the syncs: one set of limits.
	var api *strapiclient.Client
	if cfg.Strapi.URL != "" {
		api = strapiclient.New(cfg.Strapi)
	}
	authn, err := auth.New(cfg.Auth, cfg.Strapi, cfg.PublicRoleName, logger.With("component", "auth"), strapiAPI(api))
	if err != nil {
		return nil, err
	}
	limits, err := limit.FromConfig(cfg.Limits)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: logger, mux: http.NewServeMux(), metrics: metrics.New(VersionString())}
	clean := sanitize.New(cfg.PrivateFields)
	s.rt = realtime.New(realtime.Options{
		IO:        cfg.IO,
		Auth:      authn,
		Rules:     rules,
		Sanitizer: clean,
		Logger:    logger.With("component", "realtime"),
		Observer:  s.metrics,
		Limits:    limits,
	})
	var em Emitter = s.rt
	var store kv.Store // nil: the plugin host's in-memory store
	if cfg.Cluster.Enabled() {
		node, err := cluster.New(cluster.Options{
			Config:    cfg.Cluster,
			Local:     s.rt,
			Sanitizer: clean,
			Logger:    logger.With("component", "cluster"),
		})
		if err != nil {
			return nil, err
		}
		s.cluster, em, store = node, node, node.KV()
	}
	s.em = em
	s.api = ingress.New(cfg.API, cfg.ContentTypes, em, logger.With("component", "api"))
	s.wireStrapi(authn, api)
	s.wireMetrics()
	s.api.SetHealth(func() map[string]any {
		h := map[string]any{"sockets": s.rt.Sockets()}
		if s.cluster != nil {
			for k, v := range s.cluster.Health() {
				h[k] = v
			}
		}
		if s.syncer != nil {
			h["strapi"] = s.syncer.Health()
		}
		return h
	})

	s.mux.Handle(cfg.IO.Path+"/", s.rt.Handler())
	s.mux.Handle("/hub/", s.api)
	s.wireAdmin()

	// A .js handler file binds itself by its entries' names, so a plugins
	// directory needs the host without any [[events]]: one may hold a .js
	// file now, or get its first one while the hub runs (the watcher picks
	// it up).
	if len(cfg.Events) > 0 || isDir(cfg.Plugins.Dir) {
		host, err := plugin.New(context.Background(), plugin.Options{
			Dir:         cfg.Plugins.Dir,
			Events:      cfg.Events,
			Timeout:     cfg.Plugins.Timeout.D(),
			MemoryLimit: int64(cfg.Plugins.MemoryLimit),
			JSRuntime:   cfg.Plugins.JSRuntime,
			Target:      em,
			KV:          store,
			Logger:      logger.With("component", "plugins"),
			Observer:    s.metrics,
		})
		if err != nil {
			s.Close()
			return nil, err
		}
		s.plugins = host
		s.rt.SetHandlers(host)
	}
	return s, nil
}

func rolePermissions(roles map[string]config.Role) map[string][]string {
	out := make(map[string][]string, len(roles))
	for name, r := range roles {
		out[name] = r.Permissions
	}
	return out
}

// Handler is everything the hub serves on its listener.
func (s *Server) Handler() http.Handler { return s.mux }

// Realtime exposes the Socket.IO side, for embedding and tests. Its emits
// reach this node's sockets only; use Emitter to reach every node.
func (s *Server) Realtime() *realtime.Server { return s.rt }

// Emitter delivers to the sockets of the whole hub: every node of a cluster,
// or this one alone.
func (s *Server) Emitter() Emitter { return s.em }

// Serve serves on ln until ctx ends, then shuts down gracefully: it stops
// accepting, disconnects every socket, and waits up to ShutdownTimeout for HTTP
// requests in flight. A clean shutdown returns nil.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	warnDevDefaults(s.cfg, s.log)
	srv := newHTTPServer(s.cfg.HTTP, s.mux, s.log)
	ln = logAcceptErrors(ln, s.log)
	if s.syncer != nil {
		s.startStrapiSync(ctx)
	}
	if s.watchJWT != nil {
		go s.watchJWT(ctx)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if s.plugins != nil && s.cfg.Plugins.Watch {
		go func() {
			if err := s.plugins.Watch(ctx); err != nil {
				s.log.Warn("not watching the plugins directory; reload with SIGHUP", "dir", s.cfg.Plugins.Dir, "err", err)
			}
		}()
	}
	defer s.Close()

	select {
	case err := <-errc:
		s.rt.Close()
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "sockets", s.rt.Sockets())
	// Sockets first: long-polling requests and websocket connections would
	// otherwise hold Shutdown until its timeout.
	s.rt.Close()
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = srv.Close()
	}
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		return serr
	}
	return err
}

// Close releases what New acquired (the Wasm runtime, the cluster's Redis
// connections). Serve does it when it returns; call it for a Server that never
// serves.
func (s *Server) Close() {
	if s.admin != nil {
		s.admin.Close()
	}
	if s.plugins != nil {
		_ = s.plugins.Close(context.Background())
	}
	// After the plugins: disconnect handlers that ran during shutdown may still
	// have ops queued for the other nodes.
	if s.cluster != nil {
		s.cluster.Close()
	}
}

// Reload re-reads the handler modules (as SIGHUP does); changed ones are
// swapped in without stopping the calls under way. A hub without handlers
// says so, and where it looked.
func (s *Server) Reload(ctx context.Context) {
	dir := s.cfg.Plugins.Dir
	switch {
	case s.plugins == nil:
		s.log.Info("no handlers to reload: no [[events]] in the config and no plugins directory; a directory created now needs a restart", "dir", dir)
		return
	case s.plugins.Empty():
		s.log.Info("no handlers to reload: no [[events]] in the config and no .js file in the plugins directory", "dir", dir)
		return
	}
	s.log.Info("reloading handler modules", "dir", dir, "events", len(s.cfg.Events))
	s.plugins.Reload(ctx)
}

func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// Problems lists what is wrong beyond the config file itself: events[] handlers
// whose modules are missing or refused. Empty when all is well.
func (s *Server) Problems() []string {
	if s.plugins == nil {
		return nil
	}
	return s.plugins.Problems()
}

// Run listens on cfg.Listen and serves until ctx ends.
func Run(ctx context.Context, cfg *config.Config, logger *slog.Logger) error {
	s, err := New(cfg, logger)
	if err != nil {
		return err
	}
	return s.ListenAndServe(ctx)
}

// ListenAndServe listens on the configured address and serves until ctx ends.
func (s *Server) ListenAndServe(ctx context.Context) error {
	cfg, logger := s.cfg, s.log
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	logger.Info("iohub listening",
		"addr", "http://"+ln.Addr().String(),
		"socketio", cfg.IO.Path,
		"api", "/hub/",
		"roles", len(cfg.Roles),
		"permissionMode", cfg.PermissionMode,
		"handlers", len(cfg.Events))
	return s.Serve(ctx, ln)
}
