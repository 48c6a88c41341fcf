package hub

import (
	"context"
	"time"

	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/auth"
	"github.com/iohub/iohub/hub/httpapi"
	"github.com/iohub/iohub/hub/metrics"
	"github.com/iohub/iohub/hub/realtime"
	"github.com/iohub/iohub/hub/sanitize"
	"github.com/iohub/iohub/hub/strapi"
	strapiclient "github.com/iohub/iohub/hub/strapi/client"
)

// firstSyncTimeout bounds the roles sync Serve waits for before it accepts
// connections. A Strapi that is down must not keep the hub from starting
// (orchestrators start things in any order): the hub then serves with
// hub.toml's [roles] until a later sync succeeds.
const firstSyncTimeout = 10 * time.Second

// strapiSync is one roles sync: its Syncer and the goroutine running it. A
// reload that changes [strapi] builds a new one, swaps it in and stops the old.
type strapiSync struct {
	*strapi.Syncer
	cancel context.CancelFunc // nil until started
	done   chan struct{}
}

// newStrapiSync builds the roles sync o asks for (nil without Strapi URL
// and APIToken). It applies its tables only while it is the hub's current
// one, so an old sync finishing late cannot undo a newer table.
//
// api is the hub's Strapi client; nil builds one (a reload).
func (s *Server) newStrapiSync(o Options, api *strapiclient.Client) *strapiSync {
	if !o.Strapi.sync() {
		return nil
	}
	ss := &strapiSync{}
	var detectJWT func(string) // Strapi's token regime, detected on every sync unless configured
	if o.Strapi.JWTManagement == "" {
		detectJWT = func(mode string) { s.authn.Load().SetJWTManagement(mode) }
	}
	if api == nil {
		api = strapiclient.New(o.Strapi.clientOptions())
	}
	opts := o.syncOptions(api)
	opts.Apply = func(r *access.Rules) {
		if s.syncer.Load() == ss {
			s.rt.SetRules(r)
		}
	}
	opts.ApplySchemas = func(t *sanitize.Schemas) {
		if s.syncer.Load() == ss {
			s.rt.SetSchemas(t)
		}
	}
	// Connected users are re-checked on every sync; one Strapi no longer
	// has (or has blocked) is gone here and on every node.
	opts.Users = s.rt.UserIDs
	opts.UserGone = func(id string) { s.userChanged(id, true, true) }
	opts.JWTManagement = detectJWT
	opts.Logger = s.log.With("component", "strapi")
	ss.Syncer = strapi.New(opts)
	return ss
}

// start syncs once (waiting for it when wait is set, at most
// firstSyncTimeout), then every strapi.syncInterval until the hub closes or
// the sync is stopped.
func (s *Server) startStrapiSync(ctx context.Context, ss *strapiSync, wait bool) {
	if ss == nil || ss.cancel != nil {
		return
	}
	if wait {
		first, cancel := context.WithTimeout(ctx, firstSyncTimeout)
		_, _ = ss.Sync(first) // a failure is logged; the last table stays
		cancel()
	}
	run, cancel := context.WithCancel(s.ctx)
	ss.cancel, ss.done = cancel, make(chan struct{})
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(ss.done)
		if !wait {
			_, _ = ss.Sync(run)
		}
		ss.Run(run)
	}()
}

// stop ends ss's goroutine and waits for it; its sync under way is
// cancelled. Its counts go to the hub's, so the metrics keep counting up.
func (s *Server) stopStrapiSync(ss *strapiSync) {
	if ss == nil {
		return
	}
	if ss.cancel != nil {
		ss.cancel()
		<-ss.done
	}
	ok, failed := ss.Attempts()
	s.strapiRetired.ok.Add(ok)
	s.strapiRetired.failed.Add(failed)
}

// wireStrapi connects the webhook endpoint and POST /hub/strapi/sync to Strapi
// as o says: payload shape and version, the roles sync when Strapi has an
// API token, and what a users-permissions user webhook does. New and every
// reload call it.
func (s *Server) wireStrapi(o Options, ss *strapiSync) {
	version := o.Strapi.Version
	opts := httpapi.StrapiOptions{Payload: o.Strapi.Payload}
	opts.Version = func() int { return version }
	opts.UserChanged = s.userChanged
	if ss != nil {
		opts.Version = ss.Version
		opts.Sync = func(ctx context.Context) (any, error) {
			res, err := ss.Sync(ctx)
			if err != nil {
				return nil, err
			}
			return res, nil
		}
		s.metrics.SetStrapi(func() metrics.StrapiStats {
			ok, failed := ss.Attempts()
			return metrics.StrapiStats{State: ss.State(),
				Succeeded: ok + s.strapiRetired.ok.Load(), Failed: failed + s.strapiRetired.failed.Load()}
		})
	} else {
		s.metrics.SetStrapi(nil)
	}
	s.api.SetStrapi(opts)
}

// The realtime server's user changes reach the authenticator's cache.
var _ realtime.UserForgetter = (*auth.Authenticator)(nil)

// userChanged is a users-permissions webhook or a user the sync no longer
// finds: an op of the emitter, so with [cluster] it applies on every node.
func (s *Server) userChanged(id string, blocked, deleted bool) {
	s.rt.UserChanged(id, blocked || deleted)
}
