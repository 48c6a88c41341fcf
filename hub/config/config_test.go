package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

const fullConfig = `
listen = "0.0.0.0:8080"
publicRoleName = "Guest"
permissionMode = "read"
privateFields = ["password", "secret"]
logLevel = "debug"
logFormat = "json"

[IOServerOptions]
path = "/io"
pingInterval = 10000
pingTimeout = "5s"
connectTimeout = "1m"
upgradeTimeout = "3s"
maxHttpBufferSize = "2MiB"
transports = ["websocket"]

[IOServerOptions.cors]
origin = ["http://localhost:5000", "https://app.example.com"]
methods = "GET"
allowedHeaders = ["Authorization", "X-Requested-With"]
credentials = true

[IOServerOptions.connectionStateRecovery]
maxDisconnectionDuration = "30s"
skipMiddlewares = false

[contentTypes]
message = "*"
chat = ["create", "update"]

[[events]]
name = "connection"
handler = "connection-logger"

[[events]]
name = "chat:send"
handler = "chat_v2.1"
[events.config]
greeting = "hi ${TEST_USER_NAME}"
limits = { perMinute = 10, words = ["a", "${TEST_WORD:-b}"] }

[auth]
jwtSecret = "${TEST_JWT_SECRET}"
publicKeyFile = "keys/pub.pem"
algorithms = ["HS256", "RS256", "EdDSA"]
roleClaim = "app.role"
authenticatedRole = "Member"
requireConfirmed = true
issuer = "https://issuer.example.com"
audience = "hub"
leeway = "1m"
requireExp = false

[strapi]
url = "https://cms.example.com/"
apiToken = "${TEST_STRAPI_TOKEN}"
version = 5
syncInterval = "10s"
payload = "entry"
userCacheTTL = 20000
cacheSize = 500
timeout = "2s"

[roles.Guest]
permissions = ["api::message.message.find"]
[roles."Content Editor"]
permissions = ["api::message.message.*", "plugin::users-permissions.user.me"]
[roles.Admin]
permissions = ["*"]

[api]
tokens = ["${TEST_HUB_API_TOKEN}", "static-token"]
maxBodySize = "512KiB"

[plugins]
dir = "wasm"
watch = false
timeout = "250ms"
memoryLimit = "32MiB"

[cluster]
redis = "rediss://:${TEST_REDIS_PASSWORD}@redis.internal:6380/2"
nodeId = "hub-a"
channelPrefix = "prod:iohub"
tlsInsecureSkipVerify = true

[http]
idleTimeout = "2m"

[limits]
maxConnections = 10000
maxConnectionsPerIP = 100
handshakesPerSecondPerIP = 5
eventsPerSecond = 20
eventsBurst = 50
trustedProxies = ["127.0.0.1/32", "10.0.0.0/8"]
`

func fullConfigWant() *Config {
	return &Config{
		Listen:         "0.0.0.0:8080",
		PublicRoleName: "Guest",
		PermissionMode: "read",
		PrivateFields:  []string{"password", "secret"},
		LogLevel:       "debug",
		LogFormat:      "json",
		IO: IOServerOptions{
			Path:              "/io",
			PingInterval:      Duration(10 * time.Second),
			PingTimeout:       Duration(5 * time.Second),
			ConnectTimeout:    Duration(time.Minute),
			UpgradeTimeout:    Duration(3 * time.Second),
			MaxHTTPBufferSize: 2 * MiB,
			Transports:        []string{"websocket"},
			Cors: Cors{
				Origin:         StringList{"http://localhost:5000", "https://app.example.com"},
				Methods:        StringList{"GET"},
				AllowedHeaders: StringList{"Authorization", "X-Requested-With"},
				Credentials:    true,
			},
			ConnectionStateRecovery: &Recovery{
				MaxDisconnectionDuration: Duration(30 * time.Second),
			},
		},
		ContentTypes: ContentTypes{Types: map[string][]string{
			"message": {"*"},
			"chat":    {"create", "update"},
		}},
		Events: []Event{
			{Name: "connection", Handler: "connection-logger"},
			{Name: "chat:send", Handler: "chat_v2.1", Config: map[string]any{
				"greeting": "hi alice",
				"limits":   map[string]any{"perMinute": int64(10), "words": []any{"a", "b"}},
			}},
		},
		Auth: Auth{
			JWTSecret:         `s3cr"et`,
			PublicKeyFile:     "keys/pub.pem",
			Algorithms:        []string{"HS256", "RS256", "EdDSA"},
			RoleClaim:         "app.role",
			AuthenticatedRole: "Member",
			RequireConfirmed:  true,
			Issuer:            "https://issuer.example.com",
			Audience:          "hub",
			Leeway:            Duration(time.Minute),
		},
		Strapi: Strapi{
			URL: "https://cms.example.com", APIToken: "strapi-tok", Version: 5,
			SyncInterval: Duration(10 * time.Second), Payload: "entry", UserCacheTTL: Duration(20 * time.Second),
			CacheSize: 500, Timeout: Duration(2 * time.Second),
		},
		Roles: map[string]Role{
			"Guest":          {Permissions: []string{"api::message.message.find"}},
			"Content Editor": {Permissions: []string{"api::message.message.*", "plugin::users-permissions.user.me"}},
			"Admin":          {Permissions: []string{"*"}},
		},
		API: API{Tokens: []string{"tok-123", "static-token"}, MaxBodySize: 512 * KiB},
		Plugins: Plugins{
			Dir:         "wasm",
			Watch:       false,
			Timeout:     Duration(250 * time.Millisecond),
			MemoryLimit: 32 * MiB,
			JSRuntime:   "node_modules/quickjs-wasi/quickjs.wasm",
		},
		Cluster: Cluster{
			Redis:                 "rediss://:pa55@redis.internal:6380/2",
			NodeID:                "hub-a",
			ChannelPrefix:         "prod:iohub",
			TLSInsecureSkipVerify: true,
		},
		HTTP: HTTP{
			ReadHeaderTimeout: Duration(DefaultReadHeaderTimeout),
			ReadTimeout:       Duration(DefaultReadTimeout),
			IdleTimeout:       Duration(2 * time.Minute),
			MaxHeaderBytes:    DefaultMaxHeaderBytes,
		},
		Limits: Limits{
			MaxConnections:           10000,
			MaxConnectionsPerIP:      100,
			HandshakesPerSecondPerIP: 5,
			EventsPerSecond:          20,
			EventsBurst:              50,
			TrustedProxies:           []string{"127.0.0.1/32", "10.0.0.0/8"},
		},
		Admin: defaultAdmin(),
	}
}

func setFullEnv(t *testing.T) {
	t.Setenv("TEST_USER_NAME", "alice")
	t.Setenv("TEST_JWT_SECRET", `s3cr"et`)
	t.Setenv("TEST_HUB_API_TOKEN", "tok-123")
	t.Setenv("TEST_REDIS_PASSWORD", "pa55")
	t.Setenv("TEST_STRAPI_TOKEN", "strapi-tok")
	os.Unsetenv("TEST_WORD")
}

func TestParseFull(t *testing.T) {
	setFullEnv(t)
	got, err := Parse([]byte(fullConfig), "hub.toml")
	if err != nil {
		t.Fatal(err)
	}
	if want := fullConfigWant(); !reflect.DeepEqual(got, want) {
		t.Errorf("got  %#v\nwant %#v", got, want)
	}
}

func TestParseEmpty(t *testing.T) {
	for _, src := range []string{"", "\n# only a comment\n"} {
		got, err := Parse([]byte(src), "hub.toml")
		if err != nil {
			t.Fatal(err)
		}
		if want := Default(); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %#v\nwant %#v", src, got, want)
		}
	}
}

func TestParsePartialKeepsDefaults(t *testing.T) {
	tests := []struct {
		name string
		src  string
		edit func(*Config)
	}{
		{"top-level key", `listen = ":9000"`, func(c *Config) { c.Listen = ":9000" }},
		{"one key in a table", "[IOServerOptions]\npingInterval = 25000\ntransports = [\"websocket\"]",
			func(c *Config) {
				c.IO.PingInterval = Duration(25 * time.Second)
				c.IO.Transports = []string{"websocket"}
			}},
		{"cors origin only", "[IOServerOptions.cors]\norigin = \"*\"",
			func(c *Config) { c.IO.Cors.Origin = StringList{"*"} }},
		{"empty recovery table turns it on", "[IOServerOptions.connectionStateRecovery]",
			func(c *Config) { c.IO.ConnectionStateRecovery = defaultRecovery() }},
		{"inline recovery table", "IOServerOptions = { connectionStateRecovery = { skipMiddlewares = false } }",
			func(c *Config) { c.IO.ConnectionStateRecovery = defaultRecovery() }},
		{"jwtSecret alone defaults algorithms to HS256", "[auth]\njwtSecret = \"x\"",
			func(c *Config) { c.Auth.JWTSecret = "x"; c.Auth.Algorithms = []string{"HS256"} }},
		{"contentTypes star", `contentTypes = "*"`, func(c *Config) {}},
		{"empty contentTypes table allows nothing", "[contentTypes]",
			func(c *Config) { c.ContentTypes = ContentTypes{Types: map[string][]string{}} }},
		{"single action string", "[contentTypes]\nmessage = \"create\"",
			func(c *Config) { c.ContentTypes = ContentTypes{Types: map[string][]string{"message": {"create"}}} }},
		{"empty privateFields list", "privateFields = []", func(c *Config) { c.PrivateFields = []string{} }},
		{"inline events", `events = [{ name = "x", handler = "y" }]`,
			func(c *Config) { c.Events = []Event{{Name: "x", Handler: "y"}} }},
		{"role without permissions", "[roles.Public]", func(c *Config) { c.Roles["Public"] = Role{} }},
		{"strapi url trailing slashes trimmed", "[strapi]\nurl = \"http://localhost:1337//\"",
			func(c *Config) { c.Strapi.URL = "http://localhost:1337" }},
		{"maxHttpBufferSize as TOML float", "[IOServerOptions]\nmaxHttpBufferSize = 1e6",
			func(c *Config) {}},
		{"memoryLimit in pages", "[plugins]\nmemoryLimit = 131072",
			func(c *Config) { c.Plugins.MemoryLimit = 128 * KiB }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.src), "hub.toml")
			if err != nil {
				t.Fatal(err)
			}
			want := Default()
			tt.edit(want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %#v\nwant %#v", got, want)
			}
		})
	}
}

func TestDefaultIsFresh(t *testing.T) {
	a := Default()
	a.IO.Transports[0] = "changed"
	a.PrivateFields[0] = "changed"
	a.IO.Cors.Methods[0] = "changed"
	a.Roles["x"] = Role{}
	b := Default()
	if b.IO.Transports[0] != "polling" || b.PrivateFields[0] != "password" || b.IO.Cors.Methods[0] != "GET" || len(b.Roles) != 0 {
		t.Fatalf("Default shares state between calls: %#v", b)
	}
	if err := b.Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
}

// The custom types also work with toml.Decode directly onto a prefilled struct:
// absent keys keep their defaults, present lists replace the defaults.
func TestTOMLDecodeOntoDefaults(t *testing.T) {
	c := Default()
	_, err := toml.Decode(`
contentTypes = { message = ["create"] }
[IOServerOptions]
transports = ["websocket"]
pingInterval = 1000
maxHttpBufferSize = "1MiB"
[IOServerOptions.cors]
origin = "*"
[plugins]
timeout = "1s"
`, c)
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.ContentTypes = ContentTypes{Types: map[string][]string{"message": {"create"}}}
	want.IO.Transports = []string{"websocket"}
	want.IO.PingInterval = Duration(time.Second)
	want.IO.MaxHTTPBufferSize = MiB
	want.IO.Cors.Origin = StringList{"*"}
	want.Plugins.Timeout = Duration(time.Second)
	if !reflect.DeepEqual(c, want) {
		t.Errorf("got  %#v\nwant %#v", c, want)
	}

	for _, src := range []string{
		"[IOServerOptions]\npingInterval = \"-1s\"",
		"[IOServerOptions]\nmaxHttpBufferSize = \"lots\"",
		"[IOServerOptions.cors]\norigin = 5",
		"contentTypes = { message = [\"craete\"] }",
	} {
		if _, err := toml.Decode(src, Default()); err == nil {
			t.Errorf("toml.Decode(%q) succeeded", src)
		}
	}
}

func TestLoad(t *testing.T) {
	setFullEnv(t)
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "keys"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "keys", "pub.pem"), []byte("pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "hub.toml")
	if err := os.WriteFile(path, []byte(fullConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := fullConfigWant()
	want.Auth.PublicKeyFile = filepath.Join(dir, "keys", "pub.pem")
	want.Plugins.Dir = filepath.Join(dir, "wasm")
	want.Plugins.JSRuntime = filepath.Join(dir, "node_modules", "quickjs-wasi", "quickjs.wasm")
	want.Admin.UIDir = filepath.Join(dir, DefaultAdminUIDir)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %#v\nwant %#v", got, want)
	}

	// Absolute paths stay; the default plugins dir resolves too.
	abs := filepath.Join(dir, "keys", "pub.pem")
	if err := os.WriteFile(path, []byte("[auth]\npublicKeyFile = \""+abs+"\"\nalgorithms = [\"ES256\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err = Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Auth.PublicKeyFile != abs || got.Plugins.Dir != filepath.Join(dir, "plugins") {
		t.Errorf("paths: %q %q", got.Auth.PublicKeyFile, got.Plugins.Dir)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := Load(filepath.Join(dir, "missing.toml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}

	path := filepath.Join(dir, "hub.toml")
	src := "[auth]\npublicKeyFile = \"nope.pem\"\nalgorithms = [\"RS256\"]\n[plugins]\ndir = \"keys\"\n"
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load(path)
	checkLines(t, err, path+`: auth.publicKeyFile: cannot read "`+filepath.Join(dir, "nope.pem")+`": no such file or directory`)

	if err := os.WriteFile(path, []byte("[auth]\npublicKeyFile = \".\"\nalgorithms = [\"RS256\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load(path)
	checkLines(t, err, path+`: auth.publicKeyFile: cannot read "`+dir+`": is a directory`)
}

func TestValidate(t *testing.T) {
	c := Default()
	c.Listen = "nope"
	c.Auth.Algorithms = []string{"HS256"}
	c.IO.Cors.Origin = StringList{"*"}
	c.IO.Cors.Credentials = true
	c.ContentTypes = ContentTypes{Types: map[string][]string{"message": {"craete"}}}
	err := c.Validate()
	checkLines(t, err,
		`listen: expected host:port with a numeric port, like "127.0.0.1:1337", got "nope"`,
		`IOServerOptions.cors.credentials: cannot be true when origin is "*": browsers refuse credentials with a wildcard origin; list the allowed origins instead`,
		`contentTypes.message[0]: unknown action "craete" (did you mean "create"?); expected one of find, findOne, create, update, delete, publish, unpublish, createOrUpdate, bulkDelete, or "*"`,
		`auth.algorithms[0]: "HS256" requires auth.jwtSecret`,
	)
}
