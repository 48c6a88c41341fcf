// Package config is the model of hub.toml: its types, defaults, loading,
// ${VAR} environment expansion and validation.
//
// It is a leaf package: it imports nothing else from the hub.
//
// # Loading
//
// [Load] reads a file and calls [Parse]; Parse decodes TOML onto [Default], so an
// absent key keeps its default and a present list replaces the default list (never
// appends to it). An invalid file gives a *[Problems] error that lists every
// problem found, in file order, each named by its dotted TOML key.
//
// # Environment expansion
//
// Every string value (also inside arrays, inline tables and the events' config
// tables, and strings that then become durations or sizes) expands:
//
//	${VAR}           the value of VAR; "" if VAR is unset
//	${VAR:-default}  the value of VAR, or default if VAR is unset or empty
//	$$               a literal "$" (as in Docker Compose), so "$${VAR}" is the
//	                 literal text "${VAR}" and "$$${VAR}" is "$" and VAR's value
//
// Any other "$" (one not followed by "{" or "$") stays as it is. Defaults are
// literal text up to the first "}" and cannot nest another ${...}. Names are
// [A-Za-z_][A-Za-z0-9_]*. Expansion happens after TOML parsing, so a value
// containing quotes, newlines or "#" cannot change the structure of the file,
// and the result is not expanded again. Keys are never expanded. Because
// environment variables are strings, a value that contained a ${...} may also
// stand for a boolean ("true"/"false"), an integer ("10000") or milliseconds
// ("25000") where the key wants one.
//
// When a problem concerns a value that became empty because a ${VAR} without a
// default named an unset variable, the message says which variable. For
// auth.jwtSecret, auth.publicKeyFile, auth.issuer and auth.audience, that case is
// itself a problem (a forgotten secret must not silently disable a check); write
// ${VAR:-} to make such a value optional.
package config

import (
	"time"

	"github.com/iohub/iohub/hub/sanitize"
)

// Config is the whole of hub.toml. Use [Default] for a Config with every default
// filled in; [Load] and [Parse] start from it.
type Config struct {
	// Listen is `listen`, the host:port of the HTTP listener (Socket.IO and the
	// HTTP API). Default "127.0.0.1:1337". An empty host (":1337") listens on every
	// interface; port 0 picks a free port.
	Listen string `toml:"listen"`

	// PublicRoleName is `publicRoleName`, the role (and room) of sockets without a
	// token. Default "Public". Must not be empty.
	PublicRoleName string `toml:"publicRoleName"`

	// PermissionMode is `permissionMode`: "action" (default) means a role receives
	// uid.action only with the permission the action requires; "read" means any of
	// find/findOne on the uid is enough to receive all its events.
	PermissionMode string `toml:"permissionMode"`

	// PrivateFields is `privateFields`, field names removed at any depth from
	// content-event payloads. Default ["password", "resetPasswordToken",
	// "confirmationToken"]; an explicit empty list removes nothing.
	PrivateFields []string `toml:"privateFields"`

	// LogLevel is `logLevel`: "debug", "info" (default), "warn" or "error".
	LogLevel string `toml:"logLevel"`

	// LogFormat is `logFormat`: "text" (default) or "json".
	LogFormat string `toml:"logFormat"`

	// IO is the `[IOServerOptions]` table, the Socket.IO server's options.
	IO IOServerOptions `toml:"IOServerOptions"`

	// ContentTypes is `contentTypes`: which content types (and actions) produce
	// events from webhooks. Absent means every api:: content type and action
	// (plugin:: types such as users-permissions only when named).
	ContentTypes ContentTypes `toml:"contentTypes"`

	// Events is `[[events]]`, the Wasm handlers bound to socket events. Default
	// none.
	Events []Event `toml:"events"`

	// Auth is `[auth]`, how handshake tokens are verified.
	Auth Auth `toml:"auth"`

	// Strapi is `[strapi]`, the optional Strapi instance asked for users, roles
	// and permissions (see strapi.go).
	Strapi Strapi `toml:"strapi"`

	// Roles is `[roles.<Name>]`, the permissions of each role, keyed by the role
	// name verbatim (it is also the room name). Default: no roles (an empty,
	// non-nil map), so no content event reaches anyone.
	Roles map[string]Role `toml:"roles"`

	// API is `[api]`, the HTTP API and webhooks.
	API API `toml:"api"`

	// Plugins is `[plugins]`, where Wasm handlers are loaded from and their limits.
	Plugins Plugins `toml:"plugins"`

	// Cluster is `[cluster]`, several nodes sharing one Redis. Absent: the hub
	// runs alone.
	Cluster Cluster `toml:"cluster"`

	// HTTP is `[http]`, the HTTP server's timeouts and header limit (see
	// http.go).
	HTTP HTTP `toml:"http"`

	// Limits is `[limits]`, connection and event limits (see limits.go).
	// Default: every limit off.
	Limits Limits `toml:"limits"`
	// Admin is `[admin]`, the Socket.IO Admin UI (see admin.go). Off by
	// default.
	Admin Admin `toml:"admin"`
}

// IOServerOptions is `[IOServerOptions]`, named as in strapi-plugin-io.
type IOServerOptions struct {
	// Path is `path`, the Socket.IO endpoint. Default "/socket.io". Must start
	// with "/" and must not end with "/".
	Path string `toml:"path"`

	// PingInterval is `pingInterval`, how often the server pings. Default 25s.
	// Must be > 0.
	PingInterval Duration `toml:"pingInterval"`

	// PingTimeout is `pingTimeout`, how long a pong may take before the
	// connection is closed. Default 20s. Must be > 0.
	PingTimeout Duration `toml:"pingTimeout"`

	// ConnectTimeout is `connectTimeout`, how long a client may take to join the
	// namespace after the transport opened. Default 45s. Must be > 0.
	ConnectTimeout Duration `toml:"connectTimeout"`

	// UpgradeTimeout is `upgradeTimeout`, how long a transport upgrade may take.
	// Default 10s. Must be > 0.
	UpgradeTimeout Duration `toml:"upgradeTimeout"`

	// MaxHTTPBufferSize is `maxHttpBufferSize`, the largest message a client may
	// send, in bytes. Default 1000000 (1e6, as Socket.IO). Must be > 0.
	MaxHTTPBufferSize ByteSize `toml:"maxHttpBufferSize"`

	// Transports is `transports`, the allowed transports: "polling" and/or
	// "websocket", at least one, no duplicates. Default ["polling", "websocket"].
	Transports []string `toml:"transports"`

	// Cors is `[IOServerOptions.cors]`. Default: no CORS headers.
	Cors Cors `toml:"cors"`

	// ConnectionStateRecovery is `[IOServerOptions.connectionStateRecovery]`.
	// nil (the table is absent) means off; an empty table turns it on with
	// defaults.
	ConnectionStateRecovery *Recovery `toml:"connectionStateRecovery"`
}

// Cors is `[IOServerOptions.cors]`.
type Cors struct {
	// Origin is `origin`, a string or a list: "*" (any origin, alone) or origins
	// like "https://app.example.com" (scheme://host[:port], no path). Default
	// empty: no CORS headers, so only same-origin browser pages can connect.
	Origin StringList `toml:"origin"`

	// Methods is `methods`. Default ["GET", "POST"].
	Methods StringList `toml:"methods"`

	// AllowedHeaders is `allowedHeaders`. Default empty: none beyond the
	// CORS-safelisted ones.
	AllowedHeaders StringList `toml:"allowedHeaders"`

	// Credentials is `credentials`: allow cookies and HTTP auth. Default false.
	// Cannot be true with origin "*" (browsers refuse that combination).
	Credentials bool `toml:"credentials"`
}

// Recovery is `[IOServerOptions.connectionStateRecovery]`.
type Recovery struct {
	// MaxDisconnectionDuration is `maxDisconnectionDuration`, how long a
	// disconnected client may come back and get the packets it missed. Default 2m
	// when the table is present. Must be > 0.
	MaxDisconnectionDuration Duration `toml:"maxDisconnectionDuration"`

	// SkipMiddlewares is `skipMiddlewares`. Default false, and true is a config
	// problem: a recovered connection always passes the handshake again, since
	// the token may have expired, the user been blocked or the role changed
	// while it was away. It is read only to say so (Node's default is true).
	SkipMiddlewares bool `toml:"skipMiddlewares"`
}

// Event is one `[[events]]` entry: a Wasm handler bound to a socket event.
type Event struct {
	// Name is `name`, required: "connection", "disconnect", or any client event
	// name.
	Name string `toml:"name"`

	// Handler is `handler`, required: a module name in plugins.dir, e.g.
	// "connection-logger" for plugins/connection-logger.wasm. Letters, digits,
	// '-', '_' and '.', starting with a letter or digit; no path separators.
	Handler string `toml:"handler"`

	// Config is `config`, an optional table passed (as JSON) to the handler's
	// hub_init. nil when absent. Its strings are env-expanded like any other.
	Config map[string]any `toml:"config"`
}

// Auth is `[auth]`: how the token in the handshake's auth.token is verified.
type Auth struct {
	// JWTSecret is `jwtSecret`, the HMAC secret (Strapi users-permissions'
	// jwtSecret). Default empty: HMAC (HS*) tokens are not accepted.
	JWTSecret string `toml:"jwtSecret"`

	// PublicKeyFile is `publicKeyFile`, a PEM public key (RSA, ECDSA or Ed25519)
	// for RS*/PS*/ES*/EdDSA tokens. Default empty: no asymmetric tokens. Load
	// resolves a relative path against the config file's directory and checks
	// that the file is readable; Parse leaves it as written.
	PublicKeyFile string `toml:"publicKeyFile"`

	// Algorithms is `algorithms`, the accepted JWT algorithms: HS256 HS384 HS512
	// RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA. When absent it
	// is ["HS256"] if jwtSecret is set and publicKeyFile is not; with
	// publicKeyFile it must be given; with neither it stays empty: every token is
	// refused, unless [strapi] url is set, in which case Strapi's answer decides
	// (sockets without a token still join the public role).
	Algorithms []string `toml:"algorithms"`

	// RoleClaim is `roleClaim`, the claim holding the role (a string, or an
	// object with "name"); dotted paths like "app.role" reach into objects.
	// Default "role".
	RoleClaim string `toml:"roleClaim"`

	// AuthenticatedRole is `authenticatedRole`, the role of a valid token without
	// a role claim. Default "Authenticated". Must not be empty.
	AuthenticatedRole string `toml:"authenticatedRole"`

	// RequireConfirmed is `requireConfirmed`: refuse users whose email is not
	// confirmed. Default false.
	RequireConfirmed bool `toml:"requireConfirmed"`

	// Issuer is `issuer`. Empty (default): the iss claim is not checked.
	Issuer string `toml:"issuer"`

	// Audience is `audience`. Empty (default): the aud claim is not checked.
	Audience string `toml:"audience"`

	// Leeway is `leeway`, the clock skew allowed on exp/nbf/iat. Default 30s;
	// from 0 to 5m.
	Leeway Duration `toml:"leeway"`

	// RequireExp is `requireExp`: refuse tokens without an exp claim. Default
	// true (Default(); the Go zero value false accepts them). Strapi's
	// users-permissions tokens always carry exp (30 days by default, v5 access
	// tokens minutes) unless Strapi was configured to issue tokens that never
	// expire; such a token, once leaked, would work forever, so accepting
	// it takes a deliberate requireExp = false.
	RequireExp bool `toml:"requireExp"`
}

// Role is `[roles.<Name>]`.
type Role struct {
	// Permissions is `permissions`, Strapi action names like
	// "api::message.message.create", "api::message.message.*",
	// "plugin::users-permissions.user.me", or "*" alone (everything). "*" may only
	// be the whole string or the whole last segment. Default: none.
	Permissions []string `toml:"permissions"`
}

// API is `[api]`: the HTTP API and webhooks.
type API struct {
	// Tokens is `tokens`, the accepted bearer tokens. Default none: every API
	// request is refused. An empty token is a problem.
	Tokens []string `toml:"tokens"`

	// MaxBodySize is `maxBodySize`, the largest request body. Default 1MiB
	// (1048576). Must be > 0.
	MaxBodySize ByteSize `toml:"maxBodySize"`
}

// Plugins is `[plugins]`: the Wasm handlers.
type Plugins struct {
	// Dir is `dir`, the directory holding <handler>.wasm files. Default
	// "plugins". Load resolves a relative path against the config file's
	// directory; Parse leaves it as written.
	Dir string `toml:"dir"`

	// Watch is `watch`: reload modules when their files change. Default true.
	Watch bool `toml:"watch"`

	// Timeout is `timeout`, the deadline of one handler call. Default 100ms; must
	// be > 0.
	Timeout Duration `toml:"timeout"`

	// MemoryLimit is `memoryLimit`, the most memory one instance may have.
	// Default 16MiB. Must be a multiple of 64KiB (the Wasm page size), from 64KiB
	// to 4GiB.
	MemoryLimit ByteSize `toml:"memoryLimit"`

	// JSRuntime is `jsRuntime`, the QuickJS build (quickjs.wasm of the npm
	// package quickjs-wasi) that runs .js handlers. Default
	// "node_modules/quickjs-wasi/quickjs.wasm", where `npm ci` at the
	// repository root puts it. Load resolves a relative path against the config
	// file's directory; Parse leaves it as written. A missing file is not a
	// config error: it is reported when a .js handler needs it. Must not be
	// empty.
	JSRuntime string `toml:"jsRuntime"`
}

// Defaults of the scalar settings.
const (
	DefaultListen            = "127.0.0.1:1337"
	DefaultPublicRoleName    = "Public"
	DefaultAuthenticatedRole = "Authenticated"
)

// Default returns a Config with every default filled in. Each call returns fresh
// slices and maps, so callers may modify them.
func Default() *Config {
	return &Config{
		Listen:         DefaultListen,
		PublicRoleName: DefaultPublicRoleName,
		PermissionMode: "action",
		PrivateFields:  sanitize.DefaultPrivateFields(),
		LogLevel:       "info",
		LogFormat:      "text",
		IO: IOServerOptions{
			Path:              "/socket.io",
			PingInterval:      Duration(25 * time.Second),
			PingTimeout:       Duration(20 * time.Second),
			ConnectTimeout:    Duration(45 * time.Second),
			UpgradeTimeout:    Duration(10 * time.Second),
			MaxHTTPBufferSize: 1_000_000,
			Transports:        []string{"polling", "websocket"},
			Cors:              Cors{Methods: StringList{"GET", "POST"}},
		},
		ContentTypes: ContentTypes{All: true},
		Auth: Auth{
			RoleClaim:         "role",
			AuthenticatedRole: DefaultAuthenticatedRole,
			Leeway:            Duration(30 * time.Second),
			RequireExp:        true,
		},
		Strapi: Strapi{
			CacheSize:    10000,
			Timeout:      Duration(5 * time.Second),
			SyncInterval: Duration(DefaultSyncInterval),
			UserCacheTTL: Duration(DefaultUserCacheTTL),
		},
		Roles: map[string]Role{},
		API:   API{MaxBodySize: MiB},
		Plugins: Plugins{
			Dir:         "plugins",
			Watch:       true,
			Timeout:     Duration(100 * time.Millisecond),
			MemoryLimit: 16 * MiB,
			JSRuntime:   "node_modules/quickjs-wasi/quickjs.wasm",
		},
		Cluster: Cluster{ChannelPrefix: DefaultChannelPrefix},
		HTTP:    defaultHTTP(),
		Admin:   defaultAdmin(),
	}
}

// defaultRecovery is what an empty [IOServerOptions.connectionStateRecovery]
// table means.
func defaultRecovery() *Recovery {
	return &Recovery{MaxDisconnectionDuration: Duration(2 * time.Minute)}
}
