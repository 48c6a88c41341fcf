package hub

import (
	"context"
	"time"

	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/auth"
	"github.com/iohub/iohub/hub/ingress"
	"github.com/iohub/iohub/hub/strapi"
	strapiclient "github.com/iohub/iohub/hub/strapi/client"
)

// strapiAPI is api as auth's interface: nil (no [strapi] url) stays nil, not
// a non-nil interface holding a nil pointer.
func strapiAPI(api *strapiclient.Client) auth.Strapi {
	if api == nil {
		return nil
	}
	return api
}

// firstSyncTimeout bounds the roles sync Serve waits for before it accepts
// connections. A Strapi that is down must not keep the hub from starting
// (orchestrators start things in any order): the hub then serves with
// hub.toml's [roles] until a later sync succeeds.
const firstSyncTimeout = 10 * time.Second

// wireStrapi connects the webhook endpoint and POST /hub/strapi/sync to Strapi:
// payload shape and version, the roles sync when [strapi] has an apiToken, and
// what a users-permissions user webhook does.
func (s *Server) wireStrapi(authn *auth.Authenticator, api *strapiclient.Client) {
	cfg := s.cfg.Strapi
	opts := ingress.StrapiOptions{Payload: cfg.Payload}
	opts.Version = func() int { return cfg.Version }
	// Strapi's token regime: configured, or detected on every sync (by the
	// syncer, or without an API token by a watcher of its own).
	var detectJWT func(string)
	switch {
	case cfg.JWTManagement != "":
		authn.SetJWTManagement(cfg.JWTManagement)
	case api != nil && cfg.Sync():
		detectJWT = authn.SetJWTManagement
	case api != nil:
		s.watchJWT = func(ctx context.Context) {
			strapi.WatchJWTManagement(ctx, api, cfg.SyncInterval.D(), authn.SetJWTManagement, s.log.With("component", "strapi"))
		}
	}
	// The next handshake asks Strapi again (a role change applies from the
	// user's next connection); a blocked or deleted user also loses the
	// sockets already open. With [cluster], on every node.
	apply := func(id string, gone bool) {
		authn.ForgetUser(id)
		if gone {
			n := s.rt.DisconnectUser(id)
			s.log.Info("strapi: user blocked or deleted; their sockets here were disconnected", "user", id, "sockets", n)
		}
	}
	if s.cluster != nil {
		s.cluster.SetUserHook(apply)
	}
	opts.UserChanged = func(id string, blocked, deleted bool) {
		apply(id, blocked || deleted)
		if s.cluster != nil {
			s.cluster.UserChanged(id, blocked || deleted)
		}
	}
	if cfg.Sync() {
		s.syncer = strapi.New(strapi.Options{
			Config:       cfg,
			PublicRole:   s.cfg.PublicRoleName,
			Mode:         access.Mode(s.cfg.PermissionMode),
			Apply:        s.rt.SetRules,
			ApplySchemas: s.rt.SetSchemas,
			// Connected users are re-checked on every sync; one Strapi no
			// longer has (or has blocked) is gone here and on every node.
			Users:            s.rt.UserIDs,
			UserGone:         func(id string) { opts.UserChanged(id, true, true) },
			RequireConfirmed: s.cfg.Auth.RequireConfirmed,
			JWTManagement:    detectJWT,
			Client:           api,
			Logger:           s.log.With("component", "strapi"),
		})
		opts.Version = s.syncer.Version
		opts.Sync = func(ctx context.Context) (any, error) {
			res, err := s.syncer.Sync(ctx)
			if err != nil {
				return nil, err
			}
			return res, nil
		}
	}
	s.api.SetStrapi(opts)
}

// startStrapiSync syncs the roles once, waiting at most firstSyncTimeout, then
// keeps syncing every strapi.syncInterval until ctx ends.
func (s *Server) startStrapiSync(ctx context.Context) {
	first, cancel := context.WithTimeout(ctx, firstSyncTimeout)
	_, _ = s.syncer.Sync(first) // a failure is logged; the last table stays
	cancel()
	go s.syncer.Run(ctx)
}
