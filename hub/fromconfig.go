package hub

import (
	"fmt"
	"log/slog"

	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/admin"
	"github.com/iohub/iohub/hub/auth"
	"github.com/iohub/iohub/hub/cluster"
	"github.com/iohub/iohub/hub/config"
	"github.com/iohub/iohub/hub/ingress"
	"github.com/iohub/iohub/hub/limit"
	"github.com/iohub/iohub/hub/plugin"
	"github.com/iohub/iohub/hub/realtime"
	"github.com/iohub/iohub/hub/strapi"
	strapiclient "github.com/iohub/iohub/hub/strapi/client"
)

// strapiClientOptions are the Strapi client's settings from [strapi].
func strapiClientOptions(c config.Strapi) strapiclient.Options {
	return strapiclient.Options{URL: c.URL, APIToken: c.APIToken, Timeout: c.Timeout.D()}
}

// limitsFromConfig turns [limits] into limit.Settings. It fails only on what
// config's validation reports too (a bad trustedProxies entry).
func limitsFromConfig(c config.Limits) (limit.Settings, error) {
	proxies, bad := limit.ParsePrefixes(c.TrustedProxies)
	if bad >= 0 {
		return limit.Settings{}, fmt.Errorf("limits.trustedProxies[%d]: not an IP address or CIDR range: %q", bad, c.TrustedProxies[bad])
	}
	return limit.Settings{
		MaxConnections:      c.MaxConnections,
		MaxConnectionsPerIP: c.MaxConnectionsPerIP,
		Handshakes:          limit.NewRate(c.HandshakesPerSecondPerIP, 0),
		Events:              limit.NewRate(c.EventsPerSecond, c.EventsBurst),
		TrustedProxies:      proxies,
	}, nil
}

// authOptions are the authenticator's settings from [auth], [strapi] and
// publicRoleName; api is the hub's Strapi client (nil without [strapi] url).
func authOptions(cfg *config.Config, api auth.Strapi, logger *slog.Logger) auth.Options {
	a := cfg.Auth
	return auth.Options{
		JWTSecret:         a.JWTSecret,
		PublicKeyFile:     a.PublicKeyFile,
		Algorithms:        a.Algorithms,
		RoleClaim:         a.RoleClaim,
		AuthenticatedRole: a.AuthenticatedRole,
		PublicRole:        cfg.PublicRoleName,
		RequireConfirmed:  a.RequireConfirmed,
		Issuer:            a.Issuer,
		Audience:          a.Audience,
		Leeway:            a.Leeway.D(),
		AllowNoExp:        !a.RequireExp,
		Strapi:            api,
		UserCacheTTL:      cfg.Strapi.UserCacheTTL.D(),
		UserCacheSize:     cfg.Strapi.CacheSize,
		Logger:            logger,
	}
}

// strapiSyncOptions are the roles sync's settings from [strapi],
// publicRoleName, permissionMode and auth.requireConfirmed; the hub adds the
// client and what the sync applies its tables to.
func strapiSyncOptions(cfg *config.Config) strapi.Options {
	return strapi.Options{
		Version:          cfg.Strapi.Version,
		SyncInterval:     cfg.Strapi.SyncInterval.D(),
		PublicRole:       cfg.PublicRoleName,
		Mode:             access.Mode(cfg.PermissionMode),
		RequireConfirmed: cfg.Auth.RequireConfirmed,
	}
}

// apiOptions are the HTTP API's settings from [api] and contentTypes.
func apiOptions(cfg *config.Config) ingress.Options {
	ct := cfg.ContentTypes.Types
	switch {
	case cfg.ContentTypes.All:
		ct = nil
	case ct == nil: // no table: nothing is forwarded
		ct = map[string][]string{}
	}
	return ingress.Options{Tokens: cfg.API.Tokens, MaxBodySize: int64(cfg.API.MaxBodySize), ContentTypes: ct}
}

// clusterOptions are the cluster node's settings from [cluster]; the hub
// adds the node's Socket.IO server, sanitiser and logger.
func clusterOptions(c config.Cluster) cluster.Options {
	return cluster.Options{
		Redis:                 c.Redis,
		NodeID:                c.NodeID,
		ChannelPrefix:         c.ChannelPrefix,
		TLSCAFile:             c.TLSCAFile,
		TLSInsecureSkipVerify: c.TLSInsecureSkipVerify,
	}
}

// adminOptions are the Admin UI namespace's settings from [admin]; the hub
// adds the Socket.IO server and logger.
func adminOptions(c config.Admin) admin.Options {
	return admin.Options{Username: c.Username, Password: c.Password, AllowActions: !c.ReadOnly}
}

// pluginEvents are the [[events]] bindings.
func pluginEvents(evs []config.Event) []plugin.Event {
	if evs == nil {
		return nil
	}
	out := make([]plugin.Event, len(evs))
	for i, e := range evs {
		out[i] = plugin.Event{Name: e.Name, Handler: e.Handler, Config: e.Config}
	}
	return out
}

// ioOptions are the Socket.IO server's settings from [IOServerOptions].
func ioOptions(c config.IOServerOptions) realtime.IOOptions {
	o := realtime.IOOptions{
		Path:              c.Path,
		PingInterval:      c.PingInterval.D(),
		PingTimeout:       c.PingTimeout.D(),
		ConnectTimeout:    c.ConnectTimeout.D(),
		UpgradeTimeout:    c.UpgradeTimeout.D(),
		MaxHTTPBufferSize: int64(c.MaxHTTPBufferSize),
		Transports:        c.Transports,
		CORS: realtime.CORS{
			Origins:        c.Cors.Origin,
			Methods:        c.Cors.Methods,
			AllowedHeaders: c.Cors.AllowedHeaders,
			Credentials:    c.Cors.Credentials,
		},
	}
	if r := c.ConnectionStateRecovery; r != nil {
		o.Recovery = r.MaxDisconnectionDuration.D()
	}
	return o
}
