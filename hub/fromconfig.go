package hub

import (
	"fmt"
	"time"

	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/config"
	"github.com/iohub/iohub/hub/httpapi"
	"github.com/iohub/iohub/hub/limit"
	"github.com/iohub/iohub/hub/plugin"
	"github.com/iohub/iohub/hub/realtime"
)

// OptionsFromConfig turns a hub.toml into Options: the one place that reads
// config for the hub (NewFromConfig and reloads go through it). Logger stays
// nil. It fails only on what config's validation reports too.
func OptionsFromConfig(cfg *config.Config) (Options, error) {
	limits, err := limitsFromConfig(cfg.Limits)
	if err != nil {
		return Options{}, err
	}
	a, s, p, c, h, ad := cfg.Auth, cfg.Strapi, cfg.Plugins, cfg.Cluster, cfg.HTTP, cfg.Admin
	return Options{
		Listen:         cfg.Listen,
		PublicRole:     cfg.PublicRoleName,
		PermissionMode: access.Mode(cfg.PermissionMode),
		Roles:          rolePermissions(cfg.Roles),
		PrivateFields:  nonNil(cfg.PrivateFields), // config's nil is an explicit empty list
		IO:             ioOptions(cfg.IO),
		Auth: AuthOptions{
			JWTSecret:         a.JWTSecret,
			PublicKeyFile:     a.PublicKeyFile,
			Algorithms:        a.Algorithms,
			RoleClaim:         a.RoleClaim,
			AuthenticatedRole: a.AuthenticatedRole,
			RequireConfirmed:  a.RequireConfirmed,
			Issuer:            a.Issuer,
			Audience:          a.Audience,
			Leeway:            a.Leeway.D(),
			AllowNoExp:        !a.RequireExp,
		},
		Strapi: StrapiOptions{
			URL:           s.URL,
			APIToken:      s.APIToken,
			Version:       s.Version,
			SyncInterval:  s.SyncInterval.D(),
			Payload:       s.Payload,
			UserCacheTTL:  s.UserCacheTTL.D(),
			CacheSize:     s.CacheSize,
			Timeout:       s.Timeout.D(),
			JWTManagement: s.JWTManagement,
		},
		API:    apiOptions(cfg),
		Events: pluginEvents(cfg.Events),
		Plugins: PluginOptions{
			Dir:         p.Dir,
			Watch:       p.Watch,
			Timeout:     p.Timeout.D(),
			MemoryLimit: int64(p.MemoryLimit),
			JSRuntime:   p.JSRuntime,
		},
		Cluster: ClusterOptions{
			Redis:                 c.Redis,
			NodeID:                c.NodeID,
			ChannelPrefix:         c.ChannelPrefix,
			TLSCAFile:             c.TLSCAFile,
			TLSInsecureSkipVerify: c.TLSInsecureSkipVerify,
		},
		// [http]'s 0 means no limit; Options' 0 means the default.
		HTTP: HTTPOptions{
			ReadHeaderTimeout: noneIfZero(h.ReadHeaderTimeout.D()),
			ReadTimeout:       noneIfZero(h.ReadTimeout.D()),
			WriteTimeout:      h.WriteTimeout.D(),
			IdleTimeout:       noneIfZero(h.IdleTimeout.D()),
			MaxHeaderBytes:    int(noneIfZero(h.MaxHeaderBytes)),
		},
		Limits: limits,
		Admin: AdminOptions{
			Enabled:      ad.Enabled,
			Username:     ad.Username,
			Password:     ad.Password,
			AllowActions: !ad.ReadOnly,
			UIDir:        ad.UIDir,
		},
	}, nil
}

func noneIfZero[T time.Duration | config.ByteSize](v T) T {
	if v == 0 {
		return -1
	}
	return v
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func rolePermissions(roles map[string]config.Role) map[string][]string {
	out := make(map[string][]string, len(roles))
	for name, r := range roles {
		out[name] = r.Permissions
	}
	return out
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

// apiOptions are the HTTP API's settings from [api] and contentTypes.
func apiOptions(cfg *config.Config) httpapi.Options {
	ct := cfg.ContentTypes.Types
	switch {
	case cfg.ContentTypes.All:
		ct = nil
	case ct == nil: // no table: nothing is forwarded
		ct = map[string][]string{}
	}
	return httpapi.Options{Tokens: cfg.API.Tokens, MaxBodySize: int64(cfg.API.MaxBodySize), ContentTypes: ct}
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
