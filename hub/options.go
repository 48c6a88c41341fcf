package hub

import (
	"log/slog"
	"time"

	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/admin"
	"github.com/iohub/iohub/hub/auth"
	"github.com/iohub/iohub/hub/cluster"
	"github.com/iohub/iohub/hub/config"
	"github.com/iohub/iohub/hub/httpapi"
	"github.com/iohub/iohub/hub/limit"
	"github.com/iohub/iohub/hub/plugin"
	"github.com/iohub/iohub/hub/realtime"
	"github.com/iohub/iohub/hub/sanitize"
	"github.com/iohub/iohub/hub/strapi"
	strapiclient "github.com/iohub/iohub/hub/strapi/client"
)

// Options configure a hub built by New. Every field is optional; the zero
// Options is a hub whose sockets all join the "Public" role, which may
// receive nothing, whose HTTP API refuses every request (no tokens), without
// handlers, Strapi or cluster. OptionsFromConfig makes them from hub.toml.
type Options struct {
	// Logger gets every log line of the hub. nil: discarded.
	Logger *slog.Logger
	// Listen is the address ListenAndServe and Run listen on. "":
	// "127.0.0.1:1337".
	Listen string
	// PublicRole is the role (and room) of sockets without a token. "":
	// "Public".
	PublicRole string
	// PermissionMode is access.ModeAction (a role receives uid.action only
	// with that action's permission) or access.ModeRead (find or findOne on
	// the uid is enough). "": access.ModeAction.
	PermissionMode access.Mode
	// Roles maps each role (its room) to its permissions: Strapi action names
	// like "api::message.message.create" or "api::message.message.*", or "*".
	// nil: no roles, so no content event reaches anyone.
	Roles map[string][]string
	// PrivateFields are removed at any depth from content-event payloads.
	// nil: "password", "resetPasswordToken" and "confirmationToken"; an
	// empty slice: none.
	PrivateFields []string
	// IO are the Socket.IO server's settings; zero fields are Socket.IO's
	// defaults.
	IO realtime.IOOptions
	// Auth is how handshake tokens are verified. Zero: every token is
	// refused, unless Strapi.URL is set.
	Auth AuthOptions
	// Strapi is the Strapi the hub serves. Zero: none.
	Strapi StrapiOptions
	// API are the HTTP API's tokens, body limit and webhook content types.
	API httpapi.Options
	// Events bind socket events to handler modules in Plugins.Dir, in chain
	// order. nil: none (.js files in Plugins.Dir still bind themselves).
	Events []plugin.Event
	// Plugins is where handlers are loaded from, and their limits.
	Plugins PluginOptions
	// Cluster joins the nodes sharing one Redis. Zero: the hub runs alone.
	Cluster ClusterOptions
	// HTTP are the limits of the HTTP server Serve runs.
	HTTP HTTPOptions
	// Limits are connection and event limits. Zero: none.
	Limits limit.Settings
	// Admin serves the Socket.IO Admin UI. Zero: off.
	Admin AdminOptions
}

// AuthOptions are how handshake tokens are verified (auth.Options).
type AuthOptions struct {
	// JWTSecret is the HMAC secret (Strapi users-permissions' jwtSecret).
	// "": HMAC (HS*) tokens are refused.
	JWTSecret string
	// PublicKeyFile is a PEM public key (RSA, ECDSA or Ed25519). "":
	// asymmetric tokens are refused.
	PublicKeyFile string
	// Algorithms are the accepted JWT algorithms. nil: every one the keys
	// can verify (without keys, Strapi decides).
	Algorithms []string
	// RoleClaim is the claim holding the role; dotted paths reach into
	// objects. "": "role".
	RoleClaim string
	// AuthenticatedRole is the role of a valid token without a role claim.
	// "": "Authenticated".
	AuthenticatedRole string
	// RequireConfirmed refuses users whose email is not confirmed. false:
	// they are accepted.
	RequireConfirmed bool
	// Issuer is the iss claim required. "": not checked.
	Issuer string
	// Audience is the aud claim required. "": not checked.
	Audience string
	// Leeway is the clock skew allowed on exp, nbf and iat. 0: none.
	Leeway time.Duration
	// AllowNoExp accepts tokens without an exp claim. false: refused.
	AllowNoExp bool
}

// StrapiOptions are the Strapi the hub serves. With URL alone, the hub asks
// Strapi who each token belongs to; with URL and APIToken, roles and
// permissions come from Strapi too.
type StrapiOptions struct {
	// URL is Strapi's base URL, without a trailing slash. "": no Strapi.
	URL string
	// APIToken is a full-access Strapi API token. "": roles come from
	// Options.Roles, users from /api/users/me.
	APIToken string
	// Version is Strapi's major version, 4 or 5. 0: detected.
	Version int
	// SyncInterval is how often roles are read again (with APIToken). 0: 30s.
	SyncInterval time.Duration
	// Payload is the shape of content events made from webhooks: "rest",
	// "flat" or "entry". "": the version's ("rest" for v4, "flat" for v5).
	Payload string
	// UserCacheTTL is how long Strapi's answer about a user is reused. 0: 1m.
	UserCacheTTL time.Duration
	// CacheSize is how many user lookups are cached. 0: 10000.
	CacheSize int
	// Timeout bounds one Strapi request. 0: 5s.
	Timeout time.Duration
	// JWTManagement is Strapi v5's token regime, "legacy" or "refresh". "":
	// detected.
	JWTManagement string
}

// sync reports whether roles and permissions come from Strapi.
func (o StrapiOptions) sync() bool { return o.URL != "" && o.APIToken != "" }

// PluginOptions are where handlers are loaded from, and their limits.
type PluginOptions struct {
	// Dir holds the <handler>.wasm modules and .js handler files. "": no
	// directory (Events' modules are then looked up in the working one).
	Dir string
	// Watch reloads modules when their files change. false: only Reload (or
	// a config reload) re-reads them.
	Watch bool
	// Timeout bounds one handler call. 0: 100ms.
	Timeout time.Duration
	// MemoryLimit caps one instance's memory, in bytes (a multiple of 64KiB).
	// 0: 16MiB.
	MemoryLimit int64
	// JSRuntime is quickjs.wasm of the npm package quickjs-wasi, which runs
	// .js handlers. "": .js handlers are refused, saying so.
	JSRuntime string
}

// ClusterOptions join the hub nodes sharing one Redis (cluster.Options).
type ClusterOptions struct {
	// Redis is the Redis server's URL, "redis://..." or "rediss://..." for
	// TLS. "": no cluster.
	Redis string
	// NodeID is this node's name: letters, digits, '.', '_' and '-', at most
	// 64 bytes, its own on every node. "": a random one.
	NodeID string
	// ChannelPrefix starts every Redis channel and key. "": "iohub".
	ChannelPrefix string
	// TLSCAFile is a PEM file of the CAs that sign Redis's certificate
	// (rediss:// only). "": the system's roots.
	TLSCAFile string
	// TLSInsecureSkipVerify accepts any server certificate (tests only).
	// false: it is verified.
	TLSInsecureSkipVerify bool
}

// HTTPOptions are the limits of the HTTP server Serve runs (an embedder
// mounting Handler on its own server sets its own).
type HTTPOptions struct {
	// ReadHeaderTimeout bounds sending a request's headers. 0: 10s; < 0:
	// none.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds sending a request's body, for requests that have
	// one. 0: 30s; < 0: none.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing one response; with polling it must exceed
	// IO's PingInterval + PingTimeout. 0 (or less): none.
	WriteTimeout time.Duration
	// IdleTimeout is how long a keep-alive connection waits for its next
	// request. 0: 60s; < 0: none.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds a request's line and headers. 0: 64KiB; < 0:
	// net/http's default, 1MiB.
	MaxHeaderBytes int
}

// AdminOptions serve the Socket.IO Admin UI: its "/admin" namespace and,
// with UIDir, its files at /hub/admin/.
type AdminOptions struct {
	// Enabled adds the namespace. false: no namespace, no UI.
	Enabled bool
	// Username is the login the UI asks for. "": every login is refused.
	Username string
	// Password is a bcrypt hash or, if it is not one, the password itself.
	Password string
	// AllowActions lets the UI move sockets between rooms and disconnect
	// them. false: read-only.
	AllowActions bool
	// UIDir is the built UI (ui/dist of the npm package @socket.io/admin-ui).
	// "": no UI is served (one hosted elsewhere can still connect).
	UIDir string
}

// Defaults of Options the hub fills in itself (the packages fill theirs).
const (
	defaultListen     = "127.0.0.1:1337"
	defaultPublicRole = "Public"
)

// withDefaults fills in o's zero fields the hub owns.
func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Listen == "" {
		o.Listen = defaultListen
	}
	if o.PublicRole == "" {
		o.PublicRole = defaultPublicRole
	}
	if o.PermissionMode == "" {
		o.PermissionMode = access.ModeAction
	}
	if o.PrivateFields == nil {
		o.PrivateFields = sanitize.DefaultPrivateFields()
	}
	o.IO = o.IO.WithDefaults()
	h := &o.HTTP
	h.ReadHeaderTimeout = orDefault(h.ReadHeaderTimeout, config.DefaultReadHeaderTimeout)
	h.ReadTimeout = orDefault(h.ReadTimeout, config.DefaultReadTimeout)
	h.IdleTimeout = orDefault(h.IdleTimeout, config.DefaultIdleTimeout)
	h.MaxHeaderBytes = orDefault(h.MaxHeaderBytes, int(config.DefaultMaxHeaderBytes))
	return o
}

// orDefault is v, or d when v is 0. A negative v (none) stays: withDefaults
// may run again on its result.
func orDefault[T time.Duration | int](v, d T) T {
	if v == 0 {
		return d
	}
	return v
}

// What follows turns Options into the packages' options.

func (o StrapiOptions) clientOptions() strapiclient.Options {
	return strapiclient.Options{URL: o.URL, APIToken: o.APIToken, Timeout: o.Timeout}
}

// NewAuthenticator builds the authenticator a hub with opts verifies tokens
// with (with a Strapi client of its own when opts.Strapi.URL is set): what
// `hub token` mints with.
func NewAuthenticator(opts Options) (*auth.Authenticator, error) {
	opts = opts.withDefaults()
	return newAuthenticator(opts, nil, opts.Logger)
}

// newAuthenticator builds opts' authenticator. api is the hub's Strapi
// client; nil builds one when opts.Strapi.URL is set.
func newAuthenticator(opts Options, api *strapiclient.Client, logger *slog.Logger) (*auth.Authenticator, error) {
	if api == nil && opts.Strapi.URL != "" {
		api = strapiclient.New(opts.Strapi.clientOptions())
	}
	a := opts.Auth
	o := auth.Options{
		JWTSecret:         a.JWTSecret,
		PublicKeyFile:     a.PublicKeyFile,
		Algorithms:        a.Algorithms,
		RoleClaim:         a.RoleClaim,
		AuthenticatedRole: a.AuthenticatedRole,
		PublicRole:        opts.PublicRole,
		RequireConfirmed:  a.RequireConfirmed,
		Issuer:            a.Issuer,
		Audience:          a.Audience,
		Leeway:            a.Leeway,
		AllowNoExp:        a.AllowNoExp,
		UserCacheTTL:      opts.Strapi.UserCacheTTL,
		UserCacheSize:     opts.Strapi.CacheSize,
		Logger:            logger,
	}
	if api != nil { // not a non-nil interface holding a nil pointer
		o.Strapi = api
	}
	return auth.New(o)
}

func (o ClusterOptions) options() cluster.Options {
	return cluster.Options{
		Redis:                 o.Redis,
		NodeID:                o.NodeID,
		ChannelPrefix:         o.ChannelPrefix,
		TLSCAFile:             o.TLSCAFile,
		TLSInsecureSkipVerify: o.TLSInsecureSkipVerify,
	}
}

func (o AdminOptions) options() admin.Options {
	return admin.Options{Username: o.Username, Password: o.Password, AllowActions: o.AllowActions}
}

// syncOptions are the roles sync's settings; the hub adds what it applies
// its tables to.
func (o Options) syncOptions(api strapi.API) strapi.Options {
	return strapi.Options{
		Client:           api,
		Version:          o.Strapi.Version,
		SyncInterval:     o.Strapi.SyncInterval,
		PublicRole:       o.PublicRole,
		Mode:             o.PermissionMode,
		RequireConfirmed: o.Auth.RequireConfirmed,
	}
}

func (o PluginOptions) options(events []plugin.Event) plugin.Options {
	return plugin.Options{
		Dir:         o.Dir,
		Events:      events,
		Timeout:     o.Timeout,
		MemoryLimit: o.MemoryLimit,
		JSRuntime:   o.JSRuntime,
	}
}
