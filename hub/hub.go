// Package hub assembles iohub: Options in (plain Go values, New; or a
// hub.toml, NewFromConfig), one HTTP handler out, serving Socket.IO at
// Options.IO.Path and the HTTP API under /hub/. Only this package reads
// package config: the others take options of their own.
//
// Data flows one way: sources (HTTP API, Strapi webhooks, event handlers, other
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
	"sync"
	"sync/atomic"
	"time"

	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/admin"
	"github.com/iohub/iohub/hub/auth"
	"github.com/iohub/iohub/hub/cluster"
	"github.com/iohub/iohub/hub/config"
	"github.com/iohub/iohub/hub/httpapi"
	"github.com/iohub/iohub/hub/kv"
	"github.com/iohub/iohub/hub/metrics"
	"github.com/iohub/iohub/hub/realtime"
	"github.com/iohub/iohub/hub/sanitize"
	"github.com/iohub/iohub/hub/strapi"
	strapiclient "github.com/iohub/iohub/hub/strapi/client"
)

// ShutdownTimeout bounds how long Serve waits for HTTP requests in flight after
// the context ends, before closing what is left.
const ShutdownTimeout = 10 * time.Second

// Server is one hub node. Build it with New (or NewFromConfig), run it with
// Serve or ListenAndServe.
//
// Its life: New builds every piece under one root context, which reaches
// every handshake and handler call, and touches no other server; Start (which
// Serve calls) joins the cluster and starts the goroutines (Strapi sync,
// plugins watcher); Apply and ReloadConfig build new pieces from a new config,
// swap them in and retire the old ones (reload.go); Close ends the root
// context and waits for every goroutine the hub started.
type Server struct {
	log *slog.Logger
	rt  *realtime.Server
	api *httpapi.API
	// watchJWT detects Strapi's jwtManagement when no syncer does; nil when
	// configured or without [strapi] url.
	watchJWT func(context.Context)
	cluster  *cluster.Node // nil without [cluster]
	admin    *admin.Admin  // nil unless [admin] enabled
	store    kv.Store      // the handlers' state, outliving a plugin host a reload replaces
	mux      *http.ServeMux
	metrics  *metrics.Metrics // GET /hub/metrics; see metrics_wiring.go

	ctx    context.Context // the root: cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // every goroutine the hub started

	// What a reload swaps; see reload.go.
	handlers      handlerSwap                        // the plugin host in force
	authn         atomic.Pointer[auth.Authenticator] // the handshake's (also realtime's)
	syncer        atomic.Pointer[strapiSync]         // nil unless [strapi] url and apiToken: roles from Strapi
	strapiRetired struct{ ok, failed atomic.Int64 }  // counts of the syncs a reload stopped

	reloadMu sync.Mutex     // one reload (or Start, or Close) at a time; guards what follows
	opts     Options        // the options in force, defaults filled in
	cfg      *config.Config // the config opts came from (restart-only settings as started); nil: New
	path     string         // the config file ReloadConfig reads; "" for none
	level    *slog.LevelVar // set from logLevel by a reload; nil: the level is fixed
	running  bool           // Start started the goroutines
	closed   bool
}

// New builds a hub from opts. It does not listen yet. The hub's root context,
// which every handshake and handler call runs under, carries ctx's values but
// not its end: Close ends the hub. New fails with ctx's error if ctx ended.
//
// A hub built by New reloads its handler modules (Reload) but not a config:
// Apply and ReloadConfig need one built by NewFromConfig.
func New(ctx context.Context, opts Options) (*Server, error) {
	return newServer(ctx, opts, nil)
}

// NewFromConfig builds a hub from a validated configuration (see
// OptionsFromConfig), which Apply and ReloadConfig can then change. A nil
// logger discards.
func NewFromConfig(cfg *config.Config, logger *slog.Logger) (*Server, error) {
	opts, err := OptionsFromConfig(cfg)
	if err != nil {
		return nil, err
	}
	opts.Logger = logger
	return newServer(context.Background(), opts, cfg)
}

// newServer builds the hub; cfg is the config opts came from, nil for none.
func newServer(ctx context.Context, opts Options, cfg *config.Config) (*Server, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	logger := opts.Logger
	rules, err := access.New(opts.Roles, opts.PermissionMode)
	if err != nil {
		return nil, err
	}
	// One Strapi client for user lookups and the syncs: one set of limits.
	var api *strapiclient.Client
	if opts.Strapi.URL != "" {
		api = strapiclient.New(opts.Strapi.clientOptions())
	}
	authn, err := newAuthenticator(opts, api, logger.With("component", "auth"))
	if err != nil {
		return nil, err
	}
	if opts.Strapi.JWTManagement != "" {
		authn.SetJWTManagement(opts.Strapi.JWTManagement)
	}
	s := &Server{opts: opts, cfg: cfg, log: logger, mux: http.NewServeMux(), metrics: metrics.New(VersionString())}
	s.ctx, s.cancel = context.WithCancel(context.WithoutCancel(ctx))
	s.authn.Store(authn)
	s.store = memoryStore()
	var broker realtime.Broker // nil: this node is the whole hub
	if opts.Cluster.Redis != "" {
		co := opts.Cluster.options()
		co.Logger = logger.With("component", "cluster")
		node, err := cluster.New(co)
		if err != nil {
			s.cancel()
			return nil, err
		}
		s.cluster, broker, s.store = node, node, node.KV()
	}
	s.rt = realtime.New(realtime.Options{
		IO:        opts.IO,
		Auth:      authn,
		Rules:     rules,
		Sanitizer: sanitize.New(opts.PrivateFields),
		Logger:    logger.With("component", "realtime"),
		Observer:  s.metrics,
		Limits:    opts.Limits,
		Context:   s.ctx,
		Broker:    broker,
	})
	s.api = httpapi.New(opts.API, s.rt, logger.With("component", "api"))
	ss := s.newStrapiSync(opts, api)
	s.syncer.Store(ss)
	if opts.Strapi.JWTManagement == "" && api != nil && ss == nil {
		// Without a sync to detect it, a watcher of its own does.
		s.watchJWT = func(ctx context.Context) {
			strapi.WatchJWTManagement(ctx, api, opts.Strapi.SyncInterval,
				func(mode string) { s.authn.Load().SetJWTManagement(mode) }, s.log.With("component", "strapi"))
		}
	}
	s.wireStrapi(opts, ss)
	s.wireMetrics()
	s.api.SetHealth(func() map[string]any {
		h := map[string]any{"sockets": s.rt.Sockets()}
		if s.cluster != nil {
			for k, v := range s.cluster.Health() {
				h[k] = v
			}
		}
		if ss := s.syncer.Load(); ss != nil {
			h["strapi"] = ss.Health()
		}
		return h
	})

	s.mux.Handle(opts.IO.Path+"/", s.rt.Handler())
	s.mux.Handle("/hub/", s.api)
	s.wireAdmin()

	host, err := s.newHost(s.ctx, opts)
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		host.retire()
		s.Close()
		return nil, err
	}
	s.handlers.cur.Store(host)
	s.rt.SetHandlers(&s.handlers)
	return s, nil
}

// Handler is everything the hub serves on its listener.
func (s *Server) Handler() http.Handler { return s.mux }

// Realtime is the Socket.IO side: what the HTTP API, handlers and Strapi
// deliver through. Its emits reach the sockets of the whole hub: every node of
// a cluster, or this one alone.
func (s *Server) Realtime() *realtime.Server { return s.rt }

// Start starts what the hub does in the background: it joins the cluster
// (connecting to Redis, waiting up to its start timeout), starts the Strapi
// sync (waiting for its first answer) and the plugins watcher. Serve calls it;
// a program that serves Handler() on an HTTP server of its own calls it
// itself. New does neither, so building a hub (as `hub check` does) touches no
// other server. Calling it again does nothing. It fails when Redis refuses
// the connection (a wrong password, a missing database) or after Close.
func (s *Server) Start(ctx context.Context) error {
	// Under the lock: a reload waits for the first sync, then finds the
	// goroutines running and replaces them.
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	if s.closed {
		return errors.New("hub: Start or Serve after Close")
	}
	if s.running {
		return nil
	}
	if s.cluster != nil {
		if err := s.cluster.Connect(); err != nil {
			return err
		}
	}
	if s.cfg != nil {
		warnDevDefaults(s.cfg, s.log)
	}
	s.startStrapiSync(ctx, s.syncer.Load(), true)
	if s.watchJWT != nil {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.watchJWT(s.ctx)
		}()
	}
	s.watch(s.handlers.cur.Load(), s.opts)
	s.running = true
	return nil
}

// Serve serves on ln until ctx ends, then shuts down gracefully: it stops
// accepting, disconnects every socket, and waits up to ShutdownTimeout for HTTP
// requests in flight. A clean shutdown returns nil.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if err := s.Start(ctx); err != nil {
		return err
	}
	opts := s.options()
	srv := newHTTPServer(opts.HTTP, s.mux, s.log)
	ln = logAcceptErrors(ln, s.log)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
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

// Close ends the root context and releases what the hub holds (the plugin
// runtime, the cluster's Redis connections), then waits for every goroutine
// it started. Serve does it when it returns; call it for a Server that never
// serves. Calling it again does nothing.
func (s *Server) Close() {
	s.cancel() // first: a reload under way stops building
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	if s.admin != nil {
		s.admin.Close()
	}
	s.stopStrapiSync(s.syncer.Load())
	s.handlers.cur.Swap(nil).retire()
	// After the plugins: disconnect handlers that ran during shutdown may still
	// have ops queued for the other nodes.
	if s.cluster != nil {
		s.cluster.Close()
	}
	s.wg.Wait()
}

// Reload re-reads the handler modules (as the plugins watcher does); changed
// ones are swapped in without stopping the calls under way. A hub without
// handlers says so, and where it looked. ReloadConfig re-reads the config file
// too.
func (s *Server) Reload(ctx context.Context) {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	s.reloadModules(ctx)
}

func (s *Server) reloadModules(ctx context.Context) {
	dir := s.opts.Plugins.Dir
	host := s.handlers.host()
	switch {
	case host == nil:
		s.log.Info("no handlers to reload: no [[events]] in the config and no plugins directory", "dir", dir)
		return
	case host.Empty():
		s.log.Info("no handlers to reload: no [[events]] in the config and no .js file in the plugins directory", "dir", dir)
		return
	}
	s.log.Info("reloading handler modules", "dir", dir, "events", len(s.opts.Events))
	host.Reload(ctx)
}

func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// Problems lists what is wrong beyond the config file itself: events[] handlers
// whose modules are missing or refused. Empty when all is well.
func (s *Server) Problems() []string {
	if host := s.handlers.host(); host != nil {
		return host.Problems()
	}
	return nil
}

// Run builds a hub from opts and serves it on opts.Listen until ctx ends.
func Run(ctx context.Context, opts Options) error {
	s, err := New(ctx, opts)
	if err != nil {
		return err
	}
	return s.ListenAndServe(ctx)
}

// ListenAndServe listens on the configured address and serves until ctx ends.
func (s *Server) ListenAndServe(ctx context.Context) error {
	// Before listening: a node that cannot join its cluster takes no
	// connections.
	if err := s.Start(ctx); err != nil {
		return err
	}
	opts, logger := s.options(), s.log
	ln, err := net.Listen("tcp", opts.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	logger.Info("iohub listening",
		"addr", "http://"+ln.Addr().String(),
		"socketio", opts.IO.Path,
		"api", "/hub/",
		"roles", len(opts.Roles),
		"permissionMode", string(opts.PermissionMode),
		"handlers", len(opts.Events))
	return s.Serve(ctx, ln)
}
